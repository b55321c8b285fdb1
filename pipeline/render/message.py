"""Rendition → RFC 5322 message bytes (multipart/alternative, text first, UTF-8 quoted-printable; E2, E17).

`message_bytes` writes the message an `EmailMessage` would (set_content, add_alternative, policy SMTP)
without its object model, over ten times faster than its `as_bytes()`: a build writes two per report.
The tests build the same message with the email package and check that both parse back to the same
headers and bodies (tests/render/test_message.py). Header folding is the email package's, cached,
except for non-ASCII subjects (see `_folded_subject`).

The bodies are encoded here, to RFC 2045 §6.7: "=", every byte outside printable ASCII (tab excepted) and
a space or tab ending a line become =XX; lines longer than 76 characters get soft breaks ("=" at the end)
that never split an =XX escape; line ends are CRLF. Input line ends (CRLF, CR, LF) are normalised and the
body always ends with one, as `EmailMessage.set_content()` does. Every step is a C-level pass over the
body: one `bytes.replace` per distinct byte to escape, one regex `findall` per long line.

`binascii.b2a_qp` was measured as the alternative and not taken: on our bodies it is no faster than
this (it is one branchy C loop per byte), it writes 77-78 character lines where a line ends in a space
or tab, and it passes a lone CR through unencoded. The boundary starts with "=_", which quoted-printable
text never contains ("=" is always followed by a hex digit or the line end), so no body can hold it.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import re
from email import base64mime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP

from pipeline.errors import RenderError


def message_bytes(*, subject: str, text: str, html: str, settings, language: str,
                  to: str = "undisclosed-recipients:;") -> bytes:
    """A multipart/alternative message: text/plain first, text/html last, both UTF-8 quoted-printable."""
    try:
        head = (_folded_subject(subject) + _folded_address("From", settings.sender.name, settings.sender.email)
                + _folded("Reply-To", settings.reply_to) + _folded("To", to))
        language_line = _folded("Content-Language", language)
    except ValueError as err:  # CR/LF in a header value (S7)
        raise RenderError(f"a mail header is invalid ({err}) — remove line breaks from subject and sender") from err
    text_data, html_data = text.encode(), html.encode()
    boundary = _boundary(text_data, html_data).encode()
    parts = [head, b"MIME-Version: 1.0\r\n", _MULTIPART.replace(_BOUNDARY_SLOT, boundary), language_line, b"\r\n"]
    # as EmailMessage.add_alternative() writes it: the html part carries its own MIME-Version.
    for subtype, data, extra in ((b"plain", text_data, b""), (b"html", html_data, b"MIME-Version: 1.0\r\n")):
        parts += [b"--", boundary, b"\r\nContent-Type: text/", subtype, b'; charset="utf-8"\r\n'
                  b"Content-Transfer-Encoding: quoted-printable\r\n", extra, b"\r\n", _quoted_printable(data), b"\r\n"]
    parts += [b"--", boundary, b"--\r\n"]
    return b"".join(parts)


def _boundary(text: bytes, html: bytes) -> str:
    """A boundary derived from the content (not random): builds stay reproducible and hashes stable."""
    digest = hashlib.sha256(text)
    digest.update(html)
    return "=_newsroom_" + digest.hexdigest()[:32]


@functools.lru_cache(maxsize=64)
def _folded(name: str, value: str) -> bytes:
    """One header as the email package folds it; cached for those every message of a build shares."""
    message = EmailMessage(policy=SMTP)
    message[name] = value
    return _header_block(message)


def _folded_subject(subject: str) -> bytes:
    """The Subject line; a non-ASCII subject as RFC 2047 base64 encoded words, one per line.

    Python 3.11's folding (`policy.SMTP`) drops the space between two encoded words when it breaks the
    line there (CPython gh-144156, fixed after 3.11): about 6 % of long German subjects lost a space.
    Here every space sits inside an encoded word, and the whitespace between words is ignored when read
    (RFC 2047 §6.2). `email.header.Header` does the same correctly but takes ~0.4 ms per subject; the
    words are cut at 42 UTF-8 bytes (never inside a character), so each line stays within 78.
    """
    if subject.isascii():
        return _folded.__wrapped__("Subject", subject)  # not cached: every report has its own subject
    if "\r" in subject or "\n" in subject:
        raise ValueError("Header values may not contain linefeed or carriage return characters")
    data, words, start = subject.encode(), [], 0
    while start < len(data):
        end = min(start + _SUBJECT_WORD_BYTES, len(data))
        while end < len(data) and data[end] & 0xC0 == 0x80:  # a UTF-8 continuation byte: cut before its character
            end -= 1
        words.append(data[start:end])
        start = end
    encoded = "\r\n ".join(base64mime.header_encode(word, charset="utf-8") for word in words)
    return f"Subject: {encoded}\r\n".encode("ascii")


_SUBJECT_WORD_BYTES = 42  # → 56 base64 characters, 68 with "=?utf-8?b?…?=", 77 after "Subject: "


@functools.lru_cache(maxsize=64)
def _folded_address(name: str, display_name: str, addr_spec: str) -> bytes:
    message = EmailMessage(policy=SMTP)
    message[name] = Address(display_name, addr_spec=addr_spec)
    return _header_block(message)


def _header_block(message: EmailMessage) -> bytes:
    data = message.as_bytes()
    return data[: data.index(b"\r\n\r\n") + 2]  # the folded header lines, without the blank line and body


_BOUNDARY_SLOT = b"=_newsroom_" + b"0" * 32  # every boundary has this length, so it folds the same way
_MULTIPART = _folded("Content-Type", f'multipart/alternative; boundary="{_BOUNDARY_SLOT.decode()}"')
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
