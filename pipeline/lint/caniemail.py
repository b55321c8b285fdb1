"""Email HTML → the caniemail features it uses, and what the vendored caniemail data says about each.

`features_of(tree)` maps what a document uses to caniemail slugs (`css-<property>`, `css-at-media-…`,
`css-pseudo-class-…`, `html-<element>`, `image-<format>`, …), remembering the first use of each.
`support(slug)` reads `data/caniemail.json` (see `data/README.md` for where it comes from).
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path

import lxml.html
import tinycss2
from lxml import etree

DATA = Path(__file__).parent / "data" / "caniemail.json"
FEATURE_URL = "https://www.caniemail.com/features/{slug}/"


@dataclass(frozen=True)
class Use:
    """Where a document first uses a feature: a short sample of the code and its line."""

    slug: str
    sample: str
    line: int


@dataclass(frozen=True)
class Verdict:
    """Target clients that do not support a feature, those that support it partly, and caniemail's notes."""

    unsupported: tuple[str, ...]
    partial: tuple[str, ...]
    notes: tuple[str, ...]


@functools.lru_cache(maxsize=1)
def data() -> dict:
    """The vendored caniemail extract, read once."""
    return json.loads(DATA.read_text(encoding="utf-8"))


def known(slug: str) -> bool:
    """True if caniemail has data on this feature."""
    return slug in data()["features"]


def verdict(slug: str) -> Verdict:
    """Latest caniemail result for each target client, grouped into unsupported and partly supported."""
    feature = data()["features"][slug]
    names = data()["clients"]
    unsupported, partial, notes = [], [], []
    for client, (value, version) in sorted(feature["support"].items()):
        state, *refs = value.split()
        label = f"{names[client]} ({version})"
        if state == "n":
            unsupported.append(label)
        elif state == "a":
            partial.append(label)
            for ref in refs:
                text = " ".join(feature["notes"].get(ref.lstrip("#"), "").split())
                if text and text not in notes:
                    notes.append(text)
    return Verdict(tuple(unsupported), tuple(partial), tuple(notes))


# --- HTML -------------------------------------------------------------------------------------------

ATTRIBUTE_SLUGS = {
    "lang": "html-lang", "dir": "html-dir", "role": "html-role", "align": "html-align", "valign": "html-valign",
    "width": "html-width", "height": "html-height", "background": "html-background",
    "cellpadding": "html-cellpadding", "cellspacing": "html-cellspacing", "loading": "html-loading-attribute",
    "srcset": "html-srcset", "hidden": "html-hidden", "target": "html-target", "popover": "html-popover",
    "aria-label": "html-aria-label", "aria-labelledby": "html-aria-labelledby",
    "aria-describedby": "html-aria-describedby", "aria-hidden": "html-aria-hidden", "aria-live": "html-aria-live",
    "required": "html-required", "inert": "css-inert-attribute",
}
ELEMENT_SLUGS = {
    **{f"h{n}": "html-h1-h6" for n in range(1, 7)}, "ul": "html-lists", "ol": "html-lists", "dl": "html-lists",
    "b": "html-strong", "strike": "html-strike", "s": "html-strike", "input": None, "button": None,
    "article": "html-semantics", "section": "html-semantics", "header": "html-semantics",
    "footer": "html-semantics", "nav": "html-semantics", "main": "html-semantics", "aside": "html-semantics",
}
IMAGE_FORMATS = {"jpeg": "jpg", "jpg": "jpg", "png": "png", "gif": "gif", "webp": "webp", "svg": "svg",
                 "avif": "avif", "bmp": "bmp", "ico": "ico", "tif": "tiff", "tiff": "tiff", "heic": "heif",
                 "heif": "heif", "apng": "apng"}


