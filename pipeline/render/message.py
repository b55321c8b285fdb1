"""Rendition → RFC 5322 message bytes (multipart/alternative, text first, UTF-8 quoted-printable; E2, E17).

This is the one writer of messages: `report_messages` makes out/<slug>/email.eml and press.eml, and the
outbox provider writes what it "sends" with `message_bytes` too; only the transport headers differ
(To, Date, Message-ID and the List-Unsubscribe pair of a sent message).

Headers. Every value is written so that a reader gets it back exactly and never more than one header
from it (`pipeline.headers` says why): a control character is refused (`RenderError`; `newsroom check`
refuses it first), and anything a reader could decode is encoded itself. A Subject of printable ASCII
words with single spaces and no `=?` is written as it is, folded only at its own spaces and never right
after "Subject:" (a fold there reads back as a leading space); every other subject (non-ASCII, `=?`,
runs of spaces, a word too long for a line) becomes RFC 2047 base64 encoded words, one per line. A
sender name outside printable ASCII or holding `=?` gets the same encoded words.

Date and Message-ID of a built message follow from its content, so a build stays byte-reproducible:
Date is the report's publication instant (`embargo.published_at`, the press page's `datePublished`:
the embargo lift, else `press.published`, else the start of the event day in the publication's time
zone), not the build's clock, which would make every build a new revision. Message-ID is
`<24 hex of sha256(subject, sender, reply-to, language, date, text, html)>.<newsletter|press>@<host of
the site address>`: the same content gives the same id, any change a new one. (The manifest's revision
cannot be used: it hashes this file.) A provider that sends a message gives it its own Date and
Message-ID: every message sent is a new message.

Speed. `message_bytes` writes the message an `EmailMessage` would (set_content, add_alternative, policy
SMTP) without its object model, over ten times faster than its `as_bytes()`: a build writes two per
report. The tests build the same message with the email package and check that both parse back to the
same headers and bodies (tests/render/test_message.py). The folding of From, Reply-To and To is the
email package's, cached.

The bodies are encoded here, to RFC 2045 §6.7: "=", every byte outside printable ASCII (tab excepted) and
a space or tab ending a line become =XX; lines longer than 76 characters get soft breaks ("=" at the end)
that never split an =XX escape; line ends are CRLF. Input line ends (CRLF, CR, LF) are normalised and the
body always ends with one, as `EmailMessage.set_content()` does. Every step is a C-level pass over the
body: one `bytes.replace` per distinct byte to escape, one regex `findall` per long line.

`binascii.b2a_qp` was measured as the alternative and not taken: on our bodies it is no faster than
this (it is one branchy C loop per byte), it writes 77-78 character lines where a line ends in a space
or tab, and it passes a lone CR through unencoded. The boundary starts with "=_", which quoted-printable
text never contains ("=" is always followed by a hex digit or the line end), so no body can hold it.

Embedded pictures (CID). An embargoed press mailing goes out before the lift, while the public site
holds nothing of the report (P4): pictures linked there would show broken. So press.eml of a report
with an embargo carries the pictures the renderer names in `Rendition.press_inline` (its own, from
out/<slug>/images/; an https:// picture elsewhere stays linked) as parts of a multipart/related
beside the text: multipart/alternative[text/plain, multipart/related[text/html, image…]], the form
`EmailMessage.add_related()` writes and every client of EMAIL-QUALITY E4 shows. Each picture is one
part (base64, `Content-Disposition: inline`) whose Content-ID is `<24 hex of its sha256>@<site host>`,
and the HTML part's links to it become `cid:` URLs; press-email.html keeps the site's URLs (the
preview, and what a provider sends after the lift). A report without embargo keeps linked pictures:
the site shows them from the moment the mailing can go out, the message stays small, and the full
press picture is one click away. Gmail's clipping (102 KB) counts the HTML part only, not the parts
beside it, so embedding does not bring the footer closer to the clip (docs/providers.md).
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import itertools
import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email import base64mime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from urllib.parse import urlsplit

from pipeline.errors import RenderError
from pipeline.headers import character_problem, header_problem

UNDISCLOSED = "undisclosed-recipients:;"
MESSAGES = (("email.eml", "newsletter"), ("press.eml", "press"))  # file name, channel (the Message-ID says which)


@dataclass(frozen=True)
class Inline:
    """A picture carried in the message (multipart/related), referenced from the HTML as `cid:<content_id>`."""

    content_id: str  # without the angle brackets
    filename: str
    content_type: str
    data: bytes


IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif"}  # the model's


def embedded(html: str, base_url: str, images: Mapping[str, bytes], host: str) -> tuple[str, tuple[Inline, ...]]:
    """`html` with each link to `base_url + name` (name in `images`) replaced by `cid:`, and the parts to carry.

    The Content-ID is `<24 hex of the picture's sha256>@<host>`: the same picture gives the same id in
    every build (reproducible) and appears once however often the HTML shows it.
    """
    parts: dict[str, Inline] = {}
    for name, data in sorted(images.items()):
        link = re.compile(re.escape(base_url + name) + r"(?=[\"'\s)])")  # the whole address, not a prefix of another
        if not link.search(html):
            continue
        content_id = f"{hashlib.sha256(data).hexdigest()[:24]}@{host}"
        html = link.sub("cid:" + content_id, html)
        filename = posixpath.basename(name)
        suffix = posixpath.splitext(filename)[1].lower()
        if not _FILENAME.fullmatch(filename):  # keep the header plain ASCII; the name is only a hint
            filename = "image" + suffix
        parts.setdefault(content_id, Inline(content_id, filename, IMAGE_TYPES.get(suffix, "application/octet-stream"),
                                            data))
    return html, tuple(parts.values())


_FILENAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,60}")


def report_messages(rendition, settings, images: Mapping[str, bytes] | None = None) -> dict[str, bytes]:
    """out/<slug>/email.eml and press.eml: Date and Message-ID follow from the content (module docstring).

    `images`: out/<slug>/'s pictures by output name (images/…); those in `rendition.press_inline` are
    embedded in press.eml.
    """
    date = dt.datetime.fromisoformat(rendition.published)  # embargo.published_at, as the press page's
    host = urlsplit(rendition.web_url).hostname or ""
    press_html, inline = rendition.press_email_html, ()
    wanted = rendition.press_inline
    if wanted:
        missing = [name for name in wanted if name not in (images or {})]
        if missing:
            raise RenderError(f"press.eml: the picture {missing[0]} to embed was not given to the message writer "
                              "— a bug in the caller of report_messages")
        press_html, inline = embedded(press_html, rendition.web_url, {name: images[name] for name in wanted}, host)
    parts = {"newsletter": (rendition.subject, rendition.email_text, rendition.email_html, ()),
             "press": (rendition.press_subject, rendition.press_email_text, press_html, inline)}
    files = {}
    for name, channel in MESSAGES:
        subject, text, html, related = parts[channel]
        fields = (subject, settings.sender.name, settings.sender.email, settings.reply_to, rendition.language,
                  format_datetime(date), text, html)  # html holds each picture's sha256 in its cid: links
        digest = hashlib.sha256("\0".join(fields).encode()).hexdigest()
        files[name] = message_bytes(subject=subject, text=text, html=html, from_name=settings.sender.name,
                                    from_email=settings.sender.email, reply_to=settings.reply_to,
                                    language=rendition.language, date=date,
                                    message_id=f"<{digest[:24]}.{channel}@{host}>", related=related)
    return files


def message_bytes(*, subject: str, text: str, html: str, from_name: str, from_email: str, reply_to: str,
                  language: str, date: dt.datetime, message_id: str,
                  to: str | Sequence[tuple[str, str]] = UNDISCLOSED,
                  extra: tuple[tuple[str, str], ...] = (), related: Sequence[Inline] = ()) -> bytes:
    """A multipart/alternative message: text/plain first, text/html last, both UTF-8 quoted-printable.

    `to` and `extra` (more headers, e.g. List-Unsubscribe) are what a sending provider adds; `date` is aware.
    `to` is a header value, or (display name, address) pairs: names written like the sender's (quoted or
    encoded), never parsed from a string.
    `related`: pictures the HTML shows by `cid:`; then the HTML and they form a multipart/related.
    """
    try:
        encoded = {"Subject": subject, "From": from_name}  # written as encoded words where needed
        literal = {"From": from_email, "Reply-To": reply_to, "Message-ID": message_id,
                   **({"To": to} if isinstance(to, str) else {}),
                   "Content-Language": language, **dict(extra)}
        for rule, values in ((character_problem, encoded), (header_problem, literal)):
            for name, value in values.items():
                problem = rule(value)
                if problem is not None:
                    raise ValueError(f"{name} {problem.message}")
        head = [_folded_subject(subject), _folded_address("From", from_name, from_email),
                _folded("Reply-To", reply_to),
                _folded("To", to) if isinstance(to, str) else _folded_recipients("To", to),
                _folded("Date", format_datetime(date)),
                f"Message-ID: {message_id}\r\n".encode("ascii")]  # checked above; an id has no place to fold
        head += [_folded.__wrapped__(name, value) for name, value in extra]
        language_line = _folded("Content-Language", language)
    except ValueError as err:  # also what the email package refuses (S7)
        raise RenderError(f"a mail header is invalid: {err} — correct the value (`newsroom check` names its "
                          "field)") from err
    text_data, html_data = text.encode(), html.encode()
    boundary = _boundary(text_data, html_data).encode()
    parts = [*head, b"MIME-Version: 1.0\r\n", _MULTIPART.replace(_BOUNDARY_SLOT, boundary), language_line, b"\r\n"]
    # as EmailMessage.add_alternative() writes it: the html part carries its own MIME-Version.
    parts += [b"--", boundary, b'\r\nContent-Type: text/plain; charset="utf-8"\r\n'
              b"Content-Transfer-Encoding: quoted-printable\r\n\r\n", _quoted_printable(text_data), b"\r\n--", boundary]
    html_part = [b'\r\nContent-Type: text/html; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n',
                 b"MIME-Version: 1.0\r\n\r\n", _quoted_printable(html_data), b"\r\n"]
    if related:  # as EmailMessage.add_related() nests it: the HTML and its pictures, inside the alternative
        inner = _boundary(html_data, b"".join(part.content_id.encode() for part in related), kind="related").encode()
        parts += [b"\r\n", _RELATED.replace(_BOUNDARY_SLOT, inner), b"MIME-Version: 1.0\r\n\r\n--", inner, *html_part]
        for part in related:
            parts += [b"--", inner, b"\r\nContent-Type: ", part.content_type.encode("ascii"),
                      b"\r\nContent-Transfer-Encoding: base64\r\nContent-ID: <", part.content_id.encode("ascii"),
                      b'>\r\nContent-Disposition: inline; filename="', part.filename.encode("ascii"), b'"\r\n'
                      b"MIME-Version: 1.0\r\n\r\n", _base64(part.data)]
        parts += [b"--", inner, b"--\r\n\r\n"]
    else:
        parts += html_part
    parts += [b"--", boundary, b"--\r\n"]
    return b"".join(parts)


def _base64(data: bytes) -> bytes:
    """Base64 in lines of 76 characters, each ending in CRLF (RFC 2045 §6.8)."""
    encoded = base64.b64encode(data)
    return b"".join(encoded[start:start + 76] + b"\r\n" for start in range(0, len(encoded), 76))


def _boundary(text: bytes, html: bytes, kind: str = "") -> str:
    """A boundary derived from the content (not random): builds stay reproducible and hashes stable.

    `kind` tells a nested boundary from the outer one; base64 never holds "=_" either ("_" is not in its alphabet).
    """
    digest = hashlib.sha256(kind.encode())
    digest.update(text)
    digest.update(html)
    return "=_newsroom_" + digest.hexdigest()[:32]


@functools.lru_cache(maxsize=64)
def _folded(name: str, value: str) -> bytes:
    """One header as the email package folds it; cached for those every message of a build shares."""
    message = EmailMessage(policy=SMTP)
    message[name] = value
    return _header_block(message)


_PLAIN_SUBJECT = re.compile(r"[!-~]+(?: [!-~]+)*")  # printable ASCII words, single spaces between them
_MAX_HEADER_LINE = 78  # RFC 5322 §2.1.1, without the CRLF


def _folded_subject(subject: str) -> bytes:
    """The Subject line: plain ASCII as it is, folded at its spaces; anything else as encoded words.

    Plain: printable ASCII words with one space between them and no "=?". The line is folded before a
    space, so unfolding (removing the CRLF) gives the subject back, and never before the first word.
    Python 3.11's folding (`policy.SMTP`) does neither: it folds a 70–77 character subject right after
    "Subject:" (read back with a leading space) and decodes nothing, but writes "=?…?=" as it is,
    which a reader then decodes.
    """
    if not subject:
        return b"Subject:\r\n"
    if _PLAIN_SUBJECT.fullmatch(subject) and "=?" not in subject:
        folded = _folded_words("Subject", subject.split(" "))
        if max(map(len, folded.split(b"\r\n"))) <= _MAX_HEADER_LINE:  # else a word is too long for a line
            return folded
    return ("Subject: " + "\r\n ".join(_encoded_words(subject)) + "\r\n").encode("ascii")


def _folded_words(name: str, words: list[str]) -> bytes:
    """`Name: word word …`, folded before a space (so unfolding gives the value back), never before the
    first word; a word too long for a line gets a line of its own."""
    lines, line = [], f"{name}: {words[0]}"
    for word in words[1:]:
        if len(line) + 1 + len(word) > _MAX_HEADER_LINE:
            lines.append(line)
            line = " " + word
        else:
            line += " " + word
    lines.append(line)
    return ("\r\n".join(lines) + "\r\n").encode("ascii")


def _encoded_words(value: str) -> list[str]:
    """RFC 2047 base64 encoded words of `value`, each of 42 UTF-8 bytes (56 base64 characters), never
    cut inside a character.

    Every space sits inside an encoded word, and the whitespace between words is ignored when read
    (RFC 2047 §6.2), so none is lost; Python 3.11's `policy.SMTP` drops the space between two encoded
    words where it folds (CPython gh-144156): about 6 % of long German subjects lost one.
    `email.header.Header` does it correctly but takes ~0.4 ms per subject. 42 bytes are a multiple of 3,
    so no word but the last carries base64 padding; with "=?utf-8?b?…?=" and "Subject: " a line has at
    most 77 characters.
    """
    data, words, start = value.encode(), [], 0
    while start < len(data):
        end = min(start + _WORD_BYTES, len(data))
        while end < len(data) and data[end] & 0xC0 == 0x80:  # a UTF-8 continuation byte: cut before its character
            end -= 1
        words.append(base64mime.header_encode(data[start:end], charset="utf-8"))
        start = end
    return words


_WORD_BYTES = 42


_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+")  # RFC 5322 atext


def _folded_recipients(name: str, recipients: Sequence[tuple[str, str]]) -> bytes:
    """`To: Name <address>, address, …`, each display name written as `_folded_address` writes the sender's."""
    tokens: list[str] = []
    for display_name, addr_spec in recipients:
        problem = character_problem(display_name) or header_problem(addr_spec)
        if problem is not None:
            raise ValueError(f"{name} {problem.message}")
        Address(addr_spec=addr_spec)  # raises ValueError for an address the email package would refuse
        if tokens:
            tokens[-1] += ","
        tokens += [*_name_tokens(display_name), f"<{addr_spec}>"] if display_name else [addr_spec]
    return _folded_words(name, tokens)


