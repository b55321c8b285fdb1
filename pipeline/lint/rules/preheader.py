"""E15: the preheader (the hidden preview text) exists, is 40–140 characters, adds to the subject and hides well.

Hiding it (caniemail, pipeline/lint/data/caniemail.json): `display:none` works in every target client but
Gmail's mobile webmail, which needs `max-height:0` with `overflow:hidden`. A text colour is no way to hide
it: white text on the body's colour is what SpamAssassin scores as HTML_FONT_LOW_CONTRAST, and MJML's
<mj-preview> does exactly that (templates/email/_preheader.mjml.j2 writes the div instead).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipeline.lint.document import Built, declared, inline_style, preheader_element, text_of
from pipeline.lint.findings import Finding, Severity

MIN_CHARS, MAX_CHARS = 40, 140
BAD_STARTS = ("im browser ansehen", "im browser öffnen", "webversion", "view in browser", "view this email")
# Characters MJML and others pad the preview with so the client does not pull body text into it.
PADDING = re.compile(r"[\u034f\u200b\u200c\u200d\u2060\ufeff\u00a0\u00ad]+")
HIDING_FIX = "hide it with display:none;max-height:0;overflow:hidden;mso-hide:all and no colour (_preheader.mjml.j2)"


def check(built: Built) -> Iterator[Finding]:
    """Preheader present in HTML, its length, its difference from the subject and its first words."""
    if built.email_tree is None:
        return
    path = built.path("email.html")
    element = preheader_element(built.email_tree)
    if element is None:
        yield Finding(path, 0, "E15", Severity.ERROR, "no preheader (hidden preview text) in the email",
                      "set the report's summary; templates/email/_preheader.mjml.j2 puts it first in the body")
        return
    line = element.sourceline or 0
    text = " ".join(PADDING.sub(" ", text_of(element)).split())
    expected = " ".join(str(built.manifest.get("preheader") or "").split())
    subject = " ".join(str(built.manifest.get("subject") or "").split())
    if expected and not text.startswith(expected):
        yield Finding(path, line, "E15", Severity.ERROR, f"preview text {text[:60]!r} is not the manifest's preheader",
                      "rebuild; the hidden preheader div must carry the report's summary")
    if not MIN_CHARS <= len(text) <= MAX_CHARS:
        yield Finding(path, line, "E15", Severity.ERROR,
                      f"preheader has {len(text)} characters (needs {MIN_CHARS}–{MAX_CHARS}): {text!r}",
                      "write one sentence that adds to the subject; the first 40 characters carry the message")
    if subject and text.casefold() == subject.casefold():
        yield Finding(path, line, "E15", Severity.ERROR, "preheader repeats the subject",
                      "say something the subject does not, e.g. the main result or the date")
    if text.casefold().startswith(BAD_STARTS):
        yield Finding(path, line, "E15", Severity.ERROR, f"preheader starts with {text[:30]!r}",
                      "put the message first; the web-version link belongs in the header or footer")
    yield from hiding(path, line, element)


def hiding(path: str, line: int, element) -> Iterator[Finding]:
    """Warnings for a preheader hidden by a text colour, or not hidden in Gmail's mobile webmail."""
    style = inline_style(element)
    if declared(style, "color"):
        yield Finding(path, line, "E15", Severity.WARNING,
                      f"the preheader is hidden with a text colour (color:{declared(style, 'color')}); "
                      "SpamAssassin scores that as HTML_FONT_LOW_CONTRAST", HIDING_FIX)
    if declared(style, "max-height") not in ("0", "0px") or declared(style, "overflow") != "hidden":
        yield Finding(path, line, "E15", Severity.WARNING,
                      "the preheader lacks max-height:0 with overflow:hidden, so Gmail's mobile webmail (which "
                      "ignores display:none) shows it at the top of the email", HIDING_FIX)
