"""E15: the preheader (MJML's hidden preview text) exists, is 40–140 characters and adds to the subject."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipeline.lint.document import Built, preheader_element, text_of
from pipeline.lint.findings import Finding, Severity

MIN_CHARS, MAX_CHARS = 40, 140
BAD_STARTS = ("im browser ansehen", "im browser öffnen", "webversion", "view in browser", "view this email")
# Characters MJML and others pad the preview with so the client does not pull body text into it.
PADDING = re.compile(r"[\u034f\u200b\u200c\u200d\u2060\ufeff\u00a0\u00ad]+")


def check(built: Built) -> Iterator[Finding]:
    """Preheader present in HTML, its length, its difference from the subject and its first words."""
    if built.email_tree is None:
        return
    path = built.path("email.html")
    element = preheader_element(built.email_tree)
    if element is None:
        yield Finding(path, 0, "E15", Severity.ERROR, "no preheader (hidden preview text) in the email",
                      "set the report's preheader; the template puts it in <mj-preview>")
        return
    line = element.sourceline or 0
    text = " ".join(PADDING.sub(" ", text_of(element)).split())
    expected = " ".join(str(built.manifest.get("preheader") or "").split())
    subject = " ".join(str(built.manifest.get("subject") or "").split())
    if expected and not text.startswith(expected):
        yield Finding(path, line, "E15", Severity.ERROR, f"preview text {text[:60]!r} is not the manifest's preheader",
                      "rebuild; the <mj-preview> must carry the report's preheader")
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