@functools.lru_cache(maxsize=64)
def _folded_address(name: str, display_name: str, addr_spec: str) -> bytes:
    """`Name <address>`: atoms as they are, other ASCII as one quoted string, anything else (non-ASCII, "=?")
    with each run of such words as one encoded word. (The email package writes a long name with a "."
    unquoted, which its own parser then fails on.)

    One word per run, because readers disagree about the space between two encoded words in a name:
    RFC 2047 drops it (mailparser), Python's `email` keeps it. Between an atom and an encoded word both
    keep it. A run longer than 42 bytes makes a line longer than 78 characters (allowed up to 998).
    """
    Address(addr_spec=addr_spec)  # raises ValueError for an address the email package would refuse
    return _folded_words(name, [*_name_tokens(display_name), f"<{addr_spec}>"])


def _name_tokens(display_name: str) -> list[str]:
    """A display name as header words: atoms, one quoted string, or encoded words (`_folded_address`)."""
    words = display_name.split(" ")
    plain = "=?" not in display_name and "" not in words
    if plain and all(map(_ATOM.fullmatch, words)):
        return words
    if plain and display_name.isascii() and display_name.isprintable():  # "Verein e.V." as a quoted string
        return ['"' + display_name.replace("\\", "\\\\").replace('"', '\\"') + '"']
    if "" in words:  # spaces at the ends or in a row: the whole name in one word keeps them
        words = [display_name]
    tokens: list[str] = []
    run: list[str] = []
    for word in [*words, None]:
        if word is not None and not (_ATOM.fullmatch(word) and "=?" not in word):
            run.append(word)
            continue
        if run:
            tokens.append(base64mime.header_encode(" ".join(run).encode(), charset="utf-8"))
            run = []
        if word is not None:
            tokens.append(word)
    return tokens


