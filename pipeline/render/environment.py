"""The one Jinja2 environment factory: StrictUndefined, autoescape decided by our own suffix rule.

`select_autoescape()` skips `.mjml` (EMAIL-QUALITY finding 4), so the rule is explicit here:
every HTML-bearing template (`.mjml.j2`, `.html.j2`) is escaped, `.txt.j2` is not.
"""

from __future__ import annotations

import functools
import textwrap
from pathlib import Path

import jinja2

from pipeline.cache import templates_fingerprint  # noqa: F401 - lives with the other input digests
from pipeline.render import i18n

HTML_SUFFIXES = (".mjml.j2", ".html.j2", ".mjml", ".html", ".xml.j2")


def autoescape_for(name: str | None) -> bool:
    """True for every template that produces HTML or MJML; False for plain-text templates."""
    if name is None:
        return True  # templates from strings: escape, to be safe
    return name.endswith(HTML_SUFFIXES)


@functools.lru_cache(maxsize=8)
def make_environment(template_dir: str) -> jinja2.Environment:
    """Environment for one template folder; cached so each process compiles each template once."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_dir),
        autoescape=autoescape_for,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters["wrap"] = wrap
    env.filters["date_long"] = i18n.format_date_long
    env.filters["date_short"] = i18n.format_date_short
    env.filters["underline"] = lambda text, char="=": char * min(len(text), 72)
    return env


def wrap(text: str, width: int = 72, indent: str = "", first: str | None = None) -> str:
    """Wrap a paragraph for the plain-text part (E17: lines ≤ 78, URLs never broken)."""
    return textwrap.fill(
        " ".join(str(text).split()), width=width, initial_indent=indent if first is None else first,
        subsequent_indent=indent, break_long_words=False, break_on_hyphens=False,
    )
