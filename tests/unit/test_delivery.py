"""The delivery report's rules and outputs: list health, send pre-flight's judgement, table, JSON, CSV, HTML."""

import csv
import datetime as dt
import io
import json
import re

import pytest

from pipeline import delivery_report
from pipeline.delivery import FIELDS, DeliveryStats, Variant, health_problems
from pipeline.errors import ProviderUnavailableError
from pipeline.ledger import SendState
from pipeline.preflight import list_health
from pipeline.render.delivery_page import page

NOW = dt.datetime(2026, 12, 2, 18, 0, tzinfo=dt.timezone.utc)


def stats(**changes) -> DeliveryStats:
    values = dict(provider="listmonk", campaign="7", state="sent", provider_status="finished", list_id="3",
                  list_name="Newsletter", sent_at="2026-11-30T09:00:00Z", recipients=1000, hard_bounces=0,
                  soft_bounces=4, complaints=0, opens_tracked=False, clicks_tracked=False)
    return DeliveryStats(**{**values, **changes})


@pytest.mark.parametrize(("hard", "complaints", "expected"), [
    (20, 1, []),  # exactly 2 % and 0.1 %: not over
    (21, 0, ["hard bounces 21 of 1,000 recipients (2.10 %, over 2 %)"]),
    (0, 2, ["spam complaints 2 of 1,000 recipients (0.20 %, over 0.10 %)"]),
])
def test_list_health_limits_are_2_percent_hard_bounces_and_0_1_percent_complaints(hard, complaints, expected):
    assert health_problems(stats(hard_bounces=hard, complaints=complaints)) == expected


def test_unknown_figures_are_never_judged():
    assert health_problems(stats(hard_bounces=None, complaints=None, recipients=None)) == []


class Record:
    def __init__(self, id, ref, remote_id, state=SendState.SENT, target="lm", list_id="3", slug="a"):
        self.id, self.ref, self.remote_id, self.state = id, ref, remote_id, state
        self.target, self.list_id, self.slug, self.provider = target, list_id, slug, "listmonk"


RECORDS = [Record(1, "r1", "5", slug="older"), Record(2, "r2", "7", slug="last"),
           Record(3, "r3", "9", target="other"), Record(4, "r4", "11", list_id="4"),
           Record(5, "r5", "13", state=SendState.DRAFTED)]


def check(read, force=False):
    return list_health(RECORDS, target_name="lm", list_id="3", ref="new", read=read, force=force)


def test_preflight_judges_the_last_sent_campaign_to_the_same_target_and_list():
    asked = []
    problems, notes = check(lambda remote_id: asked.append(remote_id) or stats(hard_bounces=30))
    assert asked == ["7"] and notes == []
    assert problems == ["list health: the last campaign to list 3 (campaign 7 at listmonk, report last) had hard "
                        "bounces 30 of 1,000 recipients (3 %, over 2 %) — limits: hard bounces 2 %, spam complaints "
                        "0.10 % of recipients (README, Delivery report). Remove the bounced and complaining addresses "
                        "from the list at the provider, then send; or send anyway with --force-list-health"]


def test_force_turns_the_refusal_into_a_note():
    problems, notes = check(lambda remote_id: stats(complaints=5), force=True)
    assert problems == [] and notes[0].endswith("had spam complaints 5 of 1,000 recipients (0.50 %, over 0.10 %) — "
                                                "sending anyway (--force-list-health)")


def test_a_provider_that_cannot_be_asked_or_cannot_tell_is_said_and_never_refuses():
    def failing(remote_id):
        raise ProviderUnavailableError("listmonk GET /campaigns/7: no answer (connection refused)")

    problems, notes = check(failing)
    assert problems == [] and notes[0].startswith("list health not checked: listmonk could not tell the figures of "
                                                  "the last campaign to list 3 (campaign 7")
    problems, notes = check(lambda remote_id: stats(hard_bounces=None))
    assert problems == [] and "does not (yet) tell the hard bounces of the last campaign" in notes[0]
    problems, notes = check(lambda remote_id: stats(recipients=0))
    assert problems == [] and "does not (yet) tell the recipients of the last campaign" in notes[0]


def test_no_earlier_campaign_to_the_list_means_nothing_to_check():
    assert list_health(RECORDS, target_name="lm", list_id="99", ref="new", read=None, force=False) == ([], [])