def features_of(tree: lxml.html.HtmlElement) -> dict[str, Use]:
    """Every caniemail feature the document uses, with its first use. Conditional comments are not read."""
    found: dict[str, Use] = {}

    def add(slug: str | None, sample: str, line: int) -> None:
        if slug and known(slug) and slug not in found:
            found[slug] = Use(slug, sample, line)

    for el in tree.iter(etree.Element):
        line = el.sourceline or 0
        tag = el.tag
        add(ELEMENT_SLUGS.get(tag, f"html-{tag}"), f"<{tag}>", line)
        if tag == "input":
            add(f"html-input-{(el.get('type') or 'text').lower()}", f"<input type={el.get('type')}>", line)
        if tag == "button":
            add(f"html-button-{(el.get('type') or 'submit').lower()}", "<button>", line)
        for name in el.attrib:
            add(ATTRIBUTE_SLUGS.get(name.lower()), f"<{tag} {name}>", line)
        if tag == "meta" and (el.get("name") or "").lower() in ("color-scheme", "supported-color-schemes"):
            add("html-meta-color-scheme", f'<meta name="{el.get("name")}">', line)
        href = (el.get("href") or "") if tag == "a" else ""
        if href.startswith("mailto:"):
            add("html-mailto-links", "<a href=mailto:…>", line)
        elif href.startswith("#"):
            add("html-anchor-links", f"<a href={href[:30]}>", line)
        if tag == "img":
            add(image_slug(el.get("src") or ""), f"<img src=…{(el.get('src') or '')[-30:]}>", line)
        if el.get("style"):
            for slug, sample in css_declaration_features(el.get("style")):
                add(slug, sample, line)
        if tag == "style":
            for slug, sample, offset in stylesheet_features(el.text or ""):
                add(slug, sample, line + offset)
    return found


def image_slug(src: str) -> str | None:
    """caniemail image-format slug of an image URL (`image-base64` for data: URLs)."""
    if src.startswith("data:"):
        return "image-base64"
    extension = src.split("?")[0].rsplit(".", 1)[-1].lower()
    return f"image-{IMAGE_FORMATS[extension]}" if extension in IMAGE_FORMATS else None


# --- CSS --------------------------------------------------------------------------------------------

FAMILY_FALLBACKS = ("margin", "padding", "border", "background", "list-style", "text-decoration")
LOGICAL = re.compile(r"^(margin|padding)-(inline|block)(-(start|end))?$")
FUNCTION_SLUGS = {
    "rgb": "css-rgb", "rgba": "css-rgba", "linear-gradient": "css-linear-gradient",
    "radial-gradient": "css-radial-gradient", "conic-gradient": "css-conic-gradient", "calc": "css-unit-calc",
    "var": "css-variables", "clamp": "css-function-clamp", "min": "css-function-min", "max": "css-function-max",
    "light-dark": "css-function-light-dark", "hsl": "css-modern-color", "hsla": "css-modern-color",
    "lab": "css-modern-color", "lch": "css-modern-color", "oklab": "css-modern-color", "oklch": "css-modern-color",
    "color-mix": "css-modern-color",
}
MEDIA_FEATURES = {
    "prefers-color-scheme": "css-at-media-prefers-color-scheme",
    "prefers-reduced-motion": "css-at-media-prefers-reduced-motion",
    "orientation": "css-at-media-orientation", "hover": "css-at-media-hover",
    "device-pixel-ratio": "css-at-media-device-pixel-ratio", "resolution": "css-at-media-device-pixel-ratio",
}


def property_slugs(name: str, value: str) -> list[str]:
    """caniemail slugs for one declaration's property name (and, for display, its value)."""
    name = name.lower()
    if name.startswith(("-", "mso-")):
        return []  # vendor extensions: no caniemail data, and MJML's own
    if name == "display":
        special = {"flex": "css-display-flex", "inline-flex": "css-display-flex", "grid": "css-display-grid",
                   "inline-grid": "css-display-grid", "none": "css-display-none"}.get(value.strip().lower())
        return ["css-display", *([special] if special else [])]
    if name.endswith("radius"):
        return ["css-border-radius-logical" if ("-start-" in name or "-end-" in name) else "css-border-radius"]
    if name in ("top", "right", "bottom", "left"):
        return ["css-left-right-top-bottom"]
    logical = LOGICAL.match(name)
    if logical:
        return [f"css-{logical[1]}-{'inline-block' if not logical[3] else logical[2] + '-start-end'}"]
    if name.startswith(("border-inline", "border-block")):
        return ["css-border-inline-block"]
    if known(f"css-{name}"):
        return [f"css-{name}"]
    family = next((f for f in FAMILY_FALLBACKS if name.startswith(f + "-")), None)
    return [f"css-{family}"] if family else []


def value_slugs(tokens: list) -> list[str]:
    """Slugs for functions (rgb(), calc(), var() …) and units used in a component value list."""
    slugs: list[str] = []
    for token in tokens:
        if token.type == "function":
            slugs.append(FUNCTION_SLUGS.get(token.lower_name, ""))
            slugs.extend(value_slugs(token.arguments))
        elif token.type == "dimension":
            slugs.append(f"css-unit-{token.lower_unit}")
        elif token.type == "percentage":
            slugs.append("css-unit-percent")
        elif token.type in ("() block", "[] block", "{} block"):
            slugs.extend(value_slugs(token.content))
    return [slug for slug in slugs if slug]


