"""`newsroom report`: every campaign the send ledger knows → its provider's delivery figures.

`collect` reads the ledger once, opens one adapter per target and asks each campaign's
provider (`Provider.delivery`, GETs retried like every idempotent call), ASK_AT_ONCE campaigns at a time.
A provider that fails is named with the campaign in that row's `error`; the other rows still come. `lines`
is the aligned table for people, `as_json`/`as_csv` the machine forms (field names: `delivery.FIELDS`), and
`render/delivery_page.py` the HTML page. The list-health rule (`delivery.health_problems`) marks the last
sent campaign to each list of a target, as `send` pre-flight judges it (`preflight.list_health`).

The ledger is written once at most, and only with a fact the provider decided: the winning subject of an
A/B test the provider names and the ledger does not have yet (`remember_winners`). A provider error, or a
report with nothing new, leaves the ledger file as it was.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import unicodedata
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.delivery import FIELDS, DeliveryStats, Variant, as_record, csv_value, health_problems, last_sent
from pipeline.errors import ConfigError, PipelineError, PublishError
from pipeline.ledger import LEDGER_FILE, Ledger, SendRecord
from pipeline.settle import STATE_DIR, slug_of
from pipeline.site import ALL_REPORTS


#: Campaigns asked about at once per provider: GETs only, well under Mailchimp's 10 connections per key.
ASK_AT_ONCE = 4


@dataclass(frozen=True)
class Row:
    """One campaign of the ledger with what its provider said (or why it said nothing)."""

    id: int
    slug: str
    channel: str
    target: str
    provider: str
    list_id: str
    ref: str
    campaign: str
    ledger_state: str
    stats: DeliveryStats | None = None
    error: str | None = None
    health: tuple[str, ...] = ()


@dataclass(frozen=True)
class Result:
    """What `newsroom report` found, and where its page is."""

    rows: list[Row]
    page: Path | None


def report(project, slug: str | None, *, target: str | None, channel: str | None, secret_for: Callable,
           now: dt.datetime, client=None) -> Result:
    """Ask the providers about the ledger's campaigns (of one report, or all) and write out/reports/<name>.html."""
    from pipeline.config import load_settings
    from pipeline.render.delivery_page import write_page
    from pipeline.settle import target_named

    name = page_slug(slug)
    if target is not None:
        target_named(load_settings(project.content_dir), target)  # an unknown name is a typo: say so
    everything, tests = ledger_rows(project)
    records = [r for r in everything if (not slug or r.slug == slug_of(slug)) and target in (None, r.target)
               and channel in (None, r.channel)]
    rows = collect(project, records, secret_for=secret_for, client=client) if records else []
    remember_winners(project, rows, tests)
    rows = [with_ledger_test(row, tests.get(row.id)) for row in rows]
    lists = {(r.target, r.list_id) for r in everything}
    rows = mark_health(rows, {last.id for last in (last_sent(everything, *key) for key in lists) if last})
    title = f"Delivery report: {slug_of(slug) if slug else 'all reports'}"
    page = write_page(project.out_dir, name, rows, title=title, warnings=warnings(rows), errors=errors(rows), now=now)
    return Result(rows, page)


def ledger_rows(project) -> tuple[list[SendRecord], dict]:
    """The ledger's sends that made a campaign at a provider, oldest first, and their subject A/B tests by send
    id; the ledger is only read."""
    path = project.root / STATE_DIR / LEDGER_FILE
    if not path.is_file():
        return [], {}
    with Ledger.open(path, read_only=True) as ledger:
        records = [record for record in ledger.records() if record.remote_id]
        tests = {record.id: ledger.subject_test(record.id) for record in records}
    return records, {send_id: test for send_id, test in tests.items() if test is not None}


