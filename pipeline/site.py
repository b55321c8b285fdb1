"""Built reports + the clock → the public archive site under site/: pages, index, Atom feed, sitemap.

Only reports that are `ready` and whose embargo has lifted at `now` appear anywhere here (P4): an
embargoed release has no page, no image, no index line, no feed entry and no sitemap URL, and
GitHub Pages answers 404 for its address. Layout, fixed by the URLs the renderer already prints:

    site/index.html                       newest first, one section per language
    site/<slug>/index.html, images/       the newsletter's web version (E16 "view in browser"; noindex)
    site/presse/<slug>/index.html, .pdf   the press release page and its PDF (when built with --pdf)
    site/feed.xml, sitemap.xml, robots.txt, 404.html

Pure: takes what `build` rendered and returns relative path → bytes; `outputs` writes them. The
renderer is imported only when the site is made: a no-op build asks `fingerprint` and stops there.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from pipeline import __version__
from pipeline.embargo import embargo_of, is_public, published_at
from pipeline.manifest import PDF

SITE = "site"
# Every name the build uses beside the report folders, at the top of out/ (index.html, site/) and of
# out/site/ (pages, presse/, feed, sitemap…), plus the folder a report's images go in. A report's
# slug (its file name) becomes a folder in both places, so none of these can be a slug (`build.check`).
# `newsroom report` names its pages out/reports/<slug>.html, and the one over every report ALL_REPORTS.html.
#: out/reports/: `newsroom report`'s delivery pages; the build keeps the folder as it is (outputs.write_outputs).
DELIVERY_PAGES = "reports"
ALL_REPORTS = "all"
RESERVED_SLUGS = frozenset({SITE, "index", "presse", "images", "404", "feed", "sitemap", "robots", "manifest",
                            DELIVERY_PAGES, ALL_REPORTS})
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


@dataclass(frozen=True)
class Entry:
    """One published report as the archive lists it."""

    slug: str
    title: str
    language: str
    summary: str
    published: dt.datetime
    web_url: str
    press_url: str
    pdf_url: str | None  # None when the build made no PDF (`build` without --pdf)
    pdf_bytes: int

    @property
    def date(self) -> str:
        """The release day in the report's language, e.g. 29. November 2021."""
        from pipeline.render import i18n

        return i18n.format_date_long(self.published.date(), self.language)


def is_published(manifest: dict, now: dt.datetime) -> bool:
    """True when a built report belongs on the public site at `now`: ready, and its embargo has lifted."""
    return manifest["status"] == "ready" and is_public(manifest, now)


def published_state(manifests: list[dict], now: dt.datetime) -> dict[str, list]:
    """slug → [revision, PDF hash or None] of every report the site shows at `now`: what its pages are made of."""
    return {m["slug"]: [m["revision"], (m["files"].get(PDF) or {}).get("sha256")]
            for m in manifests if is_published(m, now)}


def fingerprint(state: dict[str, list], inputs_digest: bytes, now: dt.datetime) -> str:
    """A digest of everything the site's bytes depend on, so an unchanged site need not be made again.

    The published reports (`published_state`: by revision, which covers every file and input, and PDF),
    the shared inputs (settings, templates, site URL, generator) and, when nothing is published, the clock
    (the feed's <updated> is then `now`). Costs microseconds per report; making the site, milliseconds.
    """
    digest = hashlib.sha256(inputs_digest + json.dumps(sorted(state.items())).encode())
    if not state:
        digest.update(now.isoformat().encode())
    return digest.hexdigest()


def entry_sources(manifest: dict) -> dict[str, str | None]:
    """The site's files for one published report, each → the report file it copies (None: the web version).

    The one place that lays out a report on the site: `build_site` makes these files, and the build
    keeps exactly these (plus the index, feed and sitemap) when it updates out/site in place.
    Named from the manifest: nothing is read.
    """
    slug = manifest["slug"]
    sources: dict[str, str | None] = {f"{SITE}/{slug}/index.html": None}
    sources.update({f"{SITE}/{slug}/{name}": name for name in manifest["files"] if name.startswith("images/")})
    sources[f"{SITE}/presse/{slug}/index.html"] = "press.html"
    if PDF in manifest["files"]:
        sources[f"{SITE}/presse/{slug}/{slug}.pdf"] = PDF
    return sources


