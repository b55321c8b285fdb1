"""A whole send against the fake listmonk when the send call goes wrong: reconcile, never resend blindly (R3).

The send runs in-process with an injected clock and sleep; the only real waiting is one 0.3 s read
timeout in the stalled-send test.
"""

import datetime as dt
import functools
import threading

import pytest

from fake_listmonk import Fault
from pipeline import publish, settle
from pipeline.build import Project
from pipeline.errors import ProviderRateLimitedError, SendOutcomeUnknownError
from pipeline.ledger import Ledger, SendState
from pipeline.providers.http import ApiClient, RetryPolicy
from pipeline.secrets import Secret
from publish_support import SEED, TOKEN, USER

S = SendState


class Clock:
    """A settable clock for the ledger and the grace period."""

    def __init__(self):
        self.now = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.timezone.utc)

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock():
    return Clock()


def secret_for(provider):
    return Secret("NEWSROOM_LISTMONK_TOKEN", TOKEN, user=USER)


def client(read_timeout=5.0, attempts=2):
    return functools.partial(ApiClient, sleep=lambda s: None, timeout=(2.0, read_timeout),
                             policy=RetryPolicy(max_attempts=attempts))


def send(project, clock, *, read_timeout=5.0, lines=None):
    lines = [] if lines is None else lines
    return publish.send(Project(project), publish.SendRequest(SEED, target="lm-production"), secret_for=secret_for,
                        echo=lines.append, confirm=lambda plan: True, now=clock, client=client(read_timeout))


def reconcile(project, clock, lines=None):
    return settle.reconcile(Project(project), secret_for=secret_for, echo=(lines if lines is not None else []).append,
                             now=clock, client=client())


def history(project):
    with Ledger.open(project / ".newsroom" / "ledger.sqlite3") as ledger:
        (record,) = ledger.records()
        return record, [e.to_state for e in ledger.events(record.id)]


def test_reset_after_the_provider_started_the_send_is_settled_by_reading_status(project, listmonk, clock):
    listmonk.fault("PUT", "/api/campaigns/1/status", Fault("reset-after"))
    outcome = send(project, clock)
    assert outcome.state is S.SENT
    assert listmonk.calls()[-2:] == ["PUT /api/campaigns/1/status", "GET /api/campaigns/1"]
    assert len(listmonk.sends()) == 1
    record, states = history(project)
    assert states == [S.PLANNED, S.DRAFTED, S.SENDING, S.UNKNOWN, S.SENT]


def test_when_even_the_status_read_fails_the_outcome_stays_unknown_until_reconcile(project, listmonk, clock):
    listmonk.fault("PUT", "/api/campaigns/1/status", Fault("reset-after"))
    for _ in range(2):
        listmonk.fault("GET", "/api/campaigns/1", Fault("status", 503))
    with pytest.raises(SendOutcomeUnknownError, match="run `newsroom reconcile`"):
        send(project, clock)
    assert history(project)[0].state is S.UNKNOWN
    lines = []
    (settled,) = reconcile(project, clock, lines)
    assert settled.state is S.SENT
    assert lines == [f"{settled.ref} (lm-production): listmonk says running; now SENT"]
    again = []
    assert send(project, clock, lines=again).state is S.SENT
    assert again[0].startswith("already sent at ")
    assert len(listmonk.sends()) == 1


def test_a_503_on_send_is_never_retried_and_a_draft_is_released_only_after_the_grace_period(project, listmonk, clock):
    listmonk.fault("PUT", "/api/campaigns/1/status", Fault("status", 503, body={"message": "upstream down"}))
    with pytest.raises(SendOutcomeUnknownError, match="503 upstream down"):
        send(project, clock)
    assert len(listmonk.sends()) == 1 and listmonk.campaigns[1]["status"] == "draft"
    lines = []
    reconcile(project, clock, lines)
    assert "still shows a draft, but the send may still be under way" in lines[0]
    assert history(project)[0].state is S.UNKNOWN
    with pytest.raises(SendOutcomeUnknownError):  # a quick re-run does not resend either
        send(project, clock)
    clock.advance(minutes=6)
    assert reconcile(project, clock)[0].state is S.DRAFTED
    assert send(project, clock).state is S.SENT
    assert len(listmonk.sends()) == 2 and listmonk.campaigns[1]["status"] == "running"


def test_a_send_answered_late_is_found_by_reconcile_not_sent_twice(project, listmonk, clock):
    gate = threading.Event()
    listmonk.fault("PUT", "/api/campaigns/1/status", Fault("hold", gate=gate))
    with pytest.raises(SendOutcomeUnknownError, match="read timeout"):
        send(project, clock, read_timeout=0.3)
    gate.set()  # the provider now processes the request it held
    for _ in range(200):
        if listmonk.campaigns[1]["status"] == "running":
            break
        threading.Event().wait(0.01)
    clock.advance(minutes=10)
    assert reconcile(project, clock)[0].state is S.SENT
    assert send(project, clock).state is S.SENT
    assert len(listmonk.sends()) == 1


def test_a_rate_limited_send_fails_cleanly_and_can_be_sent_again(project, listmonk, clock):
    listmonk.fault("PUT", "/api/campaigns/1/status", Fault("status", 429, headers={"Retry-After": "30"}))
    with pytest.raises(ProviderRateLimitedError):
        send(project, clock)
    record, states = history(project)
    assert (record.state, states[-1]) == (S.FAILED, S.FAILED)
    assert "429" in record.last_error
    assert send(project, clock).state is S.SENT
    assert listmonk.campaigns[1]["status"] == "running" and len(listmonk.campaigns) == 1


def test_a_refused_start_of_an_already_running_campaign_is_recorded_as_sent(project, listmonk, clock):
    send(project, clock)
    (project / ".newsroom" / "ledger.sqlite3").unlink()  # a fresh CI runner: empty ledger
    lines = []
    assert send(project, clock, lines=lines).state is S.SENT
    assert lines[0].startswith("already sent at 2026-11-25T12:00:00+00:00 as campaign 1 (listmonk, list 3)")
    assert len(listmonk.sends()) == 1 and len(listmonk.campaigns) == 1
