"""What may reach a mail header: the one rule for its characters, for addresses and for list ids.

A report's title and press headline become a Subject; the sender's name and address, reply_to, the
target's list ids and `send --test-to` become From, Reply-To and To. Mail programs, Python's `email`
package among them, decode RFC 2047 encoded words (`=?utf-8?q?…?=`) wherever they find them, so a
title holding `=?utf-8?q?x=0D=0ABcc:_a@b?=` reads back with a line break and a `Bcc:` in it. Control
characters end or split header lines, and bidi controls and zero-width characters make a subject or a
sender name read differently from what it is. Every check of such a value uses this module:
`newsroom check` (schema `F.header`), the message writer (`render.message`) and `send --test-to`, which
also takes a display name (`Erika Mustermann <erika@example.org>`: the outbox's sample subscriber).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

MAX_TEST_RECIPIENTS = 10  # `send --test-to` addresses per test send; a test is for a few colleagues

_CONTROL = r"\x00-\x1f\x7f-\x9f"  # C0, DEL and C1
_BIDI = r"\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_ZERO_WIDTH = r"\u200b-\u200d\u2060\ufeff"
FORBIDDEN = re.compile(f"[{_CONTROL}{_BIDI}{_ZERO_WIDTH}]")
_BIDI_CHAR = re.compile(f"[{_BIDI}]")
ENCODED_WORD = re.compile(r"=\?.*\?=", re.DOTALL)  # any look-alike, shown whole
_CONTROL_NAMES = {0x00: "NULL", 0x09: "CHARACTER TABULATION", 0x0A: "LINE FEED", 0x0B: "LINE TABULATION",
                  0x0C: "FORM FEED", 0x0D: "CARRIAGE RETURN", 0x1B: "ESCAPE", 0x7F: "DELETE", 0x85: "NEXT LINE"}
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
ADDR_SPEC = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})+")  # RFC 5322 dot-atom, ASCII host
LIST_ID = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*")
LIST_ID_MAX = 64


@dataclass(frozen=True)
class Problem:
    """What is wrong with a value and how to fix it (an Issue's message and hint)."""

    message: str
    fix: str

    def __str__(self) -> str:
        return f"{self.message} — {self.fix}"


def character_name(char: str) -> str:
    """'U+202E RIGHT-TO-LEFT OVERRIDE'; a control character, which has no Unicode name, as 'U+001B (ESCAPE)'
    (as pipeline/content.py names those it refuses in any value)."""
    code = ord(char)
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return f"U+{code:04X} ({_CONTROL_NAMES.get(code, 'a control character')})"
    return f"U+{code:04X} {unicodedata.name(char, '')}".rstrip()


def character_problem(value: str) -> Problem | None:
    """The first character that must never be in a header value (control, bidi, zero-width), or None."""
    found = FORBIDDEN.search(value)
    if found is None:
        return None
    char, at = found.group(), found.start() + 1
    code = ord(char)
    if code in (0x09, 0x0A, 0x0D, 0x85):
        why, fix = ("a tab or line break, which would end or split the mail header",
                    "write it on one line, with spaces only")
    elif code < 0x20 or 0x7F <= code <= 0x9F:
        why, fix = ("an invisible control character", "delete it; in a quoted YAML text it comes from an escape "
                    "such as \\0, \\e or \\x1b")
    elif _BIDI_CHAR.fullmatch(char):
        why, fix = ("an invisible bidi control that makes mail programs show the text in another order",
                    "delete it (it often comes with text copied from a web page or a PDF)")
    else:
        why, fix = ("an invisible zero-width character that makes the text look like something it is not",
                    "delete it (it often comes with text copied from a web page or a PDF)")
    return Problem(f"contains {character_name(char)} at character {at}, {why}", fix)


def header_problem(value: str) -> Problem | None:
    """`character_problem`, or an RFC 2047 encoded-word look-alike (`=?` … `?=`), or None."""
    problem = character_problem(value)
    if problem is not None:
        return problem
    found = ENCODED_WORD.search(value)
    if found is None:
        return None
    return Problem(f"contains '{found.group()}' at character {found.start() + 1}, which mail programs decode "
                   "as an RFC 2047 encoded word instead of showing it",
                   "write it without the '=?' … '?=' pair, e.g. with a space after '='")


def address_problem(value: str) -> Problem | None:
    """A plain addr-spec (name@example.org) and nothing else: no display name, no second address, ASCII."""
    from email.utils import parseaddr

    problem = header_problem(value)
    if problem is not None:
        return problem
    if "," in value or ";" in value:
        return Problem("holds more than one address", "give one address per value (repeat the option for more)")
    if "<" in value or '"' in value or value != value.strip():
        return Problem("is not a plain address", "write the address alone, like name@example.org, "
                       "without a name, quotes, angle brackets or spaces")
    if not ADDR_SPEC.fullmatch(value) or parseaddr(value) != ("", value):
        return Problem("is not an e-mail address", "write it like name@example.org, in ASCII (a non-ASCII "
                       "domain in its xn-- form)")
    return None


def list_id_problem(value: str) -> Problem | None:
    """A provider's list id: letters, digits, '_', '-' and single inner dots, at most 64 characters."""
    problem = header_problem(value)
    if problem is not None:
        return problem
    if len(value) > LIST_ID_MAX or not LIST_ID.fullmatch(value):
        return Problem("is not a list id", f"use the provider's list id: up to {LIST_ID_MAX} letters, digits, "
                       "'-', '_' and '.' (the outbox writes it into the To: address)")
    return None


@dataclass(frozen=True)
class Recipient:
    """A `--test-to` value: an address with an optional display name (the sample subscriber's name)."""

    name: str
    address: str


_NAMED = re.compile(r'(?P<name>"[^"]*"|[^"<>]*?) ?<(?P<address>[^<>]*)>')
MAX_DISPLAY_NAME = 64


def display_name_problem(name: str) -> Problem | None:
    """A display name that reads back as exactly this name and nothing else.

    Refused: what `header_problem` refuses (line breaks, controls, bidi, zero-width, `=?…?=`), any other
    character that is not printable (line and paragraph separators, no-break or other spaces than ' ', soft
    hyphens), '@' (a name that looks like another address), quotes, backslashes and angle brackets, ',' and ';'
    outside quotes (a second address), spaces at the ends or in a row.
    """
    problem = header_problem(name)
    if problem is not None:
        return problem
    quoted = len(name) >= 2 and name.startswith('"') and name.endswith('"')
    bare = name[1:-1] if quoted else name
    if not bare.strip():
        return Problem("has an empty name", "leave the name out, or write it before the address: Erika Mustermann "
                       "<erika@example.org>")
    odd = next((char for char in bare if not char.isprintable()), None)
    if odd is not None:
        return Problem(f"has {character_name(odd)} in its name, which mail programs show differently",
                       "write the name with letters and plain spaces")
    bad = sorted(set(bare) & set('"\\<>@' if quoted else '"\\<>@,;'))
    if bad:
        return Problem(f"has {' '.join(repr(char) for char in bad)} in its name", "write the name alone, like "
                       '"Erika Mustermann <erika@example.org>" (in quotes when it holds a comma)')
    if bare != bare.strip() or "  " in bare:
        return Problem("has spaces at the ends or in a row in its name", "write the name with single spaces")
    if len(bare) > MAX_DISPLAY_NAME:
        return Problem(f"has a name of {len(bare)} characters, at most {MAX_DISPLAY_NAME} are allowed",
                       "shorten the name")
    return None


def recipient_problem(value: str) -> Problem | None:
    """A plain address, or `Name <address>` (`"Name, with comma" <address>`), each part checked; else why not."""
    if "<" not in value and ">" not in value:
        return address_problem(value)
    found = _NAMED.fullmatch(value)
    if found is None:
        problem = header_problem(value)
        return problem or Problem("is not an address with a name", "write it like Erika Mustermann "
                                  "<erika@example.org>, or the address alone")
    if found["name"]:
        problem = display_name_problem(found["name"])
        if problem is not None:
            return problem
    return address_problem(found["address"])


def parse_recipient(value: str) -> Recipient:
    """A checked `--test-to` value (`recipient_problem` is None) → its name ("" if none) and address."""
    found = _NAMED.fullmatch(value)
    if found is None:
        return Recipient("", value)
    name = found["name"]
    return Recipient(name[1:-1] if name.startswith('"') else name, found["address"])


def recipients_problem(addresses: Sequence[str]) -> str | None:
    """Why these `--test-to` values cannot be used, naming the first bad one, or None."""
    if len(addresses) > MAX_TEST_RECIPIENTS:
        return (f"{len(addresses)} addresses, at most {MAX_TEST_RECIPIENTS} are allowed — send the test to "
                "fewer addresses, or to a list of colleagues via a test target")
    for address in addresses:
        problem = recipient_problem(address)
        if problem is not None:
            return f"'{printable(address)}' {problem}"
    return None


def printable(value: str) -> str:
    """The value with every forbidden character shown as an escape (\\r, \\u202e): safe to print in a message."""
    return FORBIDDEN.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), value)
