"""The crash matrix for a subject A/B test (EMAIL-QUALITY R6): a variate send to Mailchimp is SIGKILLed at each
step boundary, then reconciled and sent again, as `test_crash_matrix.py` does for a plain listmonk send.

The fake Mailchimp (tests/fake_mailchimp.py) holds a request or the CLI waits at its prompt; the test kills from
outside once the fake and the ledger show that point. Invariants after `reconcile` and a new `send`: Mailchimp
has exactly one campaign, a variate one with the report's subjects, started exactly once; the ledger's history is
a chain of allowed moves ending in SENT, and its subject test names what Mailchimp got.
"""


import pytest

from ab_support import SUBJECTS, ab_project, mailchimp_env, shared_mailchimp
from crash_support import KillPoint, kill_at, reconcile_then_send_once
from pipeline.ledger import Ledger, SendState, check_transition
from publish_support import SEED, cli_env, run_cli

ARGS = ("send", SEED, "--target", "mc-production")
ID = "c000000001"  # the fake's id of the first campaign
SEND = f"/3.0/campaigns/{ID}/actions/send"

KILL_POINTS = {
    # PLANNED and the subject test are committed; the audience check is in flight and never answered.
    "planned": KillPoint("GET", "/3.0/lists/a1b2c3d4e5", "stall", "planned", "no campaign"),
    # The variate draft exists (without content yet); the answer never arrives: the ledger still says PLANNED.
    "created": KillPoint("POST", "/3.0/campaigns", "hold-after", "planned", "save"),
    # DRAFTED is committed; the CLI waits at "send now to the whole list?" (no --yes, nobody answers).
    "drafted": KillPoint(None, None, None, "drafted", "save"),
    # SENDING is committed (write-ahead); the send action is in flight and never reaches the API.
    "write-ahead": KillPoint("POST", SEND, "stall", "sending", "save"),
    # Mailchimp started the test; the answer never arrives: the ledger still says SENDING.
    "sent": KillPoint("POST", SEND, "hold-after", "sending", "sending"),
    # Started, but the connection dropped (UNKNOWN is committed); the status read is in flight.
    "unknown": KillPoint("GET", f"/3.0/campaigns/{ID}", "stall", "unknown", "sending",
                         earlier=(("POST", SEND, "reset-after"),)),
}


@pytest.fixture
def mailchimp(monkeypatch):
    fake = shared_mailchimp()
    fake.reset()
    yield fake
    fake.reset()


@pytest.fixture
def cert():
    from publish_support import shared_cert

    return shared_cert()


@pytest.fixture
def project(tmp_path, mailchimp):
    return ab_project(tmp_path / "project", subjects=SUBJECTS, mailchimp_url=mailchimp.base_url)


def provider_shows(mailchimp) -> str:
    return mailchimp.campaigns[1]["status"] if mailchimp.campaigns else "no campaign"


def send(project, cert):
    return run_cli(project, *ARGS, "--yes", env=mailchimp_env(cert[0]))


def assert_one_variate_campaign_sent_once(project, mailchimp):
    (campaign,) = mailchimp.campaigns.values()
    assert (campaign["type"], campaign["status"]) == ("variate", "sending")
    assert campaign["variate_settings"]["subject_lines"] == list(SUBJECTS)
    assert campaign["content"]["html"]  # an adopted empty draft got its content
    assert len(mailchimp.sends(applied=True)) == 1
    with Ledger.open(project / ".newsroom" / "ledger.sqlite3") as ledger:
        (record,) = ledger.records()
        events = ledger.events(record.id)
        test = ledger.subject_test(record.id)
    assert (record.state, record.remote_id) == (SendState.SENT, ID)
    assert (test.subjects, test.test_share, test.winner_criterion) == (SUBJECTS, 20, "manual")
    for before, event in zip(events, events[1:], strict=False):
        assert event.from_state is before.to_state
        if event.from_state is not event.to_state:
            check_transition(event.from_state, event.to_state)
    assert events[-1].to_state is SendState.SENT


@pytest.mark.parametrize("name", KILL_POINTS)
def test_a_variate_send_killed_at_a_step_boundary_is_sent_exactly_once(project, mailchimp, cert, name):
    point = KILL_POINTS[name]
    kill_at(point, mailchimp, project, (*ARGS, *(() if name == "drafted" else ("--yes",))),
            cli_env(mailchimp_env(cert[0])), provider_shows)
    reconcile_then_send_once(project, mailchimp, mailchimp_env(cert[0]), lambda: send(project, cert),
                             assert_one_variate_campaign_sent_once)


def test_a_fresh_runner_with_an_empty_ledger_finds_the_variate_campaign_by_its_reference(project, mailchimp, cert):
    assert send(project, cert).returncode == 0
    (project / ".newsroom" / "ledger.sqlite3").unlink()
    again = send(project, cert)
    assert again.returncode == 0, again.stderr
    assert "already sent" in again.stdout and f"as campaign {ID}" in again.stdout
    (campaign,) = mailchimp.campaigns.values()
    assert campaign["type"] == "variate" and len(mailchimp.sends(applied=True)) == 1
