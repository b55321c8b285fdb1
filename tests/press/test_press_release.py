"""The press release page and mailing: SPERRFRIST (P4), JSON-LD NewsArticle (P1), Open Graph (P2), structure (P3)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import jsonschema
import pytest
from press_support import ENGLISH, SEED, edit, embargoed_project

from pipeline.build import Project, load_reports
from pipeline.model import slugify_german
from pipeline.render import render

SITE = "https://newsroom.example.org"
ISO_WITH_OFFSET = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$"
# P1 as a schema: what Google's Article documentation and EMAIL-QUALITY require of the JSON-LD block.
NEWS_ARTICLE = {
    "type": "object",
    "required": ["@context", "@type", "headline", "image", "datePublished", "dateModified", "author", "publisher",
                 "inLanguage", "mainEntityOfPage"],
    "properties": {
        "@context": {"const": "https://schema.org"},
        "@type": {"const": "NewsArticle"},
        "headline": {"type": "string", "minLength": 1, "maxLength": 120},
        "image": {"type": "array", "minItems": 1, "items": {"type": "string", "pattern": "^https://"}},
        "datePublished": {"type": "string", "pattern": ISO_WITH_OFFSET},
        "dateModified": {"type": "string", "pattern": ISO_WITH_OFFSET},
        "author": {"type": "object", "required": ["@type", "name", "url"]},
        "publisher": {"type": "object", "required": ["@type", "name"]},
        "inLanguage": {"enum": ["de-DE", "en-GB"]},
    },
}


class _Page(HTMLParser):
    """JSON-LD blocks, meta properties, canonical/alternate links, headings and landmarks of a page."""

    def __init__(self):
        super().__init__()
        self.json_ld, self.meta, self.links, self.tags, self.lang = [], [], [], [], None
        self._in_ld = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if tag == "html":
            self.lang = attrs.get("lang")
        if tag == "script" and attrs.get("type") == "application/ld+json":
            self._in_ld = True
            self.json_ld.append("")
        if tag == "meta" and "property" in attrs:
            self.meta.append((attrs["property"], attrs["content"]))
        if tag == "link":
            self.links.append((attrs.get("rel"), attrs.get("href"), attrs.get("hreflang")))

    def handle_endtag(self, tag):
        self._in_ld = self._in_ld and tag != "script"

    def handle_data(self, data):
        if self._in_ld:
            self.json_ld[-1] += data


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return Project(embargoed_project(tmp_path_factory.mktemp("press") / "project"))


@pytest.fixture(scope="module")
def renditions(project):
    settings, reports = load_reports(project)
    return {r.slug: render(r, settings, project.template_dir, project.content_dir) for r in reports}


def test_the_press_mailing_under_embargo_says_sperrfrist_in_subject_and_first_line(renditions):
    seed = renditions[SEED]
    assert seed.press_subject == ("SPERRFRIST: 01.12.2026, 10:00 Uhr – Pressemitteilung: Regionalveranstaltung zur "
                                  "Zukunft des Industriestandortes Berlin-Brandenburg")
    assert seed.press_text.splitlines()[:3] == ["SPERRFRIST: 01.12.2026, 10:00 Uhr", "", "PRESSEMITTEILUNG"]
    email_text = re.sub(r"<[^>]+>", " ", seed.press_email_html[seed.press_email_html.index("<body"):])
    email_text = re.sub(r"&#847;|&zwnj;|&nbsp;", " ", email_text)  # the preheader's filler
    words = " ".join(email_text.replace("\u00ad", "").split())  # soft hyphens (E20) are invisible
    # the inbox preview (hidden preheader), then the first visible line of the body
    assert words.startswith("SPERRFRIST: 01.12.2026, 10:00 Uhr – Industrie 2030 steht für Zukunftsfähigkeit,")
    assert words.split("Berlin-Brandenburg. ", 1)[1].startswith(
        "SPERRFRIST: 01.12.2026, 10:00 Uhr PRESSEMITTEILUNG Regionalveranstaltung")
    # the web-version link would lead to a page that is not live before the lift
    press_email = seed.press_email_html
    assert (f'href="{seed.web_url}"' in press_email, "Online ab Ende der Sperrfrist" in press_email) == (False, True)
    # the newsletter itself carries no embargo line: it must not go out before the lift at all
    assert "SPERRFRIST" not in seed.email_html and "SPERRFRIST" not in seed.subject


def test_the_dateline_and_dates_follow_the_embargo_day(renditions):
    seed = renditions[SEED]
    assert "<strong>Berlin, <time datetime=\"2026-12-01T10:00:00+01:00\">1. Dezember 2026</time></strong>" \
        in seed.press_html
    assert "Berlin, 1. Dezember 2026 – Industrie 2030" in " ".join(seed.press_text.split())


def test_json_ld_is_a_complete_news_article(renditions):
    page = parse(renditions[SEED].press_html)
    assert len(page.json_ld) == 1
    data = json.loads(page.json_ld[0])
    jsonschema.validate(data, NEWS_ARTICLE)
    assert data == {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": f"{SITE}/presse/{SEED}/"},
        "url": f"{SITE}/presse/{SEED}/",
        "headline": "Regionalveranstaltung zur Zukunft des Industriestandortes Berlin-Brandenburg",
        "alternativeHeadline": "„Gegenwart und Visionen“ – Industrieakteure diskutieren über den Industriestandort "
                               "in der Metropolregion",
        "description": "Industrie 2030 steht für Zukunftsfähigkeit, Nachhaltigkeit, Digitalisierung und "
                       "Klimafreundlichkeit – so die Vision aus Berlin-Brandenburg.",
        "image": [f"{SITE}/{SEED}/images/2021-11-29-regionalveranstaltung@{ratio}.png"
                  for ratio in ("16x9", "4x3", "1x1")],
        "datePublished": "2026-12-01T10:00:00+01:00",  # the lift time, not the build time (P1, P4)
        "dateModified": "2026-12-01T10:00:00+01:00",
        "dateline": "Berlin",
        "inLanguage": "de-DE",
        "author": {"@type": "Organization", "name": "Service- und Beratungsstelle für regionale Industrieinitiativen",
                   "url": "https://newsroom.example.org"},
        "publisher": {"@type": "Organization",
                      "name": "Service- und Beratungsstelle für regionale Industrieinitiativen",
                      "url": "https://newsroom.example.org",
                      "logo": {"@type": "ImageObject", "url": f"{SITE}/{SEED}/images/logo.png"}},
        "isAccessibleForFree": True,
        "keywords": ["Industriestandort", "Berlin-Brandenburg", "Wasserstoff", "Industriestrategie 2030"],
    }


def test_every_sample_press_page_passes_the_json_ld_schema(renditions):
    for rendition in renditions.values():
        jsonschema.validate(json.loads(parse(rendition.press_html).json_ld[0]), NEWS_ARTICLE)


def test_open_graph_and_canonical(renditions):
    page = parse(renditions[ENGLISH].press_html)
    url = f"{SITE}/presse/{ENGLISH}/"
    assert page.meta == [
        ("og:title", "Hydrogen valley workshop brings suppliers and grid operators together"),
        ("og:type", "article"),
        ("og:image", f"{SITE}/{ENGLISH}/images/logo.png"),
        ("og:image:alt", "Service and Advisory Office for Regional Industry Initiatives"),  # the English logo text
        ("og:url", url),
        ("og:description", "Suppliers, grid operators and city utilities mapped what a regional hydrogen network "
                           "needs first, in two days of workshops."),
        ("og:locale", "en_GB"),
        ("og:site_name", "Industrie-Newsletter"),
        ("article:published_time", "2022-03-15T00:00:00+01:00"),
        ("article:modified_time", "2022-03-15T00:00:00+01:00"),
        ("article:tag", "hydrogen"),
        ("article:tag", "sample"),
    ]
    assert ("canonical", url, None) in page.links
    assert dict(page.meta)["og:url"] == url


def test_accessible_structure_in_order(renditions):
    """P3 and the conventional order: dateline, headline, lead, body, quotes, About, contact, end mark."""
    html = renditions[SEED].press_html
    page = parse(html)
    assert (page.lang, page.tags.count("h1"), page.tags.count("main")) == ("de", 1, 1)
    assert page.tags.index("header") < page.tags.index("main") < page.tags.index("footer")
    body = html.split("<body>", 1)[1].replace("\u00ad", "")  # the headline's soft hyphens (E20) are invisible
    order = ["SPERRFRIST: 01.12.2026, 10:00 Uhr", "<h1>Regionalveranstaltung", "Berlin, <time", "Unter der Überschrift",
             "<blockquote>", "<h2>Über die Service- und Beratungsstelle</h2>", "<h2>Pressekontakt</h2>", ">###</span>",
             "<strong>Impressum</strong>"]
    assert [body.index(mark) for mark in order] == sorted(body.index(mark) for mark in order)


def test_a_linked_translation_is_announced_both_ways(tmp_path):
    root = embargoed_project(tmp_path / "project")
    edit(root, SEED, "press:\n  dateline: Berlin\n  embargo: 2026-12-01T10:00:00", "press:\n  dateline: Berlin")
    edit(root, SEED, "status: ready", f"status: ready\ntranslation: {ENGLISH}")
    edit(root, ENGLISH, "status: ready", f"status: ready\ntranslation: {SEED}")
    project = Project(root)
    settings, reports = load_reports(project)
    english = render(next(r for r in reports if r.slug == ENGLISH), settings, project.template_dir,
                     project.content_dir)
    page = parse(english.press_html)
    assert ("alternate", f"{SITE}/presse/{SEED}/", "de-DE") in page.links
    assert ("og:locale:alternate", "de_DE") in page.meta
    assert json.loads(page.json_ld[0])["workTranslation"] == {
        "@type": "NewsArticle", "url": f"{SITE}/presse/{SEED}/", "inLanguage": "de-DE"}
    assert f'<a href="{SITE}/presse/{SEED}/" hreflang="de-DE" lang="de">Diese Pressemitteilung auf Deutsch</a>' \
        in english.press_html


def test_translation_links_are_checked_across_files(tmp_path):
    from pipeline.errors import ContentError

    root = embargoed_project(tmp_path / "project")
    edit(root, SEED, "status: ready", "status: ready\ntranslation: 2023-06-01-kurzmeldung")
    edit(root, ENGLISH, "status: ready", "status: ready\ntranslation: gibt-es-nicht")
    with pytest.raises(ContentError) as info:
        load_reports(Project(root))
    assert [str(issue) for issue in info.value.issues] == [
        f"content/reports/{SEED}.yaml:1:1: translation: '2023-06-01-kurzmeldung' is in the same language"
        " — link the report in the other language, or set 'language:' in it",
        f"content/reports/{ENGLISH}.yaml:1:1: translation: there is no report 'gibt-es-nicht'"
        " — give the file name of the translated report, without .yaml",
    ]


def test_translations_must_lift_together(tmp_path):
    from pipeline.errors import ContentError

    root = embargoed_project(tmp_path / "project")
    edit(root, ENGLISH, "status: ready", f"status: ready\ntranslation: {SEED}")
    with pytest.raises(ContentError) as info:
        load_reports(Project(root))
    assert [str(issue) for issue in info.value.issues] == [
        f"content/reports/{ENGLISH}.yaml:1:1: translation: '{SEED}' has a different embargo"
        " — give both reports the same press.embargo"]


@pytest.mark.parametrize("title, slug", [
    ("Größere Übungen für den Straßenbau", "groessere-uebungen-fuer-den-strassenbau"),
    ("ÄRGER über Öl & Süßes", "aerger-ueber-oel-suesses"),
    ("Regionalveranstaltung 29.11.2021: Industrie 2030", "regionalveranstaltung-29-11-2021-industrie-2030"),
])
def test_slugs_are_stable_ascii_with_german_transliteration(title, slug):
    assert slugify_german(title) == slug
