"""`newsroom report` and the list-health rule of `send`, as a user runs them: output, exit codes, files.

The outbox needs no account: the sample report is sent there, then reported as table, JSON, CSV and HTML.
The list-health tests use listmonk's path against a scripted server answering in the shape of listmonk's
spec (checked in tests/unit/providers/test_delivery_mapping.py) with chosen numbers; the earlier campaign
to the list is a row of the send ledger, as an earlier `send` would have left it.
"""

import csv
import hashlib
import io
import json
import shutil

import pytest

from pipeline.ledger import Ledger, SendState
from publish_support import SEED, built_project, listmonk_env, run_cli, shared_cert
from scripted_server import Reply, ScriptedServer

OLDER = "2021-10-01-frueherer-bericht"


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def outbox_project(tmp_path):
    project = built_project(tmp_path / "project")
    sent = run_cli(project, "send", SEED, "--target", "production", "--yes")
    assert sent.returncode == 0, sent.stderr
    return project


def test_report_before_any_send_says_so(tmp_path):
    project = built_project(tmp_path / "project")
    result = run_cli(project, "report")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["no campaigns in the send ledger yet — `newsroom send` records them",
                                          "wrote out/reports/all.html"]
    assert not (project / ".newsroom" / "ledger.sqlite3").exists()


def test_report_on_the_outbox_as_table_json_csv_and_page(outbox_project):
    project, ledger = outbox_project, outbox_project / ".newsroom" / "ledger.sqlite3"
    before = digest(ledger)
    table = run_cli(project, "report", SEED)
    assert table.returncode == 0, table.stderr
    header, row, wrote = table.stdout.splitlines()
    assert header.split() == ["report", "channel", "target", "campaign", "state", "list", "scheduled/sent",
                              "recipients", "delivered", "hard", "soft", "unsub", "complaints", "opens", "clicks"]
    assert row.split()[:3] == [SEED, "newsletter", "production"] and row.split()[4:7] == ["sent", "newsletter", "sent"]
    assert row.split()[8:] == ["1", "1", "0", "0", "0", "0", "not", "tracked", "not", "tracked"]
    assert wrote == f"wrote out/reports/{SEED}.html"

    records = json.loads(run_cli(project, "report", SEED, "--json").stdout)
    assert [(r["provider"], r["state"], r["recipients"], r["hard_bounces"], r["opens"], r["opens_tracked"])
            for r in records] == [("outbox", "sent", 1, 0, None, False)]
    rows = list(csv.DictReader(io.StringIO(run_cli(project, "report", "--csv", "--target", "production").stdout)))
    assert [(r["report"], r["complaints"], r["opens"], r["clicks_tracked"]) for r in rows] == [(SEED, "0", "", "false")]
    assert run_cli(project, "report", "--channel", "press", "--json").stdout.strip() == "[]"

    html = (project / "out" / "reports" / f"{SEED}.html").read_text(encoding="utf-8")
    assert '<svg role="img"' in html and "<table>" in html and "not tracked" in html and "<script" not in html
    assert digest(ledger) == before  # report never writes the ledger


def test_an_unknown_target_is_named(outbox_project):
    result = run_cli(outbox_project, "report", "--target", "prodution")
    assert result.returncode == 1 and "unknown target 'prodution'" in result.stderr


@pytest.fixture(scope="module")
def scripted():
    server = ScriptedServer(tls=shared_cert())
    yield server
    server.stop()


@pytest.fixture
def listmonk_project(tmp_path, scripted):
    """A built project whose listmonk targets point at the scripted server; the ledger knows campaign 7 was sent
    to list 4 of target lm-test."""
    scripted.script, scripted.requests[:] = [], []
    project = built_project(tmp_path / "project", scripted.url + "/api")
    with Ledger.open(project / ".newsroom" / "ledger.sqlite3") as ledger:
        record = ledger.plan(ref=f"newsroom-{OLDER}-0123456789ab-to-4", slug=OLDER, revision="0123456789ab" * 5,
                             channel="newsletter", target="lm-test", provider="listmonk", list_id="4")
        record = ledger.transition(record, SendState.DRAFTED, remote_id="7")
        record = ledger.transition(record, SendState.SENDING)
        ledger.transition(record, SendState.SENT)
    return project


def last_campaign(hard: int, sent: int = 100) -> list[Reply]:
    """listmonk's answers about campaign 7: the campaign, then its bounce records (`hard` hard, one soft)."""
    campaign = {"id": 7, "status": "finished", "name": "older", "subject": "Früherer Bericht", "to_send": sent,
                "sent": sent, "views": 0, "clicks": 0, "lists": [{"id": 4, "name": "Team"}],
                "started_at": "2026-11-30T09:00:00Z", "body": "<p>Hallo</p>", "tags": []}
    bounces = [{"id": n, "type": "hard", "source": "api", "email": f"weg{n}@example.org"} for n in range(hard)]
    bounces.append({"id": hard, "type": "soft", "source": "api", "email": "voll@example.org"})
    return [Reply(200, {"data": campaign}), Reply(200, {"data": {"results": bounces, "total": len(bounces)}})]


