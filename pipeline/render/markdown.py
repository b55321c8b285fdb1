"""Report Markdown → sanitised HTML for the email and page (S3), and → plain text for text parts (E17).

HTML: markdown-it-py with raw HTML off, headings shifted below the page's single <h1> (E11),
then nh3 with an explicit allowlist. Text: rendered from the same token stream, links spelled
out, so the text part is written from the model and never scraped from HTML.
"""

from __future__ import annotations

import functools
import re

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

from pipeline.render.environment import wrap

ALLOWED_TAGS = {"p", "br", "strong", "em", "a", "ul", "ol", "li", "h2", "h3", "blockquote"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = {"https", "mailto"}


@functools.lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "xhtmlOut": True, "linkify": False, "typographer": False})


@functools.lru_cache(maxsize=8)
def _parsed(text: str) -> tuple[list, dict]:
    """The tokens of a Markdown text and the env they were parsed with: to_html and to_text share one parse."""
    env: dict = {}
    return _parser().parse(text, env), env


@functools.lru_cache(maxsize=256)
def to_html(text: str) -> Markup:
    """Markdown → HTML fragment that is safe to put into an autoescaped template."""
    tokens, env = _parsed(text)
    html = _parser().renderer.render(tokens, _parser().options, env)  # what MarkdownIt.render() does
    html = re.sub(r"<(/?)h1>", r"<\1h2>", html)
    html = re.sub(r"<(/?)h[4-6]>", r"<\1h3>", html)
    clean = nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                      link_rel="noopener noreferrer")
    return Markup(clean.strip())


@functools.lru_cache(maxsize=256)
def to_text(text: str, width: int = 72) -> str:
    """Markdown → plain paragraphs wrapped at `width`; links become 'label (url)'."""
    blocks: list[str] = []
    prefix_stack: list[str] = []
    counters: list[int] = []
    heading = False
    for token in _parsed(text)[0]:
        kind = token.type
        if kind == "bullet_list_open":
            counters.append(0)
            prefix_stack.append("- ")
        elif kind == "ordered_list_open":
            counters.append(1)
            prefix_stack.append("1. ")
        elif kind in ("bullet_list_close", "ordered_list_close"):
            counters.pop()
            prefix_stack.pop()
        elif kind == "heading_open":
            heading = True
        elif kind == "heading_close":
            heading = False
        elif kind == "inline":
            line = _inline_text(token)
            if heading:
                blocks.append(line.upper())
            elif prefix_stack:
                marker = prefix_stack[-1] if counters[-1] == 0 else f"{counters[-1]}. "
                if counters[-1]:
                    counters[-1] += 1
                indent = "  " * (len(prefix_stack) - 1)
                blocks.append(wrap(line, width, indent=indent + " " * len(marker), first=indent + marker))
            else:
                blocks.append(wrap(line, width))
    return _join(blocks)


def _join(blocks: list[str]) -> str:
    out: list[str] = []
    for block in blocks:
        is_item = block.lstrip().startswith(("- ",)) or re.match(r"^\s*\d+\. ", block)
        if out and not (is_item and out[-1].lstrip().startswith(("- ",)) or is_item and re.match(r"^\s*\d+\. ", out[-1])):
            out.append("")
        out.append(block)
    return "\n".join(out)


def _inline_text(token) -> str:
    parts: list[str] = []
    href = None
    for child in token.children or []:
        if child.type == "text" or child.type == "code_inline":
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "link_open":
            href = child.attrs.get("href")
        elif child.type == "link_close" and href:
            if href.startswith(("https://", "mailto:")):
                parts.append(f" ({href.removeprefix('mailto:')})")
            href = None
    return "".join(parts)


def links_in(text: str) -> list[str]:
    """The https/mailto link targets of a Markdown text, in order (for the E17 link-parity check)."""
    found: list[str] = []
    for token in _parser().parse(text):
        for child in token.children or []:
            if child.type == "link_open":
                href = str(child.attrs.get("href", ""))
                if href.startswith(("https://", "mailto:")):
                    found.append(href)
    return found
