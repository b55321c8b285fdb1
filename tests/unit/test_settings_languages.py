"""Each language its own words: settings a reader reads are given per language, and none is missing.

`footer_note: {de: …, en: …}`; a plain text is the publication language's. A publication with a report in
a language lacks no text for it: `newsroom check` names the setting, the language and the report.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.build import Project, build, load_reports
from pipeline.config import load_settings
from pipeline.errors import ContentError

ENGLISH = "2022-03-15-hydrogen-valley-workshop"
SEED = "2021-11-29-industriestandort-berlin-brandenburg"
PLAIN_NOTE = ("footer_note: >-\n"
              "  Sie erhalten diesen Newsletter, weil Sie ihn auf newsroom.example.org abonniert und Ihre\n"
              "  Anmeldung bestätigt haben.\n")


def settings_text(root: Path) -> str:
    return (root / "content" / "newsroom.yaml").read_text(encoding="utf-8")


def edit_settings(root: Path, old_start: str, old_end: str, new: str) -> str:
    """Replace the settings text from the line starting `old_start` up to (not including) `old_end`."""
    path = root / "content" / "newsroom.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index(old_start)
    end = text.index(old_end, start)
    text = text[:start] + new + text[end:]
    path.write_text(text, encoding="utf-8")
    return text


def line_of(text: str, start: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if line.startswith(start))


def problems(root: Path) -> list[str]:
    with pytest.raises(ContentError) as info:
        load_reports(Project(root))
    return [str(issue) for issue in info.value.issues]


def test_a_german_only_footer_note_is_refused_for_an_english_report(tmp_project):
    text = edit_settings(tmp_project, "footer_note:", "press_note:", PLAIN_NOTE)
    path = Path("content/newsroom.yaml")
    assert problems(tmp_project) == [
        f"{tmp_project / path}:{line_of(text, 'footer_note:')}:1: footer_note: has no English text (en), but "
        f"content/reports/{ENGLISH}.yaml is written in English — write it per language: under 'footer_note:' "
        "put de: …, en: …"]
    # the CLI says the same and exits 1; nothing is written
    result = subprocess.run([sys.executable, "-m", "pipeline", "build"], cwd=tmp_project, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 1
    assert f"footer_note: has no English text (en), but content/reports/{ENGLISH}.yaml is written in English" \
        in result.stderr + result.stdout
    assert not (tmp_project / "out").exists()


def test_the_build_refuses_it_too_when_the_report_was_built_before(tmp_project):
    build(Project(tmp_project))  # cached, logged: the next build must still ask
    edit_settings(tmp_project, "  responsible:", "  url:", "  responsible: Erika Mustermann (Anschrift wie oben)\n")
    with pytest.raises(ContentError) as info:
        build(Project(tmp_project))
    assert [(issue.field, issue.message) for issue in info.value.issues] == [
        ("imprint.responsible",
         f"has no English text (en), but content/reports/{ENGLISH}.yaml is written in English")]


def test_a_plain_text_serves_a_one_language_publication(tmp_project):
    (tmp_project / "content" / "reports" / f"{ENGLISH}.yaml").unlink()
    edit_settings(tmp_project, "footer_note:", "press_note:", PLAIN_NOTE)
    edit_settings(tmp_project, "  responsible:", "  url:", "  responsible: Erika Mustermann (Anschrift wie oben)\n")
    build(Project(tmp_project))
    text = (tmp_project / "out" / SEED / "email.txt").read_text(encoding="utf-8")
    assert "Sie erhalten diesen Newsletter, weil Sie ihn auf newsroom.example.org" in text
    assert "Verantwortlich für den Inhalt: Erika Mustermann (Anschrift wie oben)" in text


def test_the_publication_language_needs_every_text_and_only_known_languages_are_accepted(tmp_project):
    text = edit_settings(tmp_project, "footer_note:", "press_note:",
                         "footer_note:\n  en: You receive this newsletter because you subscribed.\n"
                         "  fr: Vous recevez cette lettre.\n")
    path = tmp_project / "content" / "newsroom.yaml"
    with pytest.raises(ContentError) as info:
        load_settings(tmp_project / "content")
    assert sorted(str(issue) for issue in info.value.issues) == [
        f"{path}:{line_of(text, 'footer_note:')}:1: footer_note: has no German text (de), but the publication "
        "language is German (language: de) — write it per language: under 'footer_note:' put en: …, de: …",
        f"{path}:{line_of(text, '  fr:')}:3: footer_note.fr: 'fr' is not a language of this publication — write "
        "one text per language under it: de: …, en: …",
    ]


def test_the_english_newsletter_says_everything_in_english(tmp_project):
    build(Project(tmp_project))
    for name in ("email.txt", "email.html"):
        text = " ".join((tmp_project / "out" / ENGLISH / name).read_text(encoding="utf-8").split())
        assert "You receive this newsletter because you subscribed to it on newsroom.example.org" in text
        assert "Responsible for content: Erika Mustermann (address as above)" in text
        for german in ("Sie erhalten", "Anschrift wie oben", "Vorstand", "Deutschland"):
            assert german not in text, (name, german)
    german = " ".join((tmp_project / "out" / SEED / "email.txt").read_text(encoding="utf-8").split())
    assert "Sie erhalten diesen Newsletter" in german and "(Anschrift wie oben)" in german


def test_many_reports_in_a_language_make_one_problem_per_setting(tmp_project):
    reports = tmp_project / "content" / "reports"
    source = (reports / f"{ENGLISH}.yaml").read_text(encoding="utf-8")
    for n in (1, 2):
        (reports / f"2022-03-1{5 + n}-hydrogen-follow-up-{n}.yaml").write_text(source, encoding="utf-8")
    edit_settings(tmp_project, "footer_note:", "press_note:", PLAIN_NOTE)
    assert [p.split(": ", 1)[1] for p in problems(tmp_project)] == [
        f"footer_note: has no English text (en), but content/reports/{ENGLISH}.yaml and 2 more report(s) are "
        "written in English — write it per language: under 'footer_note:' put de: …, en: …"]


def test_an_empty_group_or_an_empty_language_is_named(tmp_project):
    text = edit_settings(tmp_project, "footer_note:", "press_note:", "footer_note: {}\n")
    text = edit_settings(tmp_project, "press_note:", "\nbrand:", "press_note:\n  de:\n  en: You are on our list.\n")
    path = tmp_project / "content" / "newsroom.yaml"
    with pytest.raises(ContentError) as info:
        load_settings(tmp_project / "content")
    assert sorted(str(issue) for issue in info.value.issues) == [
        f"{path}:{line_of(text, 'footer_note:')}:14: footer_note: has no text — write the text, or one per language: "
        "de: …, en: …",
        f"{path}:{line_of(text, '  de:')}:6: press_note.de: the de text is empty — write the text after 'de:'",
    ]
