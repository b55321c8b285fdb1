"""What a request to the preview may ask: the loopback names it must use, and the plain paths it may name.

The preview serves drafts and reports under embargo on 127.0.0.1; binding there alone does not stop a
web page from reading it through DNS rebinding, so every request is checked here before any file is
touched (`preview._Handler` calls both functions first).
"""

from __future__ import annotations

import re
import urllib.parse
from http import HTTPStatus

HOST = "127.0.0.1"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
MAX_TARGET = 2048  # characters of request target; the longest real one (slug, file) is under 200


class Refused(Exception):
    """A request the preview does not answer: its status code and a one-line plain-text reason."""

    def __init__(self, code: HTTPStatus, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason


def check_host(values: list[str], port: int) -> None:
    """Refuse unless the request names this server by a loopback name and its port (DNS rebinding).

    Accepted: `127.0.0.1:PORT`, `localhost:PORT` and `[::1]:PORT` (names compared case-insensitively);
    without a port only when PORT is 80, the only case where HTTP lets a client leave it out. A
    missing or repeated Host is a bad request (RFC 9112 §3.2 says 400); we refuse it for HTTP/1.0 and
    0.9 too, as every browser sends Host and a page is only reachable through one. Anything else,
    `127.0.0.1.evil.example`, another port, is 421 Misdirected Request: not a name this server serves.
    `localhost.` (the absolute name with its final dot) is refused as well: it is not the address the
    preview prints, no browser arrives there by itself, and resolvers treat it differently (some send
    it to DNS), so one exact list is easier to trust than a rule with exceptions.
    """
    if len(values) != 1:
        raise Refused(HTTPStatus.BAD_REQUEST, "a request needs exactly one Host header")
    accepted = {f"{name}:{port}" for name in LOOPBACK_NAMES}
    if port == 80:
        accepted.update(LOOPBACK_NAMES)
    if values[0].strip().lower() not in accepted:
        raise Refused(HTTPStatus.MISDIRECTED_REQUEST, f"this preview answers only at http://{HOST}:{port}/ "
                                                      f"(or localhost:{port}); open that address")


def local_parts(target: str) -> list[str]:
    """The path segments a request target names, or Refused: 4xx for anything but a plain path.

    The preview's pages never use a query, so one is refused rather than ignored (one URL per file).
    Malformed targets (no leading slash, a query, bad percent-encoding, control characters) are 400;
    well-formed ones that cannot name a built file (`..`, `.`, an empty segment as in `//x`, a hidden
    name such as a staging folder, an encoded slash) are 404; over-long ones 414.
    """
    if len(target) > MAX_TARGET:
        raise Refused(HTTPStatus.REQUEST_URI_TOO_LONG, f"paths here are at most {MAX_TARGET} characters")
    if not target.startswith("/") or "?" in target or "#" in target:
        raise Refused(HTTPStatus.BAD_REQUEST, "ask for a plain path such as /index.html (no query)")
    if re.search(r"%(?![0-9A-Fa-f]{2})", target):
        raise Refused(HTTPStatus.BAD_REQUEST, "malformed percent-encoding in the path")
    parts = []
    for raw in target[1:].split("/"):
        try:
            part = urllib.parse.unquote_to_bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            raise Refused(HTTPStatus.BAD_REQUEST, "the path is not UTF-8") from None
        if any(ord(char) < 0x20 or 0x7F <= ord(char) < 0xA0 for char in part):
            raise Refused(HTTPStatus.BAD_REQUEST, "control characters in the path")
        parts.append(part)
    if parts[-1] == "":
        parts.pop()  # a folder: its index.html
    if any(part == "" or part.startswith(".") or "/" in part or "\\" in part for part in parts):
        raise Refused(HTTPStatus.NOT_FOUND, "not found")
    return parts
