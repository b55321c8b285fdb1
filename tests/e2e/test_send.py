"""`newsroom send / status / reconcile` as a user runs them: output lines, exit codes, files on disk."""

import email
import email.policy

import pytest

from fake_listmonk import Fault
from publish_support import SEED, built_project, listmonk_env, run_cli, shared_cert, shared_listmonk


@pytest.fixture
def listmonk():
    fake = shared_listmonk()
    fake.reset()
    yield fake
    fake.reset()


@pytest.fixture
def project(tmp_path, listmonk):
    return built_project(tmp_path / "project", listmonk.base_url)


def test_outbox_test_send_real_send_and_repeat(project):
    test = run_cli(project, "send", SEED, "--test-to", "me@example.org")
    assert test.returncode == 0, test.stderr
    assert test.stdout.splitlines()[-2:] == ["action     test to me@example.org",
                                             "test sent to me@example.org; the campaign stays a draft"]
    real = run_cli(project, "send", SEED, "--target", "production", "--yes")
    assert real.returncode == 0, real.stderr
    ref = next(line.split()[1] for line in real.stdout.splitlines() if line.startswith("reference"))
    assert real.stdout.splitlines()[-1].startswith(f"sent: campaign {ref} at outbox")
    message = email.message_from_bytes((project / ".newsroom" / "outbox" / ref / "campaign.eml").read_bytes(),
                                       policy=email.policy.default)
    assert (message.get_content_type(), message["List-Unsubscribe-Post"]) == (
        "multipart/alternative", "List-Unsubscribe=One-Click")
    again = run_cli(project, "send", SEED, "--target", "production", "--yes")
    assert (again.returncode, again.stdout.split(" as campaign ")[0].split(" at ")[0]) == (0, "already sent")
    status = run_cli(project, "status")
    assert [line.split("  ")[1:5] for line in status.stdout.splitlines()] == [
        ["newsletter", "test", "outbox list team", "TEST_SENT"],
        ["newsletter", "production", "outbox list newsletter", "SENT"]]


def test_a_send_to_a_list_asks_first_and_a_closed_stdin_aborts(project):
    result = run_cli(project, "send", SEED, "--target", "production")
    assert result.returncode == 1
    assert result.stdout.splitlines()[-1].startswith("send now to the whole list? [y/N]")
    assert "aborted" in result.stderr
    assert not list((project / ".newsroom" / "outbox").rglob("campaign.eml"))


def test_dry_run_touches_nothing(project, listmonk):
    result = run_cli(project, "send", SEED, "--target", "lm-production", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "dry run: no network call, nothing is written or sent"
    assert listmonk.requests == [] and not (project / ".newsroom" / "ledger.sqlite3").exists()


def test_a_missing_secret_is_named_and_nothing_happens(project, listmonk):
    result = run_cli(project, "send", SEED, "--target", "lm-production", "--yes")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: listmonk: environment variable NEWSROOM_LISTMONK_TOKEN and NEWSROOM_LISTMONK_USER is not set — "
        "export it in your shell or add it as a secret of the GitHub environment (see docs/providers.md)")
    assert listmonk.requests == []


def test_a_refused_preflight_exits_3_and_says_why(project):
    report = project / "content" / "reports" / f"{SEED}.yaml"
    report.write_text(report.read_text().replace("status: ready", "status: draft"))
    result = run_cli(project, "send", SEED, "--target", "production", "--yes")
    assert result.returncode == 3
    assert result.stderr.splitlines() == [
        "error: refusing to send, nothing was sent:",
        f"  - out/{SEED} is stale: source changed since it was built — run `newsroom build`, review the preview, "
        "then send"]


def test_an_unclear_send_exits_4_and_reconcile_settles_it(project, listmonk):
    cert = shared_cert()
    listmonk.fault("PUT", "/api/campaigns/1/status", Fault("reset-after"))
    listmonk.fault("GET", "/api/campaigns/1", Fault("status", 403))  # the status read fails too (not retried)
    result = run_cli(project, "send", SEED, "--target", "lm-production", "--yes", env=listmonk_env(cert[0]))
    assert result.returncode == 4, result.stderr
    assert "may have started the send" in result.stderr and "newsroom reconcile" in result.stderr
    settled = run_cli(project, "reconcile", env=listmonk_env(cert[0]))
    assert settled.returncode == 0, settled.stderr
    assert settled.stdout.strip().endswith("listmonk says running; now SENT")
    assert len(listmonk.sends()) == 1