def remember_winners(project, rows: list[Row], tests: dict) -> None:
    """Record in the ledger each A/B winner a provider names that the ledger does not hold yet."""
    new = [row for row in rows
           if row.stats is not None and row.stats.winner and row.id in tests and tests[row.id].winner is None
           and row.stats.winner in tests[row.id].subjects]
    if not new:
        return
    with Ledger.open(project.root / STATE_DIR / LEDGER_FILE, create=False) as ledger:
        records = {record.id: record for record in ledger.records()}
        for row in new:
            tests[row.id] = ledger.record_winner(records[row.id], row.stats.winner)


def with_ledger_test(row: Row, test) -> Row:
    """A row whose provider names no variants or winner gets the ones the ledger recorded for the send."""
    if row.stats is None or test is None:
        return row
    variants = row.stats.variants or tuple(Variant(subject) for subject in test.subjects)
    return replace(row, stats=replace(row.stats, variants=variants, winner=row.stats.winner or test.winner))


def collect(project, records: list[SendRecord], *, secret_for: Callable, client=None) -> list[Row]:
    """Ask each record's provider for its figures; one adapter (one HTTP session) per target."""
    from pipeline.config import load_settings
    from pipeline.providers import ApiClient, open_provider

    settings = load_settings(project.content_dir)
    rows: list[Row] = []
    for name in dict.fromkeys(r.target for r in records):
        group = [_row(r) for r in records if r.target == name]
        target = settings.targets.get(name)
        if target is None:
            rows += [replace(row, error=f"target '{name}' is no longer in content/newsroom.yaml — add it again to "
                                        "read this campaign") for row in group]
            continue
        try:
            secret = secret_for(target.provider)  # None for the outbox, which needs none
            provider = open_provider(target, secret, state_dir=project.root / STATE_DIR,
                                     unsubscribe_url=settings.unsubscribe_url, client=client or ApiClient)
        except PipelineError as err:
            rows += [replace(row, error=f"{row.provider}, campaign {row.campaign}: {err}") for row in group]
            continue
        with provider, ThreadPoolExecutor(max_workers=min(ASK_AT_ONCE, len(group))) as pool:
            rows += pool.map(_ask, [provider] * len(group), group)
    return sorted(rows, key=lambda row: row.id)


def _row(record: SendRecord) -> Row:
    return Row(record.id, record.slug, record.channel, record.target, record.provider, record.list_id, record.ref,
               record.remote_id or "", record.state.value)


def _ask(provider, row: Row) -> Row:
    try:
        return replace(row, stats=provider.delivery(row.campaign))
    except PipelineError as err:
        return replace(row, error=f"{row.provider}, campaign {row.campaign} ({row.slug}): {err}")


def mark_health(rows: list[Row], last_ids: set[int]) -> list[Row]:
    """Rows whose ledger id is in `last_ids` (the last sent campaign to each list, `delivery.last_sent`: what
    `send` judges) get their list-health problems."""
    return [replace(row, health=tuple(health_problems(row.stats))) if row.id in last_ids and row.stats else row
            for row in rows]


def warnings(rows: list[Row]) -> list[str]:
    """One line per unhealthy list, naming the campaign, the figures and what `send` will do."""
    return [f"warning: list {row.list_id} at target '{row.target}' — its last campaign {row.campaign} "
            f"({row.slug}) had {'; '.join(row.health)}: clean the list; `newsroom send` to it refuses until then "
            "(--force-list-health overrides)" for row in rows if row.health]


def errors(rows: list[Row]) -> list[str]:
    return [f"error: {row.error}" for row in rows if row.error]


def raise_for_errors(rows: list[Row]) -> None:
    """Exit 3 when a provider could not be read (each row names provider and campaign); nothing was changed."""
    failed = [row for row in rows if row.error]
    if failed:
        raise PublishError(f"{len(failed)} of {len(rows)} campaign(s) could not be read from their provider (see "
                           "above); the send ledger is unchanged — fix the cause and run `newsroom report` again")


# -- output ----------------------------------------------------------------------------------

