"""The press release's machine-readable head: JSON-LD `NewsArticle` (P1) and Open Graph (P2). Pure.

Both are built as plain data from the render context, so tests can compare whole values; the page
template only prints them. `datePublished` is the publication instant: the embargo lift (P4), else the
report's `press.published`, else the start of the release day (`embargo.published_at`). `image` lists
the hero's 16:9, 4:3 and 1:1 crops, as Google's article guidance asks, when the hero is a local picture
large enough for them; else the hero (or the logo) alone. Open Graph shows the 16:9 crop.
"""

from __future__ import annotations

import json

from markupsafe import Markup

from pipeline.render import i18n


def json_ld(ctx: dict) -> dict:
    """The schema.org NewsArticle of one press release, with absolute https URLs and ISO dates with offset."""
    report, settings = ctx["report"], ctx["settings"]
    organisation = {"@type": "Organization", "name": settings.organisation.name, "url": settings.organisation.url}
    publisher = dict(organisation)
    if ctx["logo"]:
        publisher["logo"] = {"@type": "ImageObject", "url": ctx["logo"]["url"]}
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": ctx["press_url"]},
        "url": ctx["press_url"],
        "headline": ctx["headline"],
        "description": ctx["preheader"],
        "image": [crop["url"] for crop in _crops(ctx)] or ([ctx["share_image"]["url"]] if ctx["share_image"] else []),
        "datePublished": ctx["published_iso"],
        "dateModified": ctx["published_iso"],
        "dateline": ctx["dateline_city"],
        "inLanguage": i18n.LOCALES[ctx["lang"]][0],
        "author": organisation,
        "publisher": publisher,
        "isAccessibleForFree": True,
    }
    if report.subtitle:
        data["alternativeHeadline"] = report.subtitle
    if report.tags:
        data["keywords"] = list(report.tags)
    if ctx["translation"]:
        data["workTranslation"] = {"@type": "NewsArticle", "url": ctx["translation"]["url"],
                                   "inLanguage": i18n.LOCALES[ctx["translation"]["lang"]][0]}
    if not data["image"]:
        del data["image"]
    return data


def script_json(data: dict) -> Markup:
    """JSON for a <script> element: '<', '>' and '&' escaped so no text can close the element.

    On one line: `indent` would switch json to its pure-Python encoder, ten times slower.
    """
    text = json.dumps(data, ensure_ascii=False)
    return Markup(text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e"))


def open_graph(ctx: dict) -> list[tuple[str, str]]:
    """Open Graph properties in print order: the four required ones first, then the recommended ones."""
    settings = ctx["settings"]
    image = ctx["share_image"]
    tags = [("og:title", ctx["headline"]), ("og:type", "article")]
    crops = _crops(ctx)
    if crops:  # the 16:9 crop: cut at the editor's focal point, and its size lets the first share show it
        tags += [("og:image", crops[0]["url"]), ("og:image:width", str(crops[0]["width"])),
                 ("og:image:height", str(crops[0]["height"])), ("og:image:alt", image["alt"])]
    elif image:
        tags.append(("og:image", image["url"]))
        tags.append(("og:image:alt", image["alt"]))
    tags += [
        ("og:url", ctx["press_url"]),
        ("og:description", ctx["preheader"]),
        ("og:locale", i18n.LOCALES[ctx["lang"]][1]),
        ("og:site_name", settings.name),
        ("article:published_time", ctx["published_iso"]),
        ("article:modified_time", ctx["published_iso"]),
    ]
    if ctx["translation"]:
        tags.append(("og:locale:alternate", i18n.LOCALES[ctx["translation"]["lang"]][1]))
    tags += [("article:tag", tag) for tag in ctx["report"].tags]
    return tags


def _crops(ctx: dict) -> list[dict]:
    """The hero's 16:9, 4:3 and 1:1 crops (`render/crops.py`), or none (no hero, a remote or too small one)."""
    return ctx["hero"]["crops"] if ctx["hero"] else []
