"""The public archive site (out/site): embargo at T−1 s and T, index, Atom feed, sitemap, web versions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from xml.etree import ElementTree

import feedparser
import pytest
from press_support import BEFORE, ENGLISH, LIFT, SEED, SHORT, embargoed_project

from pipeline.build import Project, build
from pipeline.render import UNSUBSCRIBE_TOKEN

SITE = "https://newsroom.example.org"
SEED_TITLE = "Regionalveranstaltung zur Zukunft des Industriestandortes Berlin-Brandenburg"
ENGLISH_TITLE = "Hydrogen valley workshop brings suppliers and grid operators together"


def files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Project:
    return Project(embargoed_project(tmp_path_factory.mktemp("site") / "project"))


@pytest.fixture(scope="module")
def before(project) -> Path:
    """out/ built one second before the seed's embargo lifts, with PDFs as the Pages workflow builds it."""
    build(project, out_dir=project.root / "out-before", now=BEFORE, pdf=True)
    return project.root / "out-before"


@pytest.fixture(scope="module")
def after(project) -> Path:
    """out/ built at the very instant the embargo lifts, with PDFs as the Pages workflow builds it."""
    build(project, out_dir=project.root / "out-after", now=LIFT, pdf=True)
    return project.root / "out-after"


def test_before_the_lift_no_public_file_carries_the_release(before):
    site = files(before / "site")
    assert sorted(site) == sorted([
        "404.html", f"{ENGLISH}/images/logo.png", f"{ENGLISH}/index.html", "feed.xml", "index.html",
        f"presse/{ENGLISH}/{ENGLISH}.pdf", f"presse/{ENGLISH}/index.html", "robots.txt", "sitemap.xml"])
    for name, data in site.items():
        if not name.endswith((".pdf", ".png")):
            text = data.decode()
            assert SEED not in text and "Industriestandort" not in text and "SPERRFRIST" not in text, name
    # the journalists' material is built all the same, in the private out/<slug>/
    assert (before / SEED / "press.txt").read_text(encoding="utf-8").startswith("SPERRFRIST: 01.12.2026, 10:00 Uhr\n")


def test_at_the_lift_the_release_is_everywhere(after):
    site = files(after / "site")
    assert sorted(site) == sorted([
        f"{SEED}/images/2021-11-29-regionalveranstaltung.png", f"{SEED}/images/logo.png", f"{SEED}/index.html",
        *(f"{SEED}/images/2021-11-29-regionalveranstaltung@{ratio}.png" for ratio in ("16x9", "4x3", "1x1")),
        "404.html", f"{ENGLISH}/images/logo.png", f"{ENGLISH}/index.html", "feed.xml", "index.html",
        f"presse/{SEED}/{SEED}.pdf", f"presse/{SEED}/index.html",
        f"presse/{ENGLISH}/{ENGLISH}.pdf", f"presse/{ENGLISH}/index.html", "robots.txt", "sitemap.xml"])
    assert site[f"presse/{SEED}/index.html"] == (after / SEED / "press.html").read_bytes()
    assert site[f"presse/{SEED}/{SEED}.pdf"] == (after / SEED / "press.pdf").read_bytes()
    assert site[f"{SEED}/images/logo.png"] == (after / SEED / "images" / "logo.png").read_bytes()


def test_drafts_are_never_public(after):
    assert not (after / "site" / SHORT).exists() and SHORT not in (after / "site" / "index.html").read_text()
    assert (after / SHORT / "press.html").is_file()


def test_the_web_version_is_the_email_without_a_subscriber_token(after):
    web = (after / "site" / SEED / "index.html").read_text(encoding="utf-8")
    email = (after / SEED / "email.html").read_text(encoding="utf-8")
    assert UNSUBSCRIBE_TOKEN not in web
    head = f'<meta name="robots" content="noindex, follow"><link rel="canonical" href="{SITE}/presse/{SEED}/">'
    assert web == email.replace(UNSUBSCRIBE_TOKEN, "https://newsroom.example.org/abmelden").replace(
        "<head>", "<head>" + head, 1)
    assert f'href="{SITE}/{SEED}/"' in web  # "Im Browser ansehen" points at this very page


def test_a_web_version_is_kept_out_of_search_results_in_favour_of_its_press_page(after):
    """Indexable but in no sitemap was the defect: now search engines are told, and the sitemap agrees."""
    from html.parser import HTMLParser

    class Head(HTMLParser):
        def __init__(self):
            super().__init__()
            self.robots, self.canonical = [], []

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "meta" and attrs.get("name") == "robots":
                self.robots.append(attrs["content"])
            if tag == "link" and attrs.get("rel") == "canonical":
                self.canonical.append(attrs["href"])

    for slug in (SEED, ENGLISH):
        head = Head()
        head.feed((after / "site" / slug / "index.html").read_text(encoding="utf-8"))
        assert (head.robots, head.canonical) == (["noindex, follow"], [f"{SITE}/presse/{slug}/"])
        assert f"<loc>{SITE}/{slug}/</loc>" not in (after / "site" / "sitemap.xml").read_text(encoding="utf-8")
    # the email itself carries neither: mail clients have no use for them
    assert 'name="robots"' not in (after / SEED / "email.html").read_text(encoding="utf-8")