def row(id=1, **changes):
    return delivery_report.Row(id, "2021-11-29-bericht", "newsletter", "lm", "listmonk", "3", f"ref-{id}", str(id),
                               "sent", stats(campaign=str(id), **changes))


def test_the_table_is_aligned_and_says_not_tracked_and_unknown():
    lines = delivery_report.lines([row(1), row(22, recipients=None, provider_status="running")])
    header, first, second = lines
    assert header.split() == ["report", "channel", "target", "campaign", "state", "list", "scheduled/sent",
                              "recipients", "delivered", "hard", "soft", "unsub", "complaints", "opens", "clicks"]
    assert len({line.index("newsletter") for line in lines[1:]}) == 1  # columns line up
    assert first.split()[-10:] == ["1,000", "unknown", "0", "4", "unknown", "0", "not", "tracked", "not", "tracked"]
    assert header.index("recipients") + len("recipients") == first.index("1,000") + len("1,000")  # numbers right
    assert second.split()[-10] == "unknown"


def test_provider_text_cannot_steer_the_terminal():
    line = delivery_report.lines([row(1, list_name="News\x1b[2Jletter\u202e")])[1]
    assert "\x1b" not in line and "\u202e" not in line and "(News\ufffd[2Jletter\ufffd)" in line


def test_variants_and_winner_are_listed_under_the_table():
    lines = delivery_report.lines([row(1, variants=(Variant("A", bounces=2), Variant("B")), winner="B")])
    assert lines[2:] == ["  1 variant: 'A' — recipients unknown, bounces 2, unsubscribes unknown, complaints unknown, "
                         "opens not tracked, clicks not tracked",
                         "  1 variant (winner): 'B' — recipients unknown, bounces unknown, unsubscribes unknown, "
                         "complaints unknown, opens not tracked, clicks not tracked"]


def test_json_and_csv_use_the_documented_fields_and_null_for_unknown():
    rows = delivery_report.mark_health([row(1, hard_bounces=50)], {1})
    records = json.loads(delivery_report.as_json(rows))
    assert list(records[0]) == list(FIELDS)
    assert (records[0]["delivered"], records[0]["opens"], records[0]["opens_tracked"]) == (None, None, False)
    assert records[0]["list_health"] == ["hard bounces 50 of 1,000 recipients (5 %, over 2 %)"]
    table = list(csv.DictReader(io.StringIO(delivery_report.as_csv(rows))))
    assert (table[0]["hard_bounces"], table[0]["delivered"], table[0]["opens_tracked"]) == ("50", "", "false")


def test_a_provider_text_a_spreadsheet_would_run_is_defused_in_the_csv():
    rows = [row(1, list_name='=HYPERLINK("https://evil.example","x")', provider_status="@SUM(1)", hard_bounces=3)]
    table = list(csv.DictReader(io.StringIO(delivery_report.as_csv(rows))))
    assert table[0]["list_name"] == "'=HYPERLINK(\"https://evil.example\",\"x\")"
    assert (table[0]["provider_status"], table[0]["hard_bounces"]) == ("'@SUM(1)", "3")


def test_the_page_escapes_provider_text_and_draws_an_accessible_chart_without_scripts():
    hostile = '<script>alert(1)</script>"&'
    html = page(delivery_report.mark_health([row(1, list_name=hostile, provider_status=hostile,
                                                 variants=(Variant(hostile),))], {1}),
                title="Delivery report: all reports", warnings=[f"warning: {hostile}"], errors=[], now=NOW)
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&amp;" in html
    assert re.search(r'<svg role="img" aria-labelledby="t1 d1"[^>]*>\s*<title id="t1">', html)
    assert '<desc id="d1">hard bounces: 0 (0 %); soft bounces: 4 (0.40 %); unsubscribes: unknown; spam complaints: ' \
           '0 (0 %); opens: not tracked; clicks: not tracked</desc>' in html
    assert "prefers-color-scheme: dark" in html and "default-src 'none'" in html
    assert not re.search(r"(src|href)=", html)  # nothing loaded from anywhere


def test_the_delivery_pages_folder_is_no_report_folder_of_the_build(tmp_path):
    from pipeline.outputs import report_folders

    for name in ("reports", "site", "2021-11-29-bericht"):
        (tmp_path / name).mkdir()
    assert report_folders(tmp_path) == ["2021-11-29-bericht"]
