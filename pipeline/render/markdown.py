"""Report Markdown → sanitised HTML for the email and page (S3), and → plain text for text parts (E17).

markdown-it-py parses CommonMark with raw HTML off (raw HTML and links with a script-capable scheme stay
literal text); headings are shifted below the page's single <h1> (E11), and nh3 sanitises the HTML with
an explicit allowlist. The text part is written from the same tokens with links spelled out, never
scraped from HTML. `link_problems` is what `newsroom check` refuses in a body (E19).

Library code, not our own parser: 0.17 ms per report body here against 0.03 ms for the hand-written walk
over pyromark that this replaced (benchmarks/markdown_cost.py); the 0.14 ms difference is 3 % of a
report's 4.4 ms, under the 5 % that would pay for our own code.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = {"p", "br", "strong", "em", "a", "ul", "ol", "li", "h2", "h3", "blockquote"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = {"https", "mailto"}

_OPTIONS = {"html": False, "xhtmlOut": True, "linkify": False, "typographer": False}
_PARSER = MarkdownIt("commonmark", _OPTIONS)
_CLEANER = nh3.Cleaner(tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                       link_rel="noopener noreferrer")
_MAY_BE_REFUSED = re.compile(r"(?i)(?:javascript|vbscript|file|data)\s*:|[&\\]")  # markdown-it's validateLink
_HEADING = {"h1": "h2", "h4": "h3", "h5": "h3", "h6": "h3"}  # E11: the page has the only <h1>


class LinkProblem(NamedTuple):
    """A link target an email must not carry (E19): its line in the Markdown (0-based) and the fix."""

    line: int
    target: str  # as the reader would write it (percent-escapes decoded)
    message: str
    hint: str


def to_html(text: str) -> Markup:
    """Markdown → HTML fragment that is safe to put into an autoescaped template."""
    tokens, env = _parsed(text)
    return Markup(_CLEANER.clean(_PARSER.renderer.render(tokens, _PARSER.options, env)).strip())


def to_text(text: str, width: int = 72) -> str:
    """Markdown → plain paragraphs wrapped at `width`; links become 'label (url)'.

    Headings are upper-cased, list items get '- ' or '1. ' (numbered from 1) and a hanging indent;
    images and code blocks are left out.
    """
    from pipeline.render.environment import wrap  # here: `check` imports this module for link_problems alone
    blocks: list[tuple[str, bool]] = []  # (text, is a list item)
    markers: list[int] = []  # per open list: 0 for "- ", else the next number
    heading = False
    for token in _parsed(text)[0]:
        kind = token.type
        if kind == "bullet_list_open" or kind == "ordered_list_open":
            markers.append(0 if kind == "bullet_list_open" else 1)
        elif kind == "bullet_list_close" or kind == "ordered_list_close":
            markers.pop()
        elif kind == "heading_open" or kind == "heading_close":
            heading = kind == "heading_open"
        elif kind == "inline":
            line = _inline_text(token)
            if heading:
                blocks.append((line.upper(), False))
            elif markers:
                number = markers[-1]
                marker = f"{number}. " if number else "- "
                if number:
                    markers[-1] += 1
                indent = "  " * (len(markers) - 1)
                blocks.append((wrap(line, width, indent=indent + " " * len(marker), first=indent + marker), True))
            else:
                blocks.append((wrap(line, width), False))
    out: list[str] = []
    previous_item = False
    for block, item in blocks:  # a blank line between blocks, except between list items
        if out and not (item and previous_item):
            out.append("")
        out.append(block)
        previous_item = item
    return "\n".join(out)


def links_in(text: str) -> list[str]:
    """The https/mailto link targets of a Markdown text, in order (for the E17 link-parity check)."""
    return [child.attrs["href"] for token in _parsed(text)[0] if token.type == "inline"
            for child in token.children or () if child.type == "link_open"
            and str(child.attrs["href"]).startswith(("https://", "mailto:"))]


def link_problems(text: str) -> list[LinkProblem]:
    """Every link whose target is not an absolute https: or mailto: address (E19), in order.

    The parse is the renderer's (`_parsed`, so build's render of the same body reuses it), unless the
    text may hold a link markdown-it leaves as literal text (javascript:, data:, or one spelt with an
    entity or escape): then it is parsed once more with every scheme allowed, so those are named too.
    """
    problems = []
    tokens = _permissive().parse(text) if _MAY_BE_REFUSED.search(text) else _parsed(text)[0]
    for token in tokens:
        if token.type != "inline" or not token.map:
            continue
        line = token.map[0]
        for child in token.children or ():
            if child.type in ("softbreak", "hardbreak"):
                line += 1
            elif child.type == "link_open":
                target = _PARSER.normalizeLinkText(str(child.attrs["href"]))
                problem = _target_problem(target)
                if problem:
                    problems.append(LinkProblem(line, target, *problem))
    return problems


def _target_problem(target: str) -> tuple[str, str] | None:
    """What is wrong with a link target and the fix, or None for an absolute https: or mailto: one."""
    if target.startswith("https://") and len(target) > len("https://") and not target.startswith("https:///"):
        return None
    if target.startswith("mailto:") and "@" in target:
        return None
    shown = f"the link '{target}'"
    lowered = target.lower()
    if lowered.startswith("//"):
        return f"{shown} has no scheme", f"write it in full: https:{target}"
    if lowered.startswith("http://"):
        return f"{shown} uses http:", f"write https://{target[len('http://'):]} (emails carry https: links only)"
    if lowered.startswith(("https://", "mailto:")) and not target.startswith(("https://", "mailto:")):
        return f"{shown} has its scheme in capitals", "write https:// or mailto: in lower case"
    if lowered.startswith("mailto:"):
        return f"{shown} has no e-mail address", "write it like mailto:presse@example.org"
    scheme = lowered.split(":", 1)[0]
    if ":" in lowered and scheme != "https" and scheme[:1].isalpha() and scheme.isascii() \
            and scheme.replace("+", "").replace("-", "").replace(".", "").isalnum():
        return f"{shown} uses {scheme}:", "link only to https:// web addresses or mailto: e-mail addresses"
    return (f"{shown} is not a full web address",
            "an email has no page to resolve it against: write it in full, starting with https://")


@functools.lru_cache(maxsize=1)
def _parsed(text: str) -> tuple[list, dict]:
    """The tokens of one body, headings shifted (E11): the renderer calls to_html and to_text of the
    same body one after the other; a cache of one, so nothing is kept from one report to the next."""
    env: dict = {}
    tokens = _PARSER.parse(text, env)
    for token in tokens:
        if token.type == "heading_open" or token.type == "heading_close":
            token.tag = _HEADING.get(token.tag, token.tag)
    return tokens, env


@functools.lru_cache(maxsize=1)
def _permissive() -> MarkdownIt:
    parser = MarkdownIt("commonmark", _OPTIONS)
    parser.validateLink = lambda url: True  # find every link, whatever its scheme
    return parser


def _inline_text(token) -> str:
    parts: list[str] = []
    href = None
    for child in token.children or ():
        kind = child.type
        if kind == "text" or kind == "code_inline":
            parts.append(child.content)
        elif kind == "softbreak" or kind == "hardbreak":
            parts.append(" ")
        elif kind == "link_open":
            href = str(child.attrs["href"])
        elif kind == "link_close" and href:
            if href.startswith(("https://", "mailto:")):
                parts.append(f" ({href.removeprefix('mailto:')})")
            href = None
    return "".join(parts)