#: listmonk's answers to a send to list 4 after the list-health read: the list, no campaign found, the draft
#: made (campaign 8), then running.
A_SEND = [Reply(200, {"data": {"id": 4, "name": "Team", "subscriber_count": 5}}),
          Reply(200, {"data": {"results": [], "total": 0}}),
          Reply(200, {"data": {"id": 8, "status": "draft"}}),
          Reply(200, {"data": {"id": 8, "status": "running"}})]


def test_send_refuses_when_the_last_campaign_to_the_list_bounced_too_much(listmonk_project, scripted):
    ledger = listmonk_project / ".newsroom" / "ledger.sqlite3"
    before = digest(ledger)
    scripted.script = last_campaign(hard=3)
    result = run_cli(listmonk_project, "send", SEED, "--target", "lm-test", "--yes",
                     env=listmonk_env(shared_cert()[0]))
    assert result.returncode == 3, result.stderr
    assert result.stderr.splitlines()[:2] == [
        "error: refusing to send, nothing was sent:",
        f"  - list health: the last campaign to list 4 (campaign 7 at listmonk, report {OLDER}) had hard bounces 3 "
        "of 100 recipients (3 %, over 2 %) — limits: hard bounces 2 %, spam complaints 0.10 % of recipients "
        "(README, Delivery report). Remove the bounced and complaining addresses from the list at the provider, "
        "then send; or send anyway with --force-list-health"]
    assert [(method, path) for method, path, _ in scripted.requests] == [
        ("GET", "/api/campaigns/7"), ("GET", "/api/bounces?campaign_id=7&per_page=all")]  # read-only, then stop
    assert digest(ledger) == before


def test_a_dry_run_says_it_would_read_the_last_campaign_first(listmonk_project, scripted):
    result = run_cli(listmonk_project, "send", SEED, "--target", "lm-test", "--dry-run",
                     env=listmonk_env(shared_cert()[0]))
    assert result.returncode == 0, result.stderr
    assert ("list health: first reads campaign 7's figures (the last to list 4; `newsroom report` shows them)"
            in result.stdout.splitlines())
    assert scripted.requests == []


def test_force_list_health_sends_and_says_why(listmonk_project, scripted):
    scripted.script = last_campaign(hard=3) + A_SEND
    result = run_cli(listmonk_project, "send", SEED, "--target", "lm-test", "--yes", "--force-list-health",
                     env=listmonk_env(shared_cert()[0]))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (f"list health: the last campaign to list 4 (campaign 7 at listmonk, report {OLDER}) had hard "
                        "bounces 3 of 100 recipients (3 %, over 2 %) — sending anyway (--force-list-health)")
    assert lines[-1].startswith("sent: campaign 8 at listmonk")


def test_a_healthy_list_is_sent_to_without_a_word(listmonk_project, scripted):
    scripted.script = last_campaign(hard=2) + A_SEND
    result = run_cli(listmonk_project, "send", SEED, "--target", "lm-test", "--yes", env=listmonk_env(shared_cert()[0]))
    assert result.returncode == 0, result.stderr
    assert "list health" not in result.stdout and result.stdout.splitlines()[0].startswith("provider   listmonk")


def test_an_unreachable_provider_is_said_and_does_not_refuse(listmonk_project, scripted):
    scripted.script = [Reply(404, {"message": "Campaign not found."}), *A_SEND]
    result = run_cli(listmonk_project, "send", SEED, "--target", "lm-test", "--yes", env=listmonk_env(shared_cert()[0]))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == (
        "list health not checked: listmonk could not tell the figures of the last campaign to list 4 (campaign 7 at "
        f"listmonk, report {OLDER}) (listmonk GET /campaigns/7: 404 Campaign not found.); sending without this "
        "check — see `newsroom report`")


def test_report_warns_about_the_list(listmonk_project, scripted):
    scripted.script = last_campaign(hard=3)
    result = run_cli(listmonk_project, "report", "--target", "lm-test", env=listmonk_env(shared_cert()[0]))
    assert result.returncode == 0, result.stderr
    header, row, warning, wrote = result.stdout.splitlines()
    assert row.split()[3:7] == ["7", "sent", "4", "(Team)"]
    assert row.split()[-10:] == ["100", "unknown", "3", "1", "unknown", "0", "not", "tracked", "not", "tracked"]
    assert warning == (f"warning: list 4 at target 'lm-test' — its last campaign 7 ({OLDER}) had hard bounces 3 of 100 "
                       "recipients (3 %, over 2 %): clean the list; `newsroom send` to it refuses until then "
                       "(--force-list-health overrides)")
    assert wrote == "wrote out/reports/all.html"


