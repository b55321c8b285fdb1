"""E5: the email stays readable with every <style> block removed (GMX, WEB.DE, Gmail for non-Google accounts).

Static half of the rule, from inline styles only: no text hidden, and nothing wider than the narrowest
phone (320 px) unless a `max-width` caps it. The browser half (`pipeline.browser`) renders the stripped
email at 320 px and measures the horizontal scroll.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import lxml.html
from lxml import etree

from pipeline.lint.document import Built, declared, hidden_by_inline_style, inline_style, preheader_element
from pipeline.lint.findings import Finding, Severity

NARROWEST = 320  # px: the narrowest phone screen the email must fit without <style>
PIXELS = re.compile(r"^(\d+(?:\.\d+)?)px$")


def check(built: Built) -> Iterator[Finding]:
    """Hidden text and over-wide fixed widths, judged from inline styles alone."""
    if built.email_tree is None:
        return
    body = built.email_tree.find("body")
    if body is None:
        return
    path = built.path("email.html")
    preheader = preheader_element(built.email_tree)
    yield from hidden_text(path, body, preheader)
    yield from fixed_widths(path, body)


def hidden_text(path: str, body: lxml.html.HtmlElement, preheader) -> Iterator[Finding]:
    """Text that inline styles hide (display:none or an inherited font-size of 0) outside the preheader."""
    for el in body.iter(etree.Element):
        if el is preheader or preheader is not None and preheader in el.iterancestors():
            continue
        text = " ".join((el.text or "").split())
        if not text:
            continue
        chain = [el, *el.iterancestors()]
        if any(hidden_by_inline_style(node) for node in chain) or font_size_zero(chain):
            yield Finding(path, el.sourceline or 0, "E5", Severity.ERROR,
                          f"text is hidden by inline styles and shown only by <style>: {text[:50]!r}",
                          "do not hide content inline; clients that strip <style> would never show it")


def font_size_zero(chain: list[lxml.html.HtmlElement]) -> bool:
    """True if the nearest inline font-size on the element or its ancestors is 0."""
    for node in chain:
        size = declared(inline_style(node), "font-size")
        if size:
            return size in ("0", "0px", "0em", "0rem", "0%")
    return False


def fixed_widths(path: str, body: lxml.html.HtmlElement) -> Iterator[Finding]:
    """Elements whose inline width or min-width exceeds 320 px with no max-width to shrink them.

    A table cell's `width` is only a preference (auto table layout shrinks it to its content), and images
    carry `width:100%` inline (E18), so for those only `min-width` counts.
    """
    for el in body.iter(etree.Element):
        style = inline_style(el)
        for prop in ("min-width",) if el.tag in ("td", "th", "img") else ("width", "min-width"):
            match = PIXELS.match(declared(style, prop))
            if match and float(match[1]) > NARROWEST and not declared(style, "max-width"):
                yield Finding(path, el.sourceline or 0, "E5", Severity.ERROR,
                              f"<{el.tag} style=\"{prop}:{match[0]}\"> forces horizontal scrolling on a "
                              f"{NARROWEST} px screen when <style> is stripped",
                              "make it fluid: width:100% plus a max-width, as MJML's own sections do")
