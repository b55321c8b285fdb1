"""Embargo (Sperrfrist) rules: local times → aware datetimes, when a report may be public, the SPERRFRIST line.

P4 of EMAIL-QUALITY: before the embargo instant no public surface carries the release, and the press
mailing says "SPERRFRIST: 01.12.2026, 10:00 Uhr" in its subject and first line. Times are kept as aware
datetimes in the publication's time zone; a local time the clocks skip (DST gap) or show twice (DST
fold) is refused unless an offset says which instant is meant. Pure: the clock is always passed in.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

UTC = dt.timezone.utc


class EmbargoProblem(ValueError):
    """A written embargo time that names no single instant; `message` and `hint` follow the Issue format."""

    def __init__(self, message: str, hint: str):
        super().__init__(f"{message} — {hint}")
        self.message = message
        self.hint = hint


def resolve(written: dt.datetime, timezone: str) -> dt.datetime:
    """The embargo as an aware datetime in `timezone`; raise EmbargoProblem for a gap, fold or wrong offset.

    A naive time is read as local time in `timezone`. An explicit offset must be UTC or the zone's own
    offset at that instant: `+02:00` in a Berlin winter would lift the embargo an hour early.
    """
    zone = ZoneInfo(timezone)
    if written.tzinfo is None:
        return _local(written, zone, timezone)
    local = written.astimezone(zone)
    if written.utcoffset() in (dt.timedelta(0), local.utcoffset()):
        return local
    meant = written.replace(tzinfo=None)
    fix = _with_zone_offset(meant, zone)
    if fix is None:  # the wall time is itself in a gap or fold: say so
        return _local(meant, zone, timezone)
    return _raise(f"the offset {_offset(written)} is not the offset of {timezone} on {meant:%Y-%m-%d} "
                  f"({_offset(fix)}), so the embargo would lift at {local:%H:%M} local time",
                  f"write {fix.isoformat()}, or leave the offset out to use {timezone} time")


def _local(naive: dt.datetime, zone: ZoneInfo, timezone: str) -> dt.datetime:
    first, second = naive.replace(tzinfo=zone, fold=0), naive.replace(tzinfo=zone, fold=1)
    when = f"{naive:%Y-%m-%d %H:%M}"
    if first.utcoffset() == second.utcoffset():
        return first
    start, end = _transition(first, second, zone)
    if first.utcoffset() < second.utcoffset():  # clocks jump forward: this wall time never happens
        later = naive.replace(hour=end.hour, minute=end.minute, second=0)
        return _raise(f"{when} does not exist in {timezone}",
                      f"the clocks jump from {start:%H:%M} to {end:%H:%M} that night; choose another time, "
                      f"e.g. {later.replace(tzinfo=zone).isoformat()}")
    return _raise(f"{when} happens twice in {timezone}",
                  f"the clocks go back from {start:%H:%M} to {end:%H:%M} that night; add the offset: "
                  f"{first.isoformat()} (the first) or {second.isoformat()} (the second)")


def _transition(first: dt.datetime, second: dt.datetime, zone: ZoneInfo) -> tuple[dt.time, dt.time]:
    """Wall-clock times just before and just after the change around `first` (minute steps, ≤ 3 h)."""
    low, high = sorted((first.astimezone(UTC), second.astimezone(UTC)))
    before = low.astimezone(zone).utcoffset()
    moment = low
    while moment < high and (moment + dt.timedelta(minutes=1)).astimezone(zone).utcoffset() == before:
        moment += dt.timedelta(minutes=1)
    change = moment + dt.timedelta(minutes=1)
    return (change + before).time(), change.astimezone(zone).time()


def _with_zone_offset(naive: dt.datetime, zone: ZoneInfo) -> dt.datetime | None:
    first, second = naive.replace(tzinfo=zone, fold=0), naive.replace(tzinfo=zone, fold=1)
    return first if first.utcoffset() == second.utcoffset() else None


def _offset(value: dt.datetime) -> str:
    return value.isoformat()[-6:]


def _raise(message: str, hint: str):
    raise EmbargoProblem(message, hint)


def embargo_of(item) -> dt.datetime | None:
    """The embargo of a Report, or of a manifest dict (ISO text under "embargo"), or None."""
    if isinstance(item, dict):
        value = item.get("embargo")
        return dt.datetime.fromisoformat(value) if value else None
    press = getattr(item, "press", None)
    return press.embargo if press is not None else None


def is_public(item, now: dt.datetime) -> bool:
    """True when `item` (Report or manifest) has no embargo or `now` has reached it; `now` must be aware."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    embargo = embargo_of(item)
    # Compared in UTC: Python's == between zones is False for any time in a DST fold (PEP 495).
    return embargo is None or now.astimezone(UTC) >= embargo.astimezone(UTC)


def published_at(embargo: dt.datetime | None, release_date: dt.date, timezone: str,
                 published: dt.datetime | None = None) -> dt.datetime:
    """The publication instant (`datePublished`, P1; the feed and the sitemap), in `timezone`.

    An embargoed release is first published when its embargo lifts; one without embargo at `published`
    (the report's `press.published`: when it was sent to the press list or put online); when neither is
    known, at the start of the release day, which is all the report says.
    """
    if embargo is not None:
        return embargo.astimezone(ZoneInfo(timezone))
    if published is not None:
        return published.astimezone(ZoneInfo(timezone))
    return dt.datetime.combine(release_date, dt.time(0), tzinfo=ZoneInfo(timezone))


def sperrfrist_line(embargo: dt.datetime, timezone: str, language: str, gettext) -> str:
    """'SPERRFRIST: 01.12.2026, 10:00 Uhr' (de) / 'EMBARGOED UNTIL: 1 December 2026, 10:00 CET' (en)."""
    from babel.dates import format_date

    local = embargo.astimezone(ZoneInfo(timezone))
    pattern = "dd.MM.y" if language == "de" else "d MMMM y"
    return gettext("EMBARGOED UNTIL: {date}, {time} {zone}").format(
        date=format_date(local.date(), pattern, locale=language), time=f"{local:%H:%M}", zone=local.tzname())
