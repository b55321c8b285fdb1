"""The one Jinja2 environment factory: StrictUndefined, autoescape decided by our own suffix rule.

`select_autoescape()` skips `.mjml` (EMAIL-QUALITY finding 4), so the rule is explicit here:
every HTML-bearing template (`.mjml.j2`, `.html.j2`) is escaped, `.txt.j2` is not.
"""

from __future__ import annotations

import functools
import re
import textwrap

import jinja2

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
    env.filters["hyphenate"] = hyphenate
    return env


SOFT_HYPHEN = "\u00ad"
_LONG_WORD = re.compile(r"[^\W\d_]{12,}")  # letters only: compounds like "Regionalveranstaltung"


def hyphenate(text: str, language: str) -> str:
    """Soft hyphens in long words, so German compounds break at a syllable on a phone (E20), not mid-letter.

    Headings only: the plain-text part and the subject stay free of invisible characters.
    """
    dictionary = _dictionary(language)
    return _LONG_WORD.sub(lambda match: dictionary.inserted(match.group(0), hyphen=SOFT_HYPHEN), str(text))


@functools.lru_cache(maxsize=4)
def _dictionary(language: str):
    import pyphen

    return pyphen.Pyphen(lang={"de": "de_DE", "en": "en_GB"}.get(language, language), left=3, right=3)


def wrap(text: str, width: int = 72, indent: str = "", first: str | None = None) -> str:
    """Wrap a paragraph for the plain-text part (E17: lines ≤ 78, URLs never broken).

    The same lines as `textwrap.fill(..., break_long_words=False, break_on_hyphens=False)` (a test
    compares them on many inputs), about five times faster: text parts call this some 45 times each.
    """
    first = indent if first is None else first
    words = str(text).split()
    if width - max(len(first), len(indent)) <= 0:  # textwrap's own edge cases (every word too long)
        return textwrap.fill(" ".join(words), width=width, initial_indent=first, subsequent_indent=indent,
                             break_long_words=False, break_on_hyphens=False)
    lines: list[str] = []
    line: list[str] = []
    room = width - len(first)
    used = -1  # length of " ".join(line)
    for word in words:
        if line and used + 1 + len(word) > room:
            lines.append((indent if lines else first) + " ".join(line))
            line, used, room = [], -1, width - len(indent)
        line.append(word)
        used += 1 + len(word)
        if used > room and len(line) == 1:  # a word longer than the line stands alone (URLs are never broken)
            lines.append((indent if lines else first) + word)
            line, used, room = [], -1, width - len(indent)
    if line:
        lines.append((indent if lines else first) + " ".join(line))
    return "\n".join(lines)
