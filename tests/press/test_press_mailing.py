"""The press mailing is written for journalists: press page links, the press list's footer, the imprint once.

Asserted on the built files as a journalist reads them: the visible text of press-email.html (no head, no
hidden preheader) and press-email.txt, in German (the seed) and English (the hydrogen workshop).
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from press_support import ENGLISH, SEED, copy_project

from pipeline.build import Project, build

SITE = "https://newsroom.example.org"
VOID = {"br", "img", "meta", "link", "hr", "input", "col", "area", "base", "source", "wbr"}


class _Visible(HTMLParser):
    """The words a reader sees, and each visible link as (text, href)."""

    def __init__(self):
        super().__init__()
        self.words: list[str] = []
        self.links: list[tuple[str, str]] = []
        self._hidden: list[bool] = []  # per open element: hides its content
        self._link: list | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        style = (attrs.get("style") or "").replace(" ", "").lower()
        if tag in VOID:
            return
        self._hidden.append(tag in ("head", "style", "script", "title") or "display:none" in style)
        if tag == "a" and not any(self._hidden):
            self._link = [attrs.get("href", ""), ""]

    def handle_endtag(self, tag):
        if tag in VOID or not self._hidden:
            return
        self._hidden.pop()
        if tag == "a" and self._link is not None:
            self.links.append((" ".join(self._link[1].split()), self._link[0]))
            self._link = None

    def handle_data(self, data):
        if any(self._hidden):
            return
        self.words += data.replace("\u00ad", "").split()
        if self._link is not None:
            self._link[1] += data.replace("\u00ad", "")


def visible(html: str) -> tuple[str, list[tuple[str, str]]]:
    parser = _Visible()
    parser.feed(html)
    return " ".join(parser.words), parser.links


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    root = copy_project(tmp_path_factory.mktemp("mailing") / "project")
    build(Project(root), out_dir=root / "out")
    return root / "out"


def test_the_german_press_mailing_speaks_to_journalists(out):
    text, links = visible((out / SEED / "press-email.html").read_text(encoding="utf-8"))
    press_page = f"{SITE}/presse/{SEED}/"
    assert ("Im Browser ansehen", press_page) in links
    assert ("Aus dem Presseverteiler austragen", "%UNSUBSCRIBE_URL%") in links
    assert "Sie erhalten diese Pressemitteilung, weil Sie in unserem Presseverteiler für Journalistinnen und " \
           "Journalisten stehen." in text
    assert "Newsletter" not in text  # no "Sie erhalten diesen Newsletter", no "Newsletter abbestellen"
    assert all(f"{SITE}/{SEED}/" != href for _, href in links)  # never the newsletter's web version
    assert "Pressekontakt" in text and "Über die Service- und Beratungsstelle" in text
    assert (text.count("Impressum"), text.count("Musterstraße 1"), text.count("Vertreten durch")) == (2, 1, 1)


def test_the_german_press_mailing_text_has_the_imprint_once(out):
    text = (out / SEED / "press-email.txt").read_text(encoding="utf-8")
    words = " ".join(text.split())
    assert "Newsletter" not in text and f"{SITE}/{SEED}/ " not in words + " "
    assert "Aus dem Presseverteiler austragen: %UNSUBSCRIBE_URL%" in text
    assert f"Die Pressemitteilung online: {SITE}/presse/{SEED}/" in text
    assert "Sie erhalten diese Pressemitteilung, weil Sie in unserem Presseverteiler" in words
    assert (text.count("IMPRESSUM"), text.count("Musterstraße 1"), text.count("Vertreten durch")) == (1, 1, 1)
    assert text.index("###") < text.index("\n-- \n") < text.index("IMPRESSUM")


def test_the_english_press_mailing_is_english_throughout(out):
    text, links = visible((out / ENGLISH / "press-email.html").read_text(encoding="utf-8"))
    plain = (out / ENGLISH / "press-email.txt").read_text(encoding="utf-8")
    assert ("View in your browser", f"{SITE}/presse/{ENGLISH}/") in links
    assert ("Unsubscribe from the press list", "%UNSUBSCRIBE_URL%") in links
    for words in (text, " ".join(plain.split())):
        assert "You receive this press release because you are on our press list for journalists." in words
        assert "About the Service and Advisory Office" in words
        assert "Represented by: Erika Mustermann, Chair of the Board" in words
        assert "(address as above)" in words and "Germany" in words
        for german in ("Sie erhalten", "Anschrift wie oben", "Vorstand", "Deutschland", "Über "):
            assert german not in words, german


def test_the_press_note_comes_from_the_settings_else_from_the_catalogue(tmp_path):
    root = copy_project(tmp_path / "project")
    settings = root / "content" / "newsroom.yaml"
    text = settings.read_text(encoding="utf-8")
    start, end = text.index("press_note:"), text.index("\nbrand:")
    settings.write_text(text[:start] + "press_note:\n  de: Sie stehen im Verteiler der Pressestelle.\n"
                        "  en: You are on the press office's list.\n" + text[end:], encoding="utf-8")
    build(Project(root), out_dir=root / "custom")
    settings.write_text(text[:start] + text[end:].lstrip("\n"), encoding="utf-8")
    build(Project(root), out_dir=root / "default")
    said = {(folder, slug): visible((root / folder / slug / "press-email.html").read_text(encoding="utf-8"))[0]
            for folder in ("custom", "default") for slug in (SEED, ENGLISH)}
    assert "Sie stehen im Verteiler der Pressestelle." in said["custom", SEED]
    assert "You are on the press office's list." in said["custom", ENGLISH]
    assert "weil Sie in unserem Presseverteiler für Journalistinnen und Journalisten stehen." in said["default", SEED]
    assert "You receive this press release because you are on our press list for journalists." in \
        said["default", ENGLISH]