def declaration_features(declarations: list) -> list[tuple[str, str]]:
    """(slug, sample) pairs for parsed tinycss2 declarations."""
    pairs: list[tuple[str, str]] = []
    for decl in declarations:
        if decl.type != "declaration":
            continue
        value = tinycss2.serialize(decl.value).strip()
        sample = f"{decl.name}:{value[:40]}" + (" !important" if decl.important else "")
        pairs.extend((slug, sample) for slug in property_slugs(decl.lower_name, value))
        pairs.extend((slug, sample) for slug in value_slugs(decl.value))
        if decl.important:
            pairs.append(("css-important", sample))
    return pairs


def css_declaration_features(style: str) -> list[tuple[str, str]]:
    """(slug, sample) pairs for an inline `style` attribute."""
    return declaration_features(tinycss2.parse_blocks_contents(style, skip_whitespace=True, skip_comments=True))


def stylesheet_features(css: str) -> list[tuple[str, str, int]]:
    """(slug, sample, line offset) for a <style> block: at-rules, selectors and declarations."""
    found: list[tuple[str, str, int]] = []
    for rule in tinycss2.parse_stylesheet(css, skip_whitespace=True, skip_comments=True):
        offset = max(rule.source_line - 1, 0)
        if rule.type == "at-rule":
            prelude = tinycss2.serialize(rule.prelude).strip()
            sample = f"@{rule.lower_at_keyword} {prelude}"[:60]
            found.append((f"css-at-{rule.lower_at_keyword}", sample, offset))
            if rule.lower_at_keyword == "media":
                found.extend((slug, sample, offset) for key, slug in MEDIA_FEATURES.items() if key in prelude.lower())
            if rule.content is not None and rule.lower_at_keyword in ("media", "supports"):
                inner = tinycss2.serialize(rule.content)
                found.extend((slug, smp, offset + off) for slug, smp, off in stylesheet_features(inner))
            elif rule.content is not None:
                inner_decls = tinycss2.parse_blocks_contents(rule.content, skip_whitespace=True, skip_comments=True)
                found.extend((slug, smp, offset) for slug, smp in declaration_features(inner_decls))
        elif rule.type == "qualified-rule":
            selector = tinycss2.serialize(rule.prelude).strip()
            found.extend((slug, selector[:60], offset) for slug in selector_slugs(selector))
            decls = tinycss2.parse_blocks_contents(rule.content, skip_whitespace=True, skip_comments=True)
            found.extend((slug, smp, offset) for slug, smp in declaration_features(decls))
    return found


PSEUDO = re.compile(r"(::?)([a-zA-Z-]+)")
COMBINATOR = re.compile(r"\s*([>+~])\s*|\s+")


def selector_slugs(selector: str) -> list[str]:
    """caniemail selector features of a selector list (`.a > b:hover, [data-x] p`)."""
    text = re.sub(r"\[[^\]]*\]", "[]", re.sub(r"\([^)]*\)", "()", selector))
    slugs: list[str] = []
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if len(parts) > 1:
        slugs.append("css-selector-grouping")
    for part in parts:
        for colons, name in PSEUDO.findall(part):
            kind = "element" if colons == "::" or name in ("before", "after", "first-line", "first-letter") \
                else "class"
            slugs.append(f"css-pseudo-{kind}-{name.lower()}")
        for combinator in COMBINATOR.findall(part):
            slugs.append({">": "css-selector-child", "+": "css-selector-adjacent-sibling",
                          "~": "css-selector-general-sibling"}.get(combinator, "css-selector-descendant"))
        for compound in COMBINATOR.split(part):
            if not compound or compound in ">+~":
                continue
            simple = PSEUDO.sub("", compound)
            slugs.extend(slug for mark, slug in (("[]", "css-selector-attribute"), ("*", "css-selector-universal"),
                                                 ("#", "css-selector-id"), (".", "css-selector-class"))
                         if mark in simple)
            if re.match(r"^[a-zA-Z]", simple):
                slugs.append("css-selector-type")
            if len(re.findall(r"[.#\[]|^[a-zA-Z]", simple)) > 1:
                slugs.append("css-selector-chaining")
    return slugs
