"""`greeting:` and `utm:` in newsroom.yaml and `greeting:` in a report: read, or refused with file:line:column."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.config import load_settings
from pipeline.content import load_content
from pipeline.errors import ContentError
from pipeline.model import validate
from pipeline.render.links import Utm
from pipeline.render.personalize import Greeting

SAMPLE = Path(__file__).resolve().parents[2] / "content"
SEED = "2021-11-29-industriestandort-berlin-brandenburg"

GREETING = """greeting:
  named:
    de: "Guten Tag {first_name},"
    en: "Hello {first_name},"
  fallback:
    de: "Guten Tag,"
    en: "Hello,"
"""
UTM = """utm:
  source: newsletter
  campaign: "{date}-{slug}"
"""


def settings_with(tmp_path: Path, extra: str):
    root = tmp_path / "content"
    shutil.copytree(SAMPLE / "images", root / "images")
    text = (SAMPLE / "newsroom.yaml").read_text(encoding="utf-8") + extra
    (root / "newsroom.yaml").write_text(text, encoding="utf-8")
    return root, len(text.splitlines()) - len(extra.splitlines())  # the line before `extra`


def problems(root: Path) -> list[str]:
    with pytest.raises(ContentError) as info:
        load_settings(root)
    return [str(issue).removeprefix(str(root / "newsroom.yaml")) for issue in sorted(info.value.issues)]


def test_both_are_off_unless_configured(content_root):
    settings = load_settings(content_root)
    assert (settings.greeting, settings.utm) == (None, None)


def test_greeting_and_utm_are_read_with_the_site_host_as_default_domain(tmp_path):
    root, _ = settings_with(tmp_path, GREETING + UTM)
    settings = load_settings(root)
    german = settings.in_language("de").greeting
    assert (german.named, german.fallback) == ("Guten Tag {first_name},", "Guten Tag,")
    assert settings.utm == Utm(source="newsletter", medium="email", campaign="{date}-{slug}",
                               domains=("newsroom.example.org",))


def test_utm_domains_are_kept_in_their_punycode_form(tmp_path):
    root, _ = settings_with(tmp_path, UTM + "  domains:\n    - Bücher.example\n    - www.example.org\n")
    assert load_settings(root).utm.domains == ("xn--bcher-kva.example", "www.example.org")


def test_greeting_problems_are_located(tmp_path):
    root, before = settings_with(tmp_path, 'greeting:\n  named:\n    de: "Guten Tag {name},"\n    en: "Hi!"\n')
    assert problems(root) == [  # a missing field is located where its group starts
        f":{before + 2}:3: greeting.fallback: 'fallback' is required but missing — the salutation for subscribers "
        "without a name; per language: de: Guten Tag, en: Hello,",
        f":{before + 3}:9: greeting.named.de: has the unknown placeholder '{{name}}' — write {{first_name}} where "
        "the subscriber's first name goes (the only placeholder)",
        f":{before + 4}:9: greeting.named.en: has {{first_name}} 0 times, it needs it once — write {{first_name}} "
        "once where the first name goes, e.g. Guten Tag {first_name},",
    ]


def test_a_greeting_needs_every_language_a_report_is_written_in(tmp_path):
    root, before = settings_with(tmp_path, 'greeting:\n  named: {en: "Hello {first_name},"}\n  fallback: "Hallo,"\n')
    assert problems(root) == [
        f":{before + 2}:3: greeting.named: has no German text (de), but the publication language is German "
        "(language: de) — write it per language: under 'named:' put en: …, de: …",
    ]


def test_utm_problems_are_located(tmp_path):
    extra = 'utm:\n  source: "news letter"\n  medium: e-mail\n  campaign: "{slug}-{titel}"\n' \
            '  domains:\n    - https://newsroom.example.org\n'
    root, before = settings_with(tmp_path, extra)
    assert problems(root) == [
        f":{before + 2}:11: utm.source: 'news letter' cannot go into a link as it is — use up to 100 letters, digits, "
        "'-', '_', '.' and '~', without spaces, e.g. newsletter",
        f":{before + 4}:13: utm.campaign: has the unknown placeholder '{{titel}}' — use {{slug}}, {{channel}}, "
        "{date}, e.g. {date}-{slug}",
        f":{before + 6}:7: utm.domains[0]: 'https://newsroom.example.org' is not a host name — write the host alone, "
        "e.g. newsroom.example.org",
    ]


def report_with(tmp_path: Path, extra: str):
    path = tmp_path / f"{SEED}.yaml"
    path.write_text((SAMPLE / "reports" / f"{SEED}.yaml").read_text(encoding="utf-8") + extra, encoding="utf-8")
    return load_content(path), path


@pytest.mark.parametrize("extra, expected", [
    ("", None),
    ("greeting: false\n", False),
    ('greeting:\n  named: "Liebe {first_name},"\n  fallback: "Liebe Mitglieder,"\n',
     Greeting("Liebe {first_name},", "Liebe Mitglieder,")),
])
def test_a_report_may_turn_the_greeting_off_or_write_its_own(tmp_path, extra, expected):
    source, _ = report_with(tmp_path, extra)
    assert validate(source, SAMPLE, "Europe/Berlin").greeting == expected


def test_a_report_greeting_of_true_or_with_a_bad_text_is_refused(tmp_path):
    source, path = report_with(tmp_path, "greeting: true\n")
    with pytest.raises(ContentError) as info:
        validate(source, SAMPLE, "Europe/Berlin")
    assert [issue.message for issue in info.value.issues] == [
        "expected false or a group of fields, found 'true' (yes/no/true/false are read as true or false; quote it "
        "to keep the text)"]
    source, path = report_with(tmp_path, 'greeting:\n  named: "Hallo *|FNAME|*"\n  fallback: "Hallo,"\n')
    with pytest.raises(ContentError) as info:
        validate(source, SAMPLE, "Europe/Berlin")
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert [str(issue).removeprefix(str(path)) for issue in info.value.issues] == [
        f":{lines - 1}:10: greeting.named: has {{first_name}} 0 times, it needs it once — write {{first_name}} once "
        "where the first name goes, e.g. Guten Tag {first_name},"]
