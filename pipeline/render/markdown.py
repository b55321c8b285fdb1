"""Report Markdown → sanitised HTML for the email and page (S3), and → plain text for text parts (E17).

pyromark (pulldown-cmark, in Rust) parses the CommonMark; one pass over its events (`_walk`) writes the
HTML, the text part's lines and the links, for to_html, to_text and links_in alike. The result is the
one markdown-it-py gave before (tests/render/test_markdown.py): raw HTML and links with a
script-capable scheme stay literal text (`_events`), link targets are normalised as markdown-it did
(`_href`), headings are shifted below the page's single <h1> (E11), and nh3 sanitises with an explicit
allowlist. The text part is written from the model with links spelled out, never scraped from HTML.
"""

from __future__ import annotations

import codecs
import functools
import re
from typing import NamedTuple
from urllib.parse import quote

import nh3
import pyromark
from markupsafe import Markup

from pipeline.render.environment import wrap

ALLOWED_TAGS = {"p", "br", "strong", "em", "a", "ul", "ol", "li", "h2", "h3", "blockquote"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = {"https", "mailto"}

_MARKDOWN = pyromark.Markdown()  # CommonMark, no extensions
_CLEANER = nh3.Cleaner(tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                       link_rel="noopener noreferrer")
_HEADING_TAG = {"H1": "<h2>", "H2": "<h2>", "H3": "<h3>", "H4": "<h3>", "H5": "<h3>", "H6": "<h3>"}  # E11
_INLINE_TAG = {"Emphasis": "<em>", "Strong": "<strong>"}
_BLOCKS = {"Paragraph", "Heading", "List", "Item", "BlockQuote", "CodeBlock", "HtmlBlock", "Rule"}
_LIST_ITEM = re.compile(r"\s*(?:- |\d+\. )")  # a text block that starts with a list marker
_TAG_START = re.compile(r"<[A-Za-z/!?]")  # raw HTML and autolinks start so
_LINK_HEAD = re.compile(r"\]\(\s*<?\s*([^\s)>]{0,11})")  # the start of an inline link's or image's target
_BAD_SCHEME = re.compile(r"(?:vbscript|javascript|file|data):")  # markdown-it's validateLink
_GOOD_DATA = re.compile(r"data:image/(?:gif|png|jpeg|webp);")
_URL_UNSAFE = re.compile(r"%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9;/?:@&=+$,\-_.!~*'()#%]")  # mdurl.encode's set
_URL_SCHEME = re.compile(r"(https?:|mailto:|(?![a-zA-Z0-9.+-]+:))(//)?")  # recoded hosts (case-sensitive)
_URL_HOST = re.compile(r"[^%/?;#'{}|\\^`<>\" \r\n\t]*")  # mdurl: up to its first non-host character
_HOST_LABEL = re.compile(r"[+a-zA-Z0-9_-]{0,63}")


def to_html(text: str) -> Markup:
    """Markdown → HTML fragment that is safe to put into an autoescaped template."""
    return Markup(_CLEANER.clean(_walk(text).html).strip())


def to_text(text: str, width: int = 72) -> str:
    """Markdown → plain paragraphs wrapped at `width`; links become 'label (url)'.

    Headings are upper-cased, list items get '- ' or '1. ' and a hanging indent; images and code
    blocks are left out, as they were with markdown-it.
    """
    return _join([line.upper() if heading else wrap(line, width, indent=indent, first=first)
                  for line, first, indent, heading in _walk(text).lines])


def links_in(text: str) -> list[str]:
    """The https/mailto link targets of a Markdown text, in order (for the E17 link-parity check)."""
    return list(_walk(text).links)


def _join(blocks: list[str]) -> str:
    """Blocks separated by a blank line, except between list items."""
    out: list[str] = []
    previous_item = False
    for block in blocks:
        item = _LIST_ITEM.match(block) is not None
        if out and not (item and previous_item):
            out.append("")
        out.append(block)
        previous_item = item
    return "\n".join(out)


class _Walk(NamedTuple):
    html: str  # before nh3
    lines: tuple[tuple[str, str, str, bool], ...]  # text part: (line, first prefix, indent, is a heading)
    links: tuple[str, ...]  # https and mailto targets, in order


@functools.lru_cache(maxsize=1)
def _walk(text: str) -> _Walk:
    """One pass over the parse, for to_html and to_text of the same body (the renderer calls them one
    after the other) and links_in; a cache of one, so nothing is kept from one report to the next.

    HTML: newlines where markdown-it put them, and what nh3 would drop (<pre>, <code>, <hr>, <img>
    with its alt text) left out, so that the sanitised HTML is the one markdown-it gave. Text: the
    inline text of each paragraph, heading and tight list item, links spelled out.
    """
    out: list[str] = []
    append = out.append
    blocks: list[str] = []  # the open blocks, innermost last
    bare = False  # the innermost block is a list item: its text is a tight item's (hidden) paragraph
    lf_after_open = False  # after <li> or <blockquote>: a newline if a block follows
    lf_after_bare = False  # after a tight item's text: a newline if a block other than code follows
    code_start = -1  # where an indented code block's text starts in `out`
    code = False  # in a code block: its text is in the HTML, not in the text part
    image = 0  # depth inside an image: neither part has its alt text
    lines: list[tuple[str, str, str, bool]] = []
    line: list[str] | None = None  # the text part's line being collected
    heading = False
    markers: list[str] = []  # per open list: "- ", or the next number of an ordered one
    href = None
    links: list[str] = []

    def flush():
        nonlocal line
        if line is None:
            return
        if markers and not heading:
            marker = markers[-1]
            if marker != "- ":
                markers[-1] = f"{int(marker[:-2]) + 1}. "
            indent = "  " * (len(markers) - 1)
            lines.append(("".join(line), indent + marker, indent + " " * len(marker), False))
        else:
            lines.append(("".join(line), "", "", heading))
        line = None

    for event in _events(text):
        if event.__class__ is str:  # SoftBreak, HardBreak, Rule
            if event == "Rule":
                append("\n\n" if lf_after_open or lf_after_bare else "\n")  # what is left of <hr />\n
                lf_after_open = lf_after_bare = False
                flush()
            else:
                lf_after_open, lf_after_bare = False, bare
                if not image:
                    append("\n" if event == "SoftBreak" else "<br>\n")
                    if line is not None:
                        line.append(" ")
            continue
        value = event.get("Text")
        if value is not None:  # the commonest event
            lf_after_open, lf_after_bare = False, bare
            if not image:
                append(value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
                if not code:
                    if line is None:
                        line = []
                    line.append(value)
            continue
        start = event.get("Start")
        if start is not None:
            name, detail = (start, None) if start.__class__ is str else next(iter(start.items()))
            if name in _BLOCKS:
                if lf_after_open or lf_after_bare and name != "CodeBlock" and name != "HtmlBlock":
                    append("\n")
                lf_after_open = lf_after_bare = False
                blocks.append(name)
                bare = name == "Item"
                flush()
                if name == "Paragraph":
                    append("<p>")
                    line = []
                elif name == "Item":
                    append("<li>")
                    lf_after_open = True
                elif name == "Heading":
                    append(_HEADING_TAG[detail["level"]])
                    heading, line = True, []
                elif name == "List":
                    append("<ul>\n" if detail is None else "<ol>\n")
                    markers.append("- " if detail is None else "1. ")  # markdown-it's numbering: from 1
                elif name == "BlockQuote":
                    append("<blockquote>")
                    lf_after_open = True
                elif name == "CodeBlock":
                    code_start, code = len(out) if detail == "Indented" else -1, True
                continue
            lf_after_open, lf_after_bare = False, bare
            if line is None and not code:
                line = []
            if image or name == "Image":
                image += 1
            elif name == "Link":
                url = _href(detail["dest_url"], detail["link_type"])
                title = f' title="{_escape(detail["title"])}"' if detail["title"] else ""  # nh3 keeps title
                append(f'<a href="{_escape(url)}"{title}>')
                href = url if url.startswith(("https://", "mailto:")) else None
                if href:
                    links.append(href)
            elif name in _INLINE_TAG:
                append(_INLINE_TAG[name])
            continue
        end = event.get("End")
        if end is not None:
            name = end if end.__class__ is str else next(iter(end))
            if name in _BLOCKS:
                lf_after_open = lf_after_bare = False
                blocks.pop()
                bare = bool(blocks) and blocks[-1] == "Item"
                flush()
                if name == "Paragraph":
                    append("</p>\n")
                elif name == "Item":
                    append("</li>\n")
                elif name == "Heading":
                    append("</" + _HEADING_TAG[end["Heading"]][1:] + "\n")
                    heading = False
                elif name == "List":
                    append("</ol>\n" if end["List"] else "</ul>\n")
                    markers.pop()
                elif name == "BlockQuote":
                    append("</blockquote>\n")
                elif name == "CodeBlock":  # what is left of <pre><code>…</code></pre>\n
                    if -1 < code_start < len(out) and not out[-1].endswith("\n"):
                        append("\n")  # markdown-it ends an indented block's last line, even at the very end
                    append("\n")
                    code = False
                continue
            lf_after_open, lf_after_bare = False, bare
            if image:
                image -= 1
            elif name == "Link":
                append("</a>")
                if href:
                    line.append(f" ({href.removeprefix('mailto:')})")
                    href = None
            elif name in _INLINE_TAG:
                append("</" + _INLINE_TAG[name][1:])
            continue
        lf_after_open, lf_after_bare = False, bare  # Code (nh3 would drop its <code>); Html and InlineHtml
        if not image:  # only where _events let one through
            value = next(iter(event.values()))
            append(_escape(value))
            if not code:
                if line is None:
                    line = []
                line.append(value)
    flush()
    return _Walk("".join(out), tuple(lines), tuple(links))


def _events(text: str) -> tuple:
    """The parse of a Markdown text, as markdown-it-py read it.

    Raw HTML, and links, images and link definitions whose target markdown-it refused (javascript:,
    vbscript:, file:, data: but images) become literal text, as with markdown-it-py and html=False:
    the character that makes them is backslash-escaped and the text parsed again, until none is left.
    """
    while True:
        events = tuple(_MARKDOWN.events(text))
        starts = _literal_starts(text, events)
        if not starts:
            return events
        raw = text.encode()
        for start in sorted(starts, reverse=True):
            raw = raw[:start] + b"\\" + raw[start:]
        text = raw.decode()


def _literal_starts(text: str, events: tuple) -> set[int]:
    """UTF-8 offsets of the '<', '[' or ':' that make raw HTML or a refused link or definition."""
    starts: set[int] = set()
    raw = b""
    if "]:" in text:
        raw = text.encode()
        for definition in _MARKDOWN.reference_definitions(text).values():
            if _refused(definition["dest"]):  # its ':', so that the line is a paragraph
                starts.add(raw.find(b"]:", definition["span"]["start"]) + 1)
    maybe = "<" in text and _TAG_START.search(text) or any(map(_suspicious, _LINK_HEAD.findall(text)))
    if maybe and any(map(_needs_escape, events)):  # the cheap test first: most texts have neither
        raw = text.encode()
        block_start = False
        for event, span in _MARKDOWN.events_with_range(text):
            if event == {"Start": "HtmlBlock"}:
                block_start = True
            elif event.__class__ is dict and "Html" in event:  # an HTML block: only its opening tag
                if block_start:
                    starts.add(raw.find(b"<", span["start"]))
                block_start = False
            elif _needs_escape(event):  # inline HTML's "<", a link's "[" or "<", an image's "!["
                starts.add(span["start"] + (raw[span["start"]] == ord("!")))
    return {start for start in starts if start >= 0 and raw[start] in b"<[:"}  # one more a pass: it ends


def _suspicious(head: str) -> bool:
    """Whether the first characters of an inline link target may make a refused one."""
    head = head.lower()
    return head.startswith(("javascript:", "vbscript:", "file:", "data:")) or "&" in head or "\\" in head


def _needs_escape(event) -> bool:
    if event.__class__ is str:
        return False
    if "Html" in event or "InlineHtml" in event:
        return True
    start = event.get("Start")
    if start.__class__ is not dict:
        return False
    link = start.get("Link") or start.get("Image")
    return link is not None and _refused(link["dest_url"])


def _refused(url: str) -> bool:
    url = url.strip().lower()
    return bool(_BAD_SCHEME.match(url)) and not _GOOD_DATA.match(url)


def _href(url: str, link_type: str = "Inline") -> str:
    """A link target as markdown-it normalised it (mdurl): the host name of an http(s), mailto or //
    link in punycode, then percent-encoding of what is not URL syntax, existing %XX escapes kept."""
    url = ("mailto:" + url if link_type == "Email" else url).strip()
    if not url.isascii():
        start, end = _host_span(url)
        if end > start:
            url = url[:start] + _punycode(url[start:end]) + url[end:]
    return _URL_UNSAFE.sub(lambda m: quote(m.group(0), safe=""), url)


def _host_span(url: str) -> tuple[int, int]:
    """Where mdurl.parse finds the host name of `url`, if markdown-it recodes it ((0, 0) if not)."""
    scheme = _URL_SCHEME.match(url)
    if scheme is None or not scheme.group(2) and scheme.group(1) != "mailto:":  # other schemes keep their host
        return 0, 0
    rest = scheme.end()
    ending = min((i for i in (url.find(c, rest) for c in "/?#") if i != -1), default=-1)
    at = url.rfind("@", rest, ending + 1 if ending != -1 else len(url))
    start = at + 1 if at != -1 else rest
    host = _URL_HOST.match(url, start).group(0)
    host = re.sub(r":[0-9]*$", "", host[:-1] if host.endswith(":") else host)
    parts = host.split(".")
    for i, part in enumerate(parts):  # the first part that is no host name label ends it
        if part and not _HOST_LABEL.fullmatch(re.sub(r"[^\x00-\x7f]", "x", part)):
            host = ".".join(parts[:i] + [_HOST_LABEL.match(part).group(0)])
            break
    return (start, start + len(host)) if len(host) <= 255 else (0, 0)


def _punycode(host: str) -> str:
    return ".".join("xn--" + codecs.encode(label, "punycode").decode() if not label.isascii() else label
                    for label in re.split(r"[.\u3002\uFF0E\uFF61]", host))


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
