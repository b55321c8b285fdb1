"""`out/<slug>/` → `Built`: the files one build wrote, read and parsed once for every lint rule.

Also the small HTML queries several rules share (inline style, visible text, the hidden preheader).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import lxml.html
from lxml import etree

from pipeline.lint.findings import Finding, Severity

# What `newsroom build` writes per report (the build contract); lint needs these.
REQUIRED_FILES = ("manifest.json", "email.html", "email.txt", "email.mjml", "press.html")

# The literal token providers replace at send time with the recipient's unsubscribe URL (defined by render).
from pipeline.render import UNSUBSCRIBE_TOKEN  # noqa: E402,F401 - re-exported for the rules


@dataclass
class Built:
    """One report's build output, parsed. Missing or unreadable files are listed in `problems`."""

    slug: str
    folder: Path
    manifest: dict = field(default_factory=dict)
    email_html: str = ""
    email_tree: lxml.html.HtmlElement | None = None
    email_text: str = ""
    press_html: str = ""
    press_tree: lxml.html.HtmlElement | None = None
    imprint: object | None = None
    problems: list[Finding] = field(default_factory=list)

    def path(self, name: str) -> str:
        """Display path of one output file, as findings print it."""
        return str(self.folder / name)

    @property
    def language(self) -> str:
        """The report's language from the manifest ("de" if missing)."""
        return str(self.manifest.get("language") or "de")


def discover(out_dir: Path) -> list[str]:
    """Slugs of every built report in `out_dir` (sub-folders holding a manifest.json), sorted."""
    return sorted(p.parent.name for p in out_dir.glob("*/manifest.json"))


def load_all(out_dir: Path, slugs: Sequence[str] | None = None, *, imprint: object | None = None) -> list[Built]:
    """Read and parse every report (or only `slugs`) under `out_dir`."""
    return [load(out_dir / slug, imprint=imprint) for slug in (slugs or discover(out_dir))]


def load(folder: Path, *, imprint: object | None = None) -> Built:
    """Read one report folder; a missing file becomes an OUT error instead of an exception."""
    built = Built(slug=folder.name, folder=folder, imprint=imprint)
    for name in REQUIRED_FILES:
        if not (folder / name).is_file():
            built.problems.append(Finding(
                built.path(name), 0, "OUT", Severity.ERROR, "file is missing from the build output",
                "run `newsroom build` first; lint checks what the build wrote",
            ))
    if (folder / "manifest.json").is_file():
        try:
            built.manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        except json.JSONDecodeError as err:
            built.problems.append(Finding(
                built.path("manifest.json"), err.lineno, "OUT", Severity.ERROR, f"not valid JSON ({err.msg})",
                "rebuild; never edit build outputs by hand",
            ))
    built.email_html = read(folder / "email.html")
    built.email_text = read(folder / "email.txt")
    built.press_html = read(folder / "press.html")
    built.email_tree = parse(built.email_html)
    built.press_tree = parse(built.press_html)
    return built


def read(path: Path) -> str:
    """UTF-8 text of a file, or "" if it does not exist."""
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def parse(html: str) -> lxml.html.HtmlElement | None:
    """HTML text → lxml document (elements keep `sourceline`), or None for empty text."""
    if not html.strip():
        return None
    return lxml.html.document_fromstring(html)


def elements(tree: lxml.html.HtmlElement | None, tags: str) -> list[lxml.html.HtmlElement]:
    """Elements of the given space-separated tag names, in document order (none for a missing tree)."""
    if tree is None:
        return []
    wanted = set(tags.split())
    return [el for el in tree.iter(etree.Element) if isinstance(el.tag, str) and el.tag in wanted]


def inline_style(el: lxml.html.HtmlElement) -> dict[str, str]:
    """The element's `style` attribute as {property: value}, lower-cased names, `!important` kept in the value."""
    result: dict[str, str] = {}
    for declaration in (el.get("style") or "").split(";"):
        name, sep, value = declaration.partition(":")
        if sep and name.strip():
            result[name.strip().lower()] = value.strip()
    return result


def text_of(el: lxml.html.HtmlElement) -> str:
    """Visible text of an element with whitespace collapsed (img alt texts count, as screen readers read them)."""
    parts: list[str] = []
    for node in el.iter():
        if node.tag == "img" and node.get("alt"):
            parts.append(node.get("alt"))
        if isinstance(node.tag, str) and node.tag not in ("style", "script") and node.text:
            parts.append(node.text)
        if node is not el and node.tail:
            parts.append(node.tail)
    return " ".join(" ".join(parts).split())


def body_text(tree: lxml.html.HtmlElement | None) -> str:
    """All text of the body, whitespace collapsed; "" for a missing tree."""
    if tree is None:
        return ""
    body = tree.find("body")
    return text_of(body if body is not None else tree)


def preheader_element(tree: lxml.html.HtmlElement | None) -> lxml.html.HtmlElement | None:
    """The hidden preview-text div that comes before any visible text of the body, or None.

    MJML's <mj-preview> writes it as the body's first child; our template (_preheader.mjml.j2) as the
    first child of the article wrapper.
    """
    if tree is None:
        return None
    body = tree.find("body")
    for el in (body if body is not None else tree).iter(etree.Element):
        if el.tag == "div" and hidden_by_inline_style(el):
            return el
        if el.tag not in ("style", "script") and (el.text or "").strip():
            return None  # visible content came first: there is no preheader div
    return None


def hidden_by_inline_style(el: lxml.html.HtmlElement) -> bool:
    """True if the element's own inline style removes it from view (display:none or visibility:hidden)."""
    style = inline_style(el)
    return declared(style, "display") == "none" or declared(style, "visibility") == "hidden"


def declared(style: dict[str, str], name: str) -> str:
    """A property's value from `inline_style`, lower-cased, without `!important`; "" if not set."""
    return style.get(name, "").lower().replace("!important", "").strip()