def entries(built: list[tuple[dict, dict[str, bytes]]], timezone: str, now: dt.datetime) -> list[Entry]:
    """The published reports, newest first (then by slug, so equal dates keep a stable order)."""
    found = []
    for manifest, _files in built:
        if not is_published(manifest, now):
            continue
        published = (dt.datetime.fromisoformat(manifest["published"]) if manifest.get("published") else  # the page's
                     published_at(embargo_of(manifest), dt.date.fromisoformat(manifest["event_date"]), timezone))
        slug = manifest["slug"]
        pdf = manifest["files"].get(PDF)
        found.append(Entry(slug, manifest["title"], manifest["language"], manifest["preheader"], published,
                           manifest["web_url"], manifest["press_url"],
                           f"{manifest['press_url']}{slug}.pdf" if pdf else None, pdf["bytes"] if pdf else 0))
    return sorted(found, key=lambda e: (e.published, e.slug), reverse=True)


def build_site(built: list[tuple[dict, dict[str, bytes]]], settings, template_dir: Path, now: dt.datetime,
               site_url: str | None = None, unchanged: frozenset[str] = frozenset()) -> dict[str, bytes]:
    """Every file of the archive site as `site/…` → bytes, as it should be public at `now`.

    The pages of reports named in `unchanged` (already on the site at the same revision, made with the
    same inputs) are left out, and their files are not read; the index, feed and sitemap always come.
    """
    from pipeline.render import i18n
    from pipeline.render.environment import make_environment, template_errors

    base = (site_url or settings.site_url).rstrip("/")
    listed = entries(built, settings.timezone, now)
    public = {entry.slug for entry in listed} - unchanged
    out: dict[str, bytes] = {}
    for manifest, files in built:
        if manifest["slug"] not in public:
            continue
        for path, source in entry_sources(manifest).items():  # `files` may read from disk: only these are read
            out[path] = (web_version(files["email.html"], settings.unsubscribe_url, manifest["press_url"],
                                     _link_tags(settings, manifest)) if source is None else files[source])
    env = make_environment(str(template_dir))
    settings = settings.in_language(settings.language)  # the archive's own pages are in the publication language
    page = {"settings": settings, "lang": settings.language, "_": i18n.translator(settings.language),
            "feed_url": f"{base}/feed.xml", "site_home": f"{base}/"}
    sections = [{"lang": lang, "name": i18n.language_name(lang), "entries": [e for e in listed if e.language == lang]}
                for lang in _languages(listed, settings.language)]
    with template_errors(template_dir):
        out[f"{SITE}/index.html"] = env.get_template("site/index.html.j2").render(page, sections=sections).encode()
        out[f"{SITE}/404.html"] = env.get_template("site/404.html.j2").render(page).encode()
    out[f"{SITE}/feed.xml"] = atom_feed(listed, settings, base, now)
    out[f"{SITE}/sitemap.xml"] = sitemap(listed, base)
    out[f"{SITE}/robots.txt"] = f"User-agent: *\nAllow: /\nSitemap: {base}/sitemap.xml\n".encode()
    return out


def _link_tags(settings, manifest: dict) -> str:
    """The campaign link tags the newsletter of this build carries (render/links.py), "" when tagging is off."""
    from pipeline.render.links import tags_for

    return tags_for(settings.utm, slug=manifest["slug"], channel="newsletter", date=manifest["published"][:10])