def _header_block(message: EmailMessage) -> bytes:
    data = message.as_bytes()
    return data[: data.index(b"\r\n\r\n") + 2]  # the folded header lines, without the blank line and body


_BOUNDARY_SLOT = b"=_newsroom_" + b"0" * 32  # every boundary has this length, so it folds the same way
_MULTIPART = _folded("Content-Type", f'multipart/alternative; boundary="{_BOUNDARY_SLOT.decode()}"')
_RELATED = _folded("Content-Type", f'multipart/related; boundary="{_BOUNDARY_SLOT.decode()}"; type="text/html"')
_SAFE = bytes([9, 10, *range(32, 127)])  # left as they are once "=" is escaped: tab, LF, printable ASCII
_WHITESPACE = (b" ", b"\t")
_MAX_LINE = 76  # RFC 2045 §6.7 (5), without the CRLF
# One soft-broken piece of an escaped line: 73 characters, or 74/75 to finish an escape begun at 71/72;
# with its "=" at most 76.
_PIECE = re.compile(rb".{71}(?:=..|.=..|..)|.+", re.DOTALL)


def _quoted_printable(data: bytes) -> bytes:
    """UTF-8 text → quoted-printable body with CRLF line ends, each line at most 76 characters."""
    if b"\r" in data:
        data = b"\n".join(data.splitlines()) + b"\n"
    elif not data.endswith(b"\n"):
        data += b"\n"
    if b"=" in data:
        data = data.replace(b"=", b"=3D")
    for byte in set(data.translate(None, _SAFE)):  # the few distinct bytes to escape, found at C speed
        data = data.replace(bytes((byte,)), b"=%02X" % byte)
    lines = data.split(b"\n")  # the last one is empty: the body ends with a line end
    if any(map(bytes.endswith, lines, itertools.repeat(_WHITESPACE))):
        lines = [line[:-1] + b"=%02X" % line[-1] if line.endswith(_WHITESPACE) else line for line in lines]
    if max(map(len, lines)) > _MAX_LINE:
        lines = [b"=\r\n".join(_PIECE.findall(line)) if len(line) > _MAX_LINE else line for line in lines]
    return b"\r\n".join(lines)