COLUMNS = (("report", "report"), ("channel", "channel"), ("target", "target"), ("campaign", "campaign"),
           ("state", "state"), ("list", "list"), ("when", "scheduled/sent"), ("recipients", "recipients"),
           ("delivered", "delivered"), ("hard_bounces", "hard"), ("soft_bounces", "soft"),
           ("unsubscribes", "unsub"), ("complaints", "complaints"), ("opens", "opens"), ("clicks", "clicks"))
_VARIANT_FIGURES = (("recipients", "recipients"), ("bounces", "bounces"), ("unsubscribes", "unsubscribes"),
                    ("complaints", "complaints"), ("opens", "opens"), ("clicks", "clicks"))
_NUMERIC = {"recipients", "delivered", "hard_bounces", "soft_bounces", "unsubscribes", "complaints", "opens", "clicks"}


def cells(row: Row) -> dict[str, str]:
    """A row's table cells as people read them ("unknown", "not tracked")."""
    stats = row.stats
    base = {"report": row.slug, "channel": row.channel, "target": row.target, "campaign": row.campaign}
    if stats is None:
        return {**base, "state": "error" if row.error else "unknown", "list": row.list_id,
                **{key: "unknown" for key in ("when", *_NUMERIC)}}
    listed = stats.list_id or row.list_id
    when = (stats.sent_at and f"sent {stats.sent_at}") or (stats.scheduled_at and f"for {stats.scheduled_at}")
    return {**base, "state": stats.state, "list": f"{listed} ({stats.list_name})" if stats.list_name else listed,
            "when": when or "unknown", **{key: stats.shown(key) for key in _NUMERIC}}


def lines(rows: list[Row]) -> list[str]:
    """The aligned table, then A/B variants, list-health warnings and errors."""
    if not rows:
        return ["no campaigns in the send ledger yet — `newsroom send` records them"]
    table = [cells(row) for row in rows]
    widths = {key: max(len(head), *(len(cell[key]) for cell in table)) for key, head in COLUMNS}

    def line(values: dict[str, str]) -> str:
        return "  ".join(values[key].rjust(widths[key]) if key in _NUMERIC else values[key].ljust(widths[key])
                         for key, _ in COLUMNS).rstrip()

    out = [line({key: head for key, head in COLUMNS})] + [line(cell) for cell in table]
    for row in rows:
        for variant in row.stats.variants if row.stats else ():
            won = " (winner)" if row.stats.winner == variant.subject else ""
            figures = ", ".join(f"{label} {row.stats.variant_shown(variant, key)}" for key, label in _VARIANT_FIGURES)
            out.append(f"  {row.campaign} variant{won}: {variant.subject!r} — {figures}")
        if row.stats and row.stats.variants and row.stats.winner is None:
            out.append(f"  {row.campaign} winner: unknown")
    return [printable(line) for line in out + warnings(rows) + errors(rows)]


def printable(line: str) -> str:
    """A line with every control or format character (escape sequences, bidi overrides a provider's text might
    carry) shown as U+FFFD, so what a provider says cannot steer the terminal."""
    return "".join("\ufffd" if unicodedata.category(char) in ("Cc", "Cf") else char for char in line)


def as_json(rows: list[Row]) -> str:
    """`--json`: a list of objects with the FIELDS names; unknown is null."""
    return json.dumps([as_record(row) for row in rows], ensure_ascii=False, indent=2)


def as_csv(rows: list[Row]) -> str:
    """`--csv`: a header of FIELDS, one line per campaign; unknown is an empty cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(FIELDS)
    for row in rows:
        record = as_record(row)
        writer.writerow([csv_value(record[name]) for name in FIELDS])
    return buffer.getvalue()


def page_slug(slug: str | None) -> str:
    """out/reports/<name>.html: the report's slug, or `all` for every report."""
    name = slug_of(slug) if slug else ALL_REPORTS
    if not name or name.startswith(".") or "/" in name:
        raise ConfigError(f"'{slug}' is not a report name — give the file name of a report, like 2021-11-29-title")
    return name
