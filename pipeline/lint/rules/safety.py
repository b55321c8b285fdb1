"""E19: email-safe HTML: no active or embedded content, and every URL absolute `https://` (or mailto/tel)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipeline.lint.document import UNSUBSCRIBE_TOKEN, Built, elements
from pipeline.lint.findings import Finding, Severity

FORBIDDEN_TAGS = "script form iframe frame frameset object embed applet base input textarea select button"
URL_ATTRIBUTES = ("href", "src", "background", "action", "formaction", "poster", "srcset")
ALLOWED_SCHEMES = ("https://", "mailto:", "tel:")
CSS_URL = re.compile(r"url\(\s*['\"]?(?P<url>[^'\")\s]*)", re.IGNORECASE)
PLAIN_URL = re.compile(r"\b(?:http://|javascript:|data:[a-z]+/)[^\s>\"')]*", re.IGNORECASE)


def url_allowed(url: str) -> bool:
    """True for absolute https URLs, mailto/tel links and the provider's unsubscribe token."""
    url = url.strip()
    return url == UNSUBSCRIBE_TOKEN or url.lower().startswith(ALLOWED_SCHEMES)


def check(built: Built) -> Iterator[Finding]:
    """Forbidden elements, event handlers, non-https URLs in HTML and CSS, and http links in the text part."""
    html_path = built.path("email.html")
    for el in elements(built.email_tree, FORBIDDEN_TAGS):
        yield Finding(html_path, el.sourceline or 0, "E19", Severity.ERROR,
                      f"<{el.tag}> is not allowed in email (clients strip it or flag the message as unsafe)",
                      "remove it from the template; link to a web page instead")
    for el in elements(built.email_tree, "link meta"):
        if el.tag == "link" and "stylesheet" in (el.get("rel") or "").lower():
            yield Finding(html_path, el.sourceline or 0, "E19", Severity.ERROR,
                          "external stylesheet <link rel=stylesheet>", "put the CSS in <mj-style> so it is inlined")
        if el.tag == "meta" and (el.get("http-equiv") or "").lower() == "refresh":
            yield Finding(html_path, el.sourceline or 0, "E19", Severity.ERROR, "<meta http-equiv=refresh>",
                          "remove it")
    yield from check_attributes(built, html_path)
    yield from check_text(built)


def check_attributes(built: Built, html_path: str) -> Iterator[Finding]:
    """Event-handler attributes and every URL in attributes, inline styles and <style> blocks."""
    if built.email_tree is None:
        return
    for el in built.email_tree.iter():
        if not isinstance(el.tag, str):
            continue
        line = el.sourceline or 0
        for name, value in el.attrib.items():
            if name.lower().startswith("on"):
                yield Finding(html_path, line, "E19", Severity.ERROR, f"event handler {name}= on <{el.tag}>",
                              "remove it: email clients never run scripts")
            elif name.lower() in URL_ATTRIBUTES:
                urls = [part.split()[0] for part in value.split(",") if part.split()] if name == "srcset" else [value]
                yield from (bad_url(html_path, line, el.tag, name, url) for url in urls if not url_allowed(url))
        css = (el.text or "") if el.tag == "style" else (el.get("style") or "")
        for match in CSS_URL.finditer(css):
            if not url_allowed(match["url"]):
                yield bad_url(html_path, line, el.tag, "CSS url()", match["url"])


def bad_url(path: str, line: int, tag: str, where: str, url: str) -> Finding:
    """The finding for one URL that is not absolute https (or mailto/tel)."""
    shown = url if len(url) <= 80 else url[:77] + "..."
    if url.lower().startswith("http://"):
        fix = "use the https:// address"
    elif url.lower().startswith(("javascript:", "data:")):
        fix = "remove it; host images on the https site and link to pages, never to scripts"
    else:
        fix = "use an absolute https:// URL: relative links and anchors break in mail clients"
    return Finding(path, line, "E19", Severity.ERROR, f"<{tag}> {where} is not an https link: {shown!r}", fix)


def check_text(built: Built) -> Iterator[Finding]:
    """The plain-text part links only to https addresses too."""
    for number, line in enumerate(built.email_text.splitlines(), start=1):
        for match in PLAIN_URL.finditer(line):
            yield Finding(built.path("email.txt"), number, "E19", Severity.ERROR,
                          f"insecure or active link in the text part: {match.group(0)[:80]!r}",
                          "use the https:// address")
