"""Template contract (STYLE §2.9): every email renders imprint and unsubscribe, text parts match the HTML."""

import re
from html.parser import HTMLParser

import pytest

from pipeline.render import UNSUBSCRIBE_TOKEN


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs, self.h1, self.imgs = [], 0, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])
        if tag == "h1":
            self.h1 += 1
        if tag == "img":
            self.imgs.append(attrs)


def _parse(html):
    parser = _Links()
    parser.feed(html)
    return parser


def test_every_sample_report_renders(renditions):
    assert set(renditions) == {"2021-11-29-industriestandort-berlin-brandenburg",
                               "2022-03-15-hydrogen-valley-workshop", "2023-06-01-kurzmeldung"}


@pytest.mark.parametrize("part", ["email_html", "press_email_html"])
def test_emails_carry_unsubscribe_and_imprint(renditions, sample, part):
    settings, _ = sample
    for report, rendition in renditions.values():
        html = getattr(rendition, part)
        imprint = settings.in_language(rendition.language).imprint
        assert f'href="{UNSUBSCRIBE_TOKEN}"' in html, report.slug
        assert imprint.street in html and imprint.representative in html, report.slug
        # the newsletter links its web version, the press mailing the press page
        assert f'href="{rendition.web_url if part == "email_html" else rendition.press_url}"' in html, report.slug


def test_text_parts_carry_unsubscribe_and_imprint(renditions, sample):
    settings, _ = sample
    for _report, rendition in renditions.values():
        for text, url in ((rendition.email_text, rendition.web_url), (rendition.press_email_text, rendition.press_url)):
            assert UNSUBSCRIBE_TOKEN in text
            assert settings.imprint.street in text
            assert url in text


def test_text_part_has_every_link_of_the_html(renditions):
    """E17: the plain-text part carries the same content links as the HTML part."""
    for report, rendition in renditions.values():
        html_links = {h.removeprefix("mailto:") for h in _parse(rendition.email_html).hrefs}
        missing = sorted(link for link in html_links if link not in rendition.email_text)
        assert missing == [], report.slug


def test_text_part_lines_are_short_and_free_of_markup(renditions):
    for report, rendition in renditions.values():
        for line in rendition.email_text.splitlines() + rendition.press_text.splitlines():
            assert len(line) <= 78 or "https://" in line or "%UNSUBSCRIBE_URL%" in line, line
        assert not re.search(r"<[a-z/][^>]*>|&[a-z]+;|&#\d+;", rendition.email_text), report.slug
        assert "**" not in rendition.email_text


def test_exactly_one_h1_and_alt_on_every_image(renditions):
    for report, rendition in renditions.values():
        for html in (rendition.email_html, rendition.press_html, rendition.press_email_html):
            parsed = _parse(html)
            assert parsed.h1 == 1, report.slug
            assert all("alt" in img for img in parsed.imgs), report.slug


def test_language_and_preview_are_set(renditions):
    for report, rendition in renditions.values():
        lang = report.language or "de"
        assert f'<html lang="{lang}" dir="ltr"' in rendition.email_html
        assert f'<html lang="{lang}" dir="ltr"' in rendition.press_html
        assert rendition.preheader in rendition.email_html
        assert 40 <= len(rendition.preheader) <= 140


def test_email_links_are_https_or_mailto(renditions):
    for _report, rendition in renditions.values():
        for href in _parse(rendition.email_html).hrefs:
            assert href.startswith(("https://", "mailto:")) or href == UNSUBSCRIBE_TOKEN, href


def test_german_and_english_labels_and_dates(renditions):
    seed = renditions["2021-11-29-industriestandort-berlin-brandenburg"][1]
    english = renditions["2022-03-15-hydrogen-valley-workshop"][1]
    assert "29. November 2021" in seed.email_text and "Impressum" in seed.email_text
    assert "15–16 March 2022 · " in english.email_text and "Imprint" in english.email_text
    assert "Berlin, 29. November 2021 – " in seed.press_text


def test_minimal_report_leaves_out_empty_sections(renditions):
    minimal = renditions["2023-06-01-kurzmeldung"][1]
    for label in ("Auf dem Podium", "Workshops", "Ergebnisse", "Weiterführende Links"):
        assert f"<h2>{label}</h2>" not in minimal.email_html
        assert f"\n{label.upper()}\n" not in minimal.email_text


def test_press_text_stays_clean_for_journalists(renditions):
    """press.txt is the release to copy from: no unsubscribe token; the press mailing's text part has it.

    Both carry the same release up to its end mark; then press.txt a short imprint, the mailing its footer.
    """
    for _report, rendition in renditions.values():
        assert UNSUBSCRIBE_TOKEN not in rendition.press_text
        assert rendition.press_email_text.split("\n###\n")[0] == rendition.press_text.split("\n###\n")[0]
