"""Two languages: gettext catalogues for every fixed text, Babel dates, and CLI messages in German."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from pipeline.render.i18n import LOCALE_DIR, format_date_long, format_date_range, format_date_short, translator

ROOT = Path(__file__).resolve().parents[2]
METHODS = [("pipeline/**.py", "python"), ("templates/**.j2", "jinja2.ext:babel_extract")]
OPTIONS = {"templates/**.j2": {"trim_blocks": "true", "lstrip_blocks": "true"}}


def extracted() -> set[str]:
    """Every msgid passed to _(), gettext() or N_() in pipeline/ and templates/ (what `make messages` collects)."""
    keywords = {**DEFAULT_KEYWORDS, "N_": None}
    return {message[2] for message in extract_from_dir(ROOT, METHODS, OPTIONS, keywords=keywords)}


def catalogue(language: str) -> dict[str, str]:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "newsroom.po").open("rb") as handle:
        po = read_po(handle, locale=language)
    return {m.id: m.string for m in po if m.id and not m.fuzzy}


def test_every_fixed_text_has_a_german_translation_and_none_is_stale():
    german = catalogue("de")
    assert sorted(extracted() - {k for k, v in german.items() if v}) == []  # run `make messages`, then translate
    assert sorted(set(german) - extracted()) == []


def test_the_template_catalogue_is_current():
    with (LOCALE_DIR / "newsroom.pot").open("rb") as handle:
        assert {m.id for m in read_po(handle) if m.id} == extracted()


def test_translator_falls_back_to_english():
    assert [translator("de")("Press release"), translator("en")("Press release"), translator("de")("no such")] == \
        ["Pressemitteilung", "Press release", "no such"]


def test_dates_by_locale():
    day = dt.date(2021, 11, 29)
    assert [format_date_long(day, "de"), format_date_long(day, "en"), format_date_short(day, "de"),
            format_date_short(day, "en")] == ["29. November 2021", "29 November 2021", "29.11.2021", "29/11/2021"]
    assert format_date_long(dt.date(2026, 3, 1), "de") == "1. März 2026"


def test_cli_messages_in_german(tmp_project):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSROOM_")} | {"NEWSROOM_LANGUAGE": "de"}
    result = subprocess.run([sys.executable, "-m", "pipeline", "check"], cwd=tmp_project, capture_output=True,
                            text=True, env=env, timeout=60)
    assert (result.returncode, result.stdout) == (0, "ok: 3 Bericht(e) gültig\n")


@pytest.mark.parametrize(("start", "end", "german", "english"), [
    ((2022, 3, 15), (2022, 3, 16), "15.–16. März 2022", "15–16 March 2022"),
    ((2022, 3, 31), (2022, 4, 1), "31. März – 1. April 2022", "31 March – 1 April 2022"),
    ((2022, 12, 31), (2023, 1, 2), "31. Dezember 2022 – 2. Januar 2023", "31 December 2022 – 2 January 2023"),
    ((2022, 3, 15), (2022, 3, 15), "15. März 2022", "15 March 2022"),
    ((2022, 3, 15), None, "15. März 2022", "15 March 2022"),
])
def test_a_date_range_writes_shared_month_and_year_once(start, end, german, english):
    start, end = dt.date(*start), dt.date(*end) if end else None
    assert [format_date_range(start, end, "de"), format_date_range(start, end, "en")] == [german, english]


def test_the_event_line_of_a_two_day_event(tmp_project):
    """What a reader sees: the English sample runs 15–16 March 2022; in German it reads 15.–16. März 2022."""
    from pipeline.build import Project, build

    build(Project(tmp_project))
    english = (tmp_project / "out" / "2022-03-15-hydrogen-valley-workshop" / "email.txt").read_text(encoding="utf-8")
    assert "15–16 March 2022 · " in english and "15 March 2022 – 16 March 2022" not in english
    report = tmp_project / "content" / "reports" / "2022-03-15-hydrogen-valley-workshop.yaml"
    report.write_text(report.read_text(encoding="utf-8").replace("language: en", "language: de"), encoding="utf-8")
    build(Project(tmp_project))
    german = (tmp_project / "out" / "2022-03-15-hydrogen-valley-workshop" / "email.txt").read_text(encoding="utf-8")
    assert "15.–16. März 2022 · " in german
