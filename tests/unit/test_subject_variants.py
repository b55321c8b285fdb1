"""`subject_variants:` in a report and `ab_test:` in newsroom.yaml: what `check` accepts and how it says no."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.config import AbTest, load_settings
from pipeline.content import parse_yaml
from pipeline.errors import ContentError
from pipeline.model import validate

ROOT = Path(__file__).resolve().parents[2]
MINIMAL = (ROOT / "tests" / "data" / "valid" / "minimal.yaml").read_text(encoding="utf-8")
HINT = "a subject line of at most 120 characters, on one line; put it in quotes if it holds ': '"
LIST_HINT = "2 or 3 different subject lines, each on its own line starting with '- '"


def report_with(variants: str):
    text = MINIMAL.replace("status: ready\n", f"status: ready\nsubject_variants:\n{variants}")
    return validate(parse_yaml(text.encode(), "bericht.yaml"), ROOT / "content")


def problems(variants: str) -> list[str]:
    with pytest.raises(ContentError) as info:
        report_with(variants)
    return [str(issue) for issue in info.value.issues]


def test_two_or_three_different_subjects_are_kept_in_order():
    report = report_with('  - Industrie im Dialog\n  - "Berlin-Brandenburg: Zukunft der Industrie"\n  - Drei\n')
    assert report.subject_variants == ("Industrie im Dialog", "Berlin-Brandenburg: Zukunft der Industrie", "Drei")


def test_a_report_without_variants_has_none():
    assert validate(parse_yaml(MINIMAL.encode(), "bericht.yaml"), ROOT / "content").subject_variants == ()


def test_one_subject_is_not_a_test():
    assert problems("  - Nur einer\n") == [
        f"bericht.yaml:4:3: subject_variants: needs at least 2 entries — {LIST_HINT}"]


def test_a_fourth_subject_is_refused_at_its_own_line():
    assert problems("  - Eins\n  - Zwei\n  - Drei\n  - Vier\n") == [
        f"bericht.yaml:7:5: subject_variants[3]: has 4 entries, at most 3 are allowed — {LIST_HINT}"]


def test_equal_subjects_are_refused_at_the_repeated_one_also_when_only_spacing_differs():
    assert problems("  - Industrie im Dialog\n  - Anders\n  - Industrie  im Dialog\n") == [
        "bericht.yaml:6:5: subject_variants[2]: is the same subject as entry 1 — write a different subject line, "
        "or remove this one (at least 2 are needed)"]


def test_each_subject_follows_the_mail_header_rules_of_the_title():
    found = problems('  - "Hallo =?utf-8?q?x=0D=0ABcc:_a@b?="\n  - "Zwei\\u202e"\n')
    assert found == [
        "bericht.yaml:4:5: subject_variants[0]: contains '=?utf-8?q?x=0D=0ABcc:_a@b?=' at character 7, which mail "
        "programs decode as an RFC 2047 encoded word instead of showing it — write it without the '=?' … '?=' pair, "
        "e.g. with a space after '='",
        "bericht.yaml:5:5: subject_variants[1]: contains U+202E RIGHT-TO-LEFT OVERRIDE at character 5, an invisible "
        "bidi control that makes mail programs show the text in another order — delete it (it often comes with "
        "text copied from a web page or a PDF)"]


def test_a_subject_is_as_long_as_a_title_may_be_and_unquoted_colons_are_explained():
    found = problems(f"  - {'x' * 121}\n  - Zukunft: Industrie\n")
    assert found == [f"bericht.yaml:4:5: subject_variants[0]: is 121 characters, at most 120 are allowed — {HINT}",
                     "bericht.yaml:5:5: subject_variants[1]: expected a text, found a group of fields — " + HINT]


# -- ab_test in newsroom.yaml ---------------------------------------------------------------------


def settings_with(tmp_path: Path, block: str):
    root = tmp_path / "content"
    shutil.copytree(ROOT / "content" / "images", root / "images")
    text = (ROOT / "content" / "newsroom.yaml").read_text(encoding="utf-8")
    (root / "newsroom.yaml").write_text(text + block, encoding="utf-8")
    return root


def settings_problems(tmp_path: Path, block: str) -> list[str]:
    root = settings_with(tmp_path, block)
    with pytest.raises(ContentError) as info:
        load_settings(root)
    return [str(issue).split(":", 1)[1] for issue in info.value.issues]  # without the temp path


def test_ab_test_defaults_to_a_manual_winner_among_a_fifth_of_the_list(tmp_path):
    assert load_settings(settings_with(tmp_path, "")).ab_test == AbTest(test_share=20, winner="manual", wait_hours=4)
    root = settings_with(tmp_path / "b", "ab_test:\n  test_share: 100\n  wait_hours: 24\n")
    assert load_settings(root).ab_test == AbTest(test_share=100, winner="manual", wait_hours=24)


def test_a_winner_by_opens_or_clicks_is_refused_because_tracking_is_off(tmp_path):
    found = settings_problems(tmp_path, "ab_test:\n  winner: opens\n")
    assert len(found) == 1
    line = len((ROOT / "content" / "newsroom.yaml").read_text(encoding="utf-8").splitlines()) + 2  # `winner:`
    assert found[0].startswith(f"{line}:11: ")
    assert ": ab_test.winner: winner: opens needs open tracking, and Newsroom creates every campaign with open and " \
           "click tracking off (EMAIL-QUALITY D7" in found[0]
    assert found[0].endswith("— use winner: manual (pick the winner in Mailchimp's web interface), or "
                             "test_share: 100 to split the whole list between the subjects without a winner")
    assert "click tracking" in settings_problems(tmp_path / "c", "ab_test:\n  winner: clicks\n")[0]


@pytest.mark.parametrize(("block", "message"), [
    ("ab_test:\n  test_share: 5\n", "ab_test.test_share: 5 is not a share between 10 and 100 per cent"),
    ("ab_test:\n  test_share: 101\n", "ab_test.test_share: 101 is not a share between 10 and 100 per cent"),
    ("ab_test:\n  wait_hours: 0\n", "ab_test.wait_hours: 0 is not between 1 and 168 hours (Brevo's limit is 7 days)"),
    ("ab_test:\n  winner: revenue\n", "ab_test.winner: 'revenue' is not allowed here"),
    ("ab_test:\n  test_size: 20\n", "ab_test.test_size: unknown field 'test_size' — did you mean 'test_share'?"),
])
def test_ab_test_values_are_checked_with_their_place(tmp_path, block, message):
    (found,) = settings_problems(tmp_path, block)
    assert message in found and found.split(":")[0].isdigit()
