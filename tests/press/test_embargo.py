"""Embargo rules (P4): local times in the publication's zone, DST gaps and folds, the public/not-public switch."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pipeline.content import parse_yaml
from pipeline.embargo import EmbargoProblem, is_public, published_at, resolve, sperrfrist_line
from pipeline.errors import ContentError
from pipeline.model import validate
from pipeline.render.i18n import translator

BERLIN = ZoneInfo("Europe/Berlin")
MINIMAL = Path(__file__).resolve().parents[1] / "data" / "valid" / "minimal.yaml"
WRITTEN = "  embargo: 2021-11-30T10:00:00+01:00"


def problem(text: str) -> tuple[str, str]:
    with pytest.raises(EmbargoProblem) as info:
        resolve(dt.datetime.fromisoformat(text), "Europe/Berlin")
    return info.value.message, info.value.hint


def test_a_local_time_without_offset_is_read_in_the_publication_zone():
    assert resolve(dt.datetime(2026, 12, 1, 10), "Europe/Berlin").isoformat() == "2026-12-01T10:00:00+01:00"
    assert resolve(dt.datetime(2026, 7, 1, 10), "Europe/Berlin").isoformat() == "2026-07-01T10:00:00+02:00"


def test_an_offset_of_the_zone_or_utc_is_kept_as_the_same_instant_in_the_zone():
    assert resolve(dt.datetime.fromisoformat("2026-12-01T10:00:00+01:00"), "Europe/Berlin").isoformat() == \
        "2026-12-01T10:00:00+01:00"
    assert resolve(dt.datetime.fromisoformat("2026-12-01T09:00:00+00:00"), "Europe/Berlin").isoformat() == \
        "2026-12-01T10:00:00+01:00"


def test_a_time_in_the_spring_gap_does_not_exist():
    assert problem("2025-03-30T02:30:00") == (
        "2025-03-30 02:30 does not exist in Europe/Berlin",
        "the clocks jump from 02:00 to 03:00 that night; choose another time, e.g. 2025-03-30T03:00:00+02:00")


def test_a_time_in_the_autumn_fold_needs_an_offset():
    assert problem("2025-10-26T02:30:00") == (
        "2025-10-26 02:30 happens twice in Europe/Berlin",
        "the clocks go back from 03:00 to 02:00 that night; add the offset: 2025-10-26T02:30:00+02:00 (the first)"
        " or 2025-10-26T02:30:00+01:00 (the second)")


@pytest.mark.parametrize("text, instant", [
    ("2025-10-26T02:30:00+02:00", dt.datetime(2025, 10, 26, 0, 30, tzinfo=dt.timezone.utc)),
    ("2025-10-26T02:30:00+01:00", dt.datetime(2025, 10, 26, 1, 30, tzinfo=dt.timezone.utc)),
])
def test_an_offset_picks_one_of_the_two_fold_times(text, instant):
    resolved = resolve(dt.datetime.fromisoformat(text), "Europe/Berlin")
    # compared in UTC: == between zones is False for any time in a fold (PEP 495)
    assert (resolved.astimezone(dt.timezone.utc), resolved.isoformat(), resolved.tzinfo) == (instant, text, BERLIN)


def test_a_summer_offset_in_winter_is_refused_because_it_would_lift_early():
    assert problem("2026-12-01T10:00:00+02:00") == (
        "the offset +02:00 is not the offset of Europe/Berlin on 2026-12-01 (+01:00), so the embargo would lift "
        "at 09:00 local time",
        "write 2026-12-01T10:00:00+01:00, or leave the offset out to use Europe/Berlin time")


def test_an_offset_on_a_wall_time_inside_the_gap_is_reported_as_the_gap():
    assert problem("2025-03-30T02:30:00+01:00")[0] == "2025-03-30 02:30 does not exist in Europe/Berlin"


def _issues(embargo_line: str, timezone: str | None = "Europe/Berlin") -> list[str]:
    text = MINIMAL.read_text(encoding="utf-8").replace(WRITTEN, embargo_line)
    with pytest.raises(ContentError) as info:
        validate(parse_yaml(text.encode(), "bericht.yaml"), MINIMAL.parents[2].parent / "content", timezone)
    return [str(issue) for issue in info.value.issues]


def test_validation_reports_gap_and_fold_with_location_and_fix():
    assert _issues("  embargo: 2025-03-30T02:30:00") == [
        "bericht.yaml:23:12: press.embargo: 2025-03-30 02:30 does not exist in Europe/Berlin — the clocks jump from"
        " 02:00 to 03:00 that night; choose another time, e.g. 2025-03-30T03:00:00+02:00"]
    assert _issues("  embargo: 2025-10-26T02:30:00") == [
        "bericht.yaml:23:12: press.embargo: 2025-10-26 02:30 happens twice in Europe/Berlin — the clocks go back"
        " from 03:00 to 02:00 that night; add the offset: 2025-10-26T02:30:00+02:00 (the first) or"
        " 2025-10-26T02:30:00+01:00 (the second)"]


def test_validation_stores_the_embargo_as_an_aware_time_in_the_zone(content_root):
    text = MINIMAL.read_text(encoding="utf-8").replace(WRITTEN, "  embargo: 2026-12-01T10:00:00")
    report = validate(parse_yaml(text.encode(), "bericht.yaml"), content_root, "Europe/Berlin")
    assert report.press.embargo == dt.datetime(2026, 12, 1, 10, tzinfo=BERLIN)
    assert report.press.embargo.isoformat() == "2026-12-01T10:00:00+01:00"


def test_without_a_time_zone_a_naive_embargo_is_still_refused():
    assert _issues("  embargo: 2026-12-01T10:00:00", timezone=None) == [
        "bericht.yaml:23:12: press.embargo: the time has no UTC offset — add the offset, e.g."
        " 2026-12-01T10:00:00+01:00 (winter) or +02:00 (summer)"]


def test_a_lift_time_in_the_fold_is_public_from_exactly_that_instant():
    second = {"embargo": "2025-10-26T02:30:00+01:00"}  # the second 02:30, winter time
    lift = dt.datetime(2025, 10, 26, 1, 30, tzinfo=dt.timezone.utc)
    assert [is_public(second, lift - dt.timedelta(seconds=1)), is_public(second, lift),
            is_public(second, lift.astimezone(BERLIN))] == [False, True, True]


def test_public_exactly_from_the_lift_instant_for_manifests_and_reports(content_root):
    manifest = {"embargo": "2026-12-01T10:00:00+01:00"}
    lift = dt.datetime(2026, 12, 1, 9, tzinfo=dt.timezone.utc)
    assert [is_public(manifest, lift - dt.timedelta(seconds=1)), is_public(manifest, lift)] == [False, True]
    text = MINIMAL.read_text(encoding="utf-8").replace(WRITTEN, "  embargo: 2026-12-01T10:00:00")
    report = validate(parse_yaml(text.encode(), "bericht.yaml"), content_root, "Europe/Berlin")
    assert [is_public(report, lift - dt.timedelta(microseconds=1)), is_public(report, lift)] == [False, True]
    assert is_public({"embargo": None}, lift) is True


def test_a_naive_clock_is_a_programming_error():
    with pytest.raises(ValueError, match="aware"):
        is_public({"embargo": None}, dt.datetime(2026, 1, 1))


def test_published_is_the_lift_time_or_the_start_of_the_release_day():
    lift = dt.datetime(2026, 12, 1, 9, tzinfo=dt.timezone.utc)
    assert published_at(lift, dt.date(2021, 11, 29), "Europe/Berlin").isoformat() == "2026-12-01T10:00:00+01:00"
    assert published_at(None, dt.date(2021, 11, 29), "Europe/Berlin").isoformat() == "2021-11-29T00:00:00+01:00"


def test_the_sperrfrist_line_in_both_languages():
    lift = dt.datetime(2026, 12, 1, 10, tzinfo=BERLIN)
    assert sperrfrist_line(lift, "Europe/Berlin", "de", translator("de")) == "SPERRFRIST: 01.12.2026, 10:00 Uhr"
    assert sperrfrist_line(lift, "Europe/Berlin", "en", translator("en")) == \
        "EMBARGOED UNTIL: 1 December 2026, 10:00 CET"
    summer = dt.datetime(2026, 7, 1, 8, tzinfo=dt.timezone.utc)
    assert sperrfrist_line(summer, "Europe/Berlin", "de", translator("de")) == "SPERRFRIST: 01.07.2026, 10:00 Uhr"
