"""Rendition → RFC 5322 message bytes (multipart/alternative, text first, UTF-8; E2, E17)."""

from __future__ import annotations

import hashlib
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP

from pipeline.errors import RenderError


def build_message(*, subject: str, text: str, html: str, settings, language: str,
                  to: str = "undisclosed-recipients:;", extra_headers: dict[str, str] | None = None) -> EmailMessage:
    """A multipart/alternative message: text/plain first, text/html last, both UTF-8 quoted-printable."""
    message = EmailMessage(policy=SMTP)
    try:
        message["Subject"] = subject
        message["From"] = Address(settings.sender.name, addr_spec=settings.sender.email)
        message["Reply-To"] = settings.reply_to
        message["To"] = to
        message["Content-Language"] = language
        for name, value in (extra_headers or {}).items():
            message[name] = value
    except ValueError as err:  # CR/LF in a header value (S7)
        raise RenderError(f"a mail header is invalid ({err}) — remove line breaks from subject and sender") from err
    message.set_content(text, charset="utf-8", cte="quoted-printable")
    message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    # A boundary derived from the content (not random) keeps builds reproducible and hashes stable.
    message.set_boundary("=_newsroom_" + hashlib.sha256((text + html).encode()).hexdigest()[:32])
    return message