def test_only_the_last_campaign_to_a_list_is_judged(listmonk_project, scripted):
    """A later campaign to the same list (another report) is what `send` judges; the older one gets no warning."""
    with Ledger.open(listmonk_project / ".newsroom" / "ledger.sqlite3") as ledger:
        record = ledger.plan(ref="newsroom-later-0123456789ab-to-4", slug="2021-11-01-spaeter", revision="1" * 64,
                             channel="newsletter", target="lm-test", provider="listmonk", list_id="4")
        record = ledger.transition(record, SendState.DRAFTED, remote_id="9")
        ledger.transition(ledger.transition(record, SendState.SENDING), SendState.SENT)
    scripted.script = last_campaign(hard=3)
    result = run_cli(listmonk_project, "report", OLDER, env=listmonk_env(shared_cert()[0]))
    assert result.returncode == 0, result.stderr
    assert [line.split()[0] for line in result.stdout.splitlines()] == ["report", OLDER, "wrote"]  # no warning
    assert [path for _, path, _ in scripted.requests] == ["/api/campaigns/7", "/api/bounces?campaign_id=7&per_page=all"]


def test_the_subject_test_the_ledger_recorded_is_shown_where_the_provider_names_none(listmonk_project, scripted):
    subjects = ("Industriestandort: was jetzt zählt", "Zukunft der Industrie")
    with Ledger.open(listmonk_project / ".newsroom" / "ledger.sqlite3") as ledger:
        record = ledger.plan(ref="newsroom-ab-0123456789ab-to-3", slug="2021-11-02-ab", revision="2" * 64,
                             channel="newsletter", target="lm-production", provider="listmonk", list_id="3")
        ledger.record_subject_test(record, subjects, test_share=20, winner_criterion="manual", wait_hours=4)
        record = ledger.transition(record, SendState.DRAFTED, remote_id="9")
        record = ledger.transition(ledger.transition(record, SendState.SENDING), SendState.SENT)
        ledger.record_winner(record, subjects[1])
    before = digest(listmonk_project / ".newsroom" / "ledger.sqlite3")
    scripted.script = last_campaign(hard=0)
    result = run_cli(listmonk_project, "report", "--target", "lm-production", "--json",
                     env=listmonk_env(shared_cert()[0]))
    assert result.returncode == 0, result.stderr
    record, = json.loads(result.stdout)
    assert [v["subject"] for v in record["variants"]] == list(subjects) and record["winner"] == subjects[1]
    scripted.script = last_campaign(hard=0)
    table = run_cli(listmonk_project, "report", "--target", "lm-production", env=listmonk_env(shared_cert()[0]))
    assert f"  9 variant (winner): {subjects[1]!r} — recipients unknown" in table.stdout
    assert digest(listmonk_project / ".newsroom" / "ledger.sqlite3") == before


def test_a_provider_error_names_provider_and_campaign_and_leaves_the_ledger(listmonk_project, scripted):
    ledger = listmonk_project / ".newsroom" / "ledger.sqlite3"
    before = digest(ledger)
    scripted.script = [Reply(404, {"message": "Campaign not found."})]
    result = run_cli(listmonk_project, "report", "--json", env=listmonk_env(shared_cert()[0]))
    assert result.returncode == 3, result.stderr
    record, = json.loads(result.stdout)
    assert record["error"] == f"listmonk, campaign 7 ({OLDER}): listmonk GET /campaigns/7: 404 Campaign not found."
    assert result.stderr.startswith("error: 1 of 1 campaign(s) could not be read from their provider")
    assert digest(ledger) == before


def test_a_build_keeps_the_delivery_pages(outbox_project):
    assert run_cli(outbox_project, "report").returncode == 0
    page = outbox_project / "out" / "reports" / "all.html"
    before = page.read_bytes()
    build = run_cli(outbox_project, "build")
    assert build.returncode == 0, build.stderr
    assert page.read_bytes() == before
    assert not (outbox_project / "out" / "reports" / "manifest.json").exists()


def test_a_page_that_cannot_be_written_is_named_with_the_fix_not_an_internal_error(outbox_project):
    shutil.rmtree(outbox_project / "out" / "reports", ignore_errors=True)
    (outbox_project / "out" / "reports").write_text("not a folder", encoding="utf-8")
    result = run_cli(outbox_project, "report")
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip() == ("error: out/reports/all.html: cannot write the delivery report page (File exists) "
                                     "— make sure out/reports is a folder you may write to and the disk has room, "
                                     "then run it again")
    assert not (outbox_project / ".newsroom" / "last-error.txt").exists()
