"""E10 alt texts, E11 heading order, E13 link text: on the email and on the press page.

axe-core in Chromium (`pipeline.browser`) checks the rendered pages too; these static checks add what
axe does not know: German denylists, alt-text length and file names, and a heading outline that must
start at a single <h1>.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import lxml.html

from pipeline.lint.document import Built, elements, text_of
from pipeline.lint.findings import Finding, Severity

ALT_MAX = 150
GENERIC_ALT = {"bild", "foto", "image", "img", "logo", "grafik", "photo", "picture", "icon", "banner", "abbildung"}
FILE_NAME = re.compile(r"^[\w.-]+\.(png|jpe?g|gif|webp|svg|avif)$|^(img|dsc|image|screenshot)[_-]?\d+", re.IGNORECASE)
# Link texts that say nothing about the target (EMAIL-QUALITY E13), compared lower-case without punctuation.
VAGUE_LINK_TEXT = {
    "hier", "hier klicken", "klicken sie hier", "mehr", "mehr lesen", "weiter", "weiterlesen", "link",
    "click here", "here", "read more", "more", "details",
}


def check(built: Built) -> Iterator[Finding]:
    """E10, E11 and E13 on email.html and press.html."""
    for name, tree in (("email.html", built.email_tree), ("press.html", built.press_tree)):
        path = built.path(name)
        yield from check_alt_texts(path, tree)
        yield from check_headings(path, tree)
        yield from check_link_texts(path, tree)


def check_alt_texts(path: str, tree: lxml.html.HtmlElement | None) -> Iterator[Finding]:
    """E10: every <img> has alt; non-empty alt is a description, not a file name or one generic word."""
    for img in elements(tree, "img"):
        line = img.sourceline or 0
        alt = img.get("alt")
        src = (img.get("src") or "").rsplit("/", 1)[-1][:60]
        if alt is None:
            yield Finding(path, line, "E10", Severity.ERROR, f"<img src=…{src}> has no alt attribute",
                          "describe the picture in the report's alt field, or use alt=\"\" if it is decorative")
            continue
        alt = " ".join(alt.split())
        if alt.lower().strip(".:") in GENERIC_ALT or FILE_NAME.match(alt):
            yield Finding(path, line, "E10", Severity.ERROR, f"alt text {alt!r} does not describe the picture",
                          "say what the picture shows in one sentence, in the language of the report")
        elif len(alt) > ALT_MAX:
            yield Finding(path, line, "E10", Severity.ERROR,
                          f"alt text has {len(alt)} characters (max. {ALT_MAX})",
                          "shorten it; put longer explanations in the caption or the body text")


def check_headings(path: str, tree: lxml.html.HtmlElement | None) -> Iterator[Finding]:
    """E11: exactly one <h1>, first; no skipped levels on the way down; no empty headings."""
    headings = elements(tree, "h1 h2 h3 h4 h5 h6")
    if tree is None:
        return
    h1s = [h for h in headings if h.tag == "h1"]
    if len(h1s) != 1:
        where = h1s[1].sourceline if len(h1s) > 1 else 0
        yield Finding(path, where or 0, "E11", Severity.ERROR, f"{len(h1s)} <h1> elements (exactly one needed)",
                      "the report title is the only <h1>; use <h2>/<h3> for sections")
    previous = 0
    for heading in headings:
        level = int(heading.tag[1])
        line = heading.sourceline or 0
        if not text_of(heading):
            yield Finding(path, line, "E11", Severity.ERROR, f"empty <{heading.tag}>",
                          "give the heading text or remove it")
        if previous == 0 and level != 1:
            yield Finding(path, line, "E11", Severity.ERROR, f"the first heading is <{heading.tag}>, not <h1>",
                          "start the document with the <h1> title")
        elif level > previous + 1 and previous:
            yield Finding(path, line, "E11", Severity.ERROR,
                          f"heading level skipped: <h{previous}> is followed by <{heading.tag}>",
                          f"use <h{previous + 1}> here (headings must not skip levels)")
        previous = level


def check_link_texts(path: str, tree: lxml.html.HtmlElement | None) -> Iterator[Finding]:
    """E13: every link has visible text that names its target on its own."""
    for link in elements(tree, "a"):
        if link.get("href") is None:
            continue
        text = text_of(link)
        line = link.sourceline or 0
        if not text:
            hint = " (aria-label is stripped by many clients)" if link.get("aria-label") else ""
            yield Finding(path, line, "E13", Severity.ERROR, f"link to {link.get('href')[:60]!r} has no visible text"
                          + hint, "write a link text that names the target, or give the linked image an alt text")
        elif re.sub(r"[^\w\s]", "", text).strip().lower() in VAGUE_LINK_TEXT:
            yield Finding(path, line, "E13", Severity.ERROR, f"link text {text!r} does not say where it leads",
                          "name the target, e.g. „Programm der Veranstaltung (PDF)“ instead of „hier“")