def test_the_feed_parses_back_newest_first(before, after):
    parsed = feedparser.parse((after / "site" / "feed.xml").read_bytes())
    assert parsed.bozo is False and parsed.version == "atom10"
    assert (parsed.feed.title, parsed.feed.language, parsed.feed.updated) == (
        "Industrie-Newsletter", "de", "2026-12-01T10:00:00+01:00")
    assert [(e.id, e.title, e.published, e.summary) for e in parsed.entries] == [
        (f"{SITE}/presse/{SEED}/", SEED_TITLE, "2026-12-01T10:00:00+01:00",
         "Industrie 2030 steht für Zukunftsfähigkeit, Nachhaltigkeit, Digitalisierung und Klimafreundlichkeit – so "
         "die Vision aus Berlin-Brandenburg."),
        (f"{SITE}/presse/{ENGLISH}/", ENGLISH_TITLE, "2022-03-15T00:00:00+01:00",
         "Suppliers, grid operators and city utilities mapped what a regional hydrogen network needs first, in two "
         "days of workshops."),
    ]
    pdf_bytes = str(len((after / SEED / "press.pdf").read_bytes()))
    assert parsed.entries[0].links == [
        {"href": f"{SITE}/presse/{SEED}/", "rel": "alternate", "type": "text/html"},
        {"href": f"{SITE}/{SEED}/", "rel": "related", "type": "text/html", "title": "Newsletter"},
        {"href": f"{SITE}/presse/{SEED}/{SEED}.pdf", "rel": "enclosure", "type": "application/pdf",
         "length": pdf_bytes},
    ]
    early = feedparser.parse((before / "site" / "feed.xml").read_bytes())
    assert [e.title for e in early.entries] == [ENGLISH_TITLE]


def test_the_sitemap_lists_the_canonical_pages(before, after):
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}

    def urls(out: Path) -> list[tuple[str, str]]:
        root = ElementTree.parse(out / "site" / "sitemap.xml").getroot()
        return [(u.findtext("s:loc", namespaces=ns), u.findtext("s:lastmod", namespaces=ns))
                for u in root.findall("s:url", ns)]

    assert urls(after) == [(f"{SITE}/", "2026-12-01T10:00:00+01:00"),
                           (f"{SITE}/presse/{SEED}/", "2026-12-01T10:00:00+01:00"),
                           (f"{SITE}/presse/{ENGLISH}/", "2022-03-15T00:00:00+01:00")]
    assert urls(before) == [(f"{SITE}/", "2022-03-15T00:00:00+01:00"),
                            (f"{SITE}/presse/{ENGLISH}/", "2022-03-15T00:00:00+01:00")]
    assert (after / "site" / "robots.txt").read_text() == f"User-agent: *\nAllow: /\nSitemap: {SITE}/sitemap.xml\n"


def test_the_index_lists_by_language_newest_first_with_relative_links(after):
    html = (after / "site" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="de"' in html
    german, english = html.index('<section lang="de"'), html.index('<section lang="en"')
    assert german < html.index(SEED_TITLE) < english < html.index(ENGLISH_TITLE)
    assert '<h2 id="lang-de">Deutsch</h2>' in html and '<h2 id="lang-en">English</h2>' in html
    assert f'<a href="presse/{SEED}/">{SEED_TITLE}</a>' in html and f'<a href="{SEED}/">Newsletter</a>' in html
    assert '<time datetime="2026-12-01T10:00:00+01:00">1. Dezember 2026</time>' in html
    assert '<time datetime="2022-03-15T00:00:00+01:00">15 March 2022</time>' in html
    assert "Impressum" in html and "Musterstraße 1" in html


def test_the_404_page_reveals_nothing(before):
    html = (before / "site" / "404.html").read_text(encoding="utf-8")
    assert "<h1>Seite nicht gefunden</h1>" in html and '<meta name="robots" content="noindex">' in html
    assert SEED not in html


def test_the_default_clock_is_the_real_one(project, tmp_path):
    """build() without `now` reads the system clock (`build.clock`): the seed is public once its lift has passed."""
    from pipeline.build import clock

    build(project, [project.content_dir / "reports" / f"{SEED}.yaml"], out_dir=tmp_path / "out")
    lifted = clock() >= LIFT  # read after the build: the lift was in the past then too, if it is now
    assert (tmp_path / "out" / "site" / "presse" / SEED).exists() == lifted
    assert (tmp_path / "out" / SEED / "press.html").is_file()
    assert clock().tzinfo is not None and abs(clock() - dt.datetime.now(dt.timezone.utc)) < dt.timedelta(minutes=1)


def test_without_pdfs_the_site_links_none(project, tmp_path):
    """`build` without --pdf: the site neither holds nor links a PDF, and the feed has no enclosure."""
    build(project, out_dir=tmp_path / "out", now=LIFT)
    site = files(tmp_path / "out" / "site")
    assert f"presse/{SEED}/index.html" in site and not [name for name in site if name.endswith(".pdf")]
    assert ".pdf" not in (tmp_path / "out" / "site" / "index.html").read_text(encoding="utf-8")
    parsed = feedparser.parse((tmp_path / "out" / "site" / "feed.xml").read_bytes())
    assert [link["rel"] for link in parsed.entries[0].links] == ["alternate", "related"]


def test_one_out_folder_follows_the_clock(project, tmp_path):
    """The site is made again when the clock crosses a lift, though no report changed."""
    out = tmp_path / "out"
    build(project, out_dir=out, now=BEFORE)
    assert not (out / "site" / "presse" / SEED).exists()
    build(project, out_dir=out, now=LIFT)
    assert (out / "site" / "presse" / SEED / "index.html").is_file()
    build(project, out_dir=out, now=BEFORE)  # a clock set back (or --now) is followed too
    assert not (out / "site" / "presse" / SEED).exists()