def web_version(email_html: bytes, unsubscribe_url: str, press_url: str, link_tags: str = "") -> bytes:
    """The newsletter as a web page: the email HTML with the general unsubscribe page, no per-recipient token.

    A page on the site is no mailing: the personal greeting shows its fallback (render/personalize.py), and the
    campaign link tags (`link_tags`, render/links.py) come off its links again.

    Kept out of search results (`noindex, follow`) with the press page as its canonical: it is the email's
    600 px table layout and repeats the press release's text, so listing it in the sitemap would put two
    pages of one story in the index, the weaker one without JSON-LD or Open Graph. Its links are followed.
    """
    from html import escape

    from pipeline.render import UNSUBSCRIBE_TOKEN

    from pipeline.render.links import untagged
    from pipeline.render.personalize import filled

    page = email_html.replace(UNSUBSCRIBE_TOKEN.encode(), unsubscribe_url.encode())
    if b"%GREETING(" in page or link_tags:
        page = untagged(filled(page.decode(), None, as_html=True), link_tags).encode()
    head = (f'<head><meta name="robots" content="noindex, follow">'
            f'<link rel="canonical" href="{escape(press_url)}">').encode()
    return page.replace(b"<head>", head, 1)


def atom_feed(listed: list[Entry], settings, base: str, now: dt.datetime) -> bytes:
    """Atom 1.0 feed of every published report (feedgen), newest first; stable bytes for the same input."""
    from feedgen.feed import FeedGenerator

    _EntryLinks = _entry_links_extension()  # a class, made here to keep feedgen's import lazy
    feed = FeedGenerator()
    feed.id(f"{base}/")
    feed.title(settings.name)
    feed.subtitle(settings.organisation.name)
    feed.author({"name": settings.organisation.name, "uri": settings.organisation.url})
    feed.link(href=f"{base}/", rel="alternate", type="text/html")
    feed.link(href=f"{base}/feed.xml", rel="self", type="application/atom+xml")
    feed.language(settings.language)
    feed.generator("newsroom", __version__)
    feed.updated(listed[0].published if listed else now)
    for entry in listed:
        item = feed.add_entry(order="append")
        item.id(entry.press_url)
        item.title(entry.title)
        item.summary(entry.summary)
        item.published(entry.published)
        item.updated(entry.published)
        item.link(href=entry.press_url, rel="alternate")
        item.register_extension("newsroom_links", _EntryLinks, atom=True, rss=False)
        item.newsroom_links.links = [
            {"href": entry.web_url, "rel": "related", "type": "text/html", "title": "Newsletter"},
        ] + [{"href": entry.pdf_url, "rel": "enclosure", "type": "application/pdf", "length": str(entry.pdf_bytes)}
             ] * bool(entry.pdf_url)
    return feed.atom_str(pretty=True)


def _entry_links_extension():
    from feedgen.ext.base import BaseEntryExtension
    from feedgen.util import xml_elem

    class EntryLinks(BaseEntryExtension):
        """Adds entry links with their attributes: feedgen 1.0.0 writes only `href` (python-feedgen#135)."""

        def __init__(self):
            self.links: list[dict[str, str]] = []

        def extend_atom(self, entry):
            for attributes in self.links:
                xml_elem("link", entry, **attributes)
            return entry

    return EntryLinks


def sitemap(listed: list[Entry], base: str) -> bytes:
    """sitemaps.org XML: the index and each press page, the canonical URLs (web versions are noindex)."""
    root = ElementTree.Element("urlset", xmlns=SITEMAP_NS)
    pages = [(f"{base}/", listed[0].published if listed else None)]
    pages += [(entry.press_url, entry.published) for entry in listed]
    for loc, modified in pages:
        url = ElementTree.SubElement(root, "url")
        ElementTree.SubElement(url, "loc").text = loc
        if modified is not None:
            ElementTree.SubElement(url, "lastmod").text = modified.isoformat()
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _languages(listed: list[Entry], first: str) -> list[str]:
    """The languages present, the publication's own first."""
    present = {entry.language for entry in listed}
    return [first] * (first in present) + sorted(present - {first})
