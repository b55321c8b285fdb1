"""The crash matrix (EMAIL-QUALITY R6): `newsroom send` is SIGKILLed at each step boundary, then settled and run again.

Each kill lands at a *defined* point, chosen from outside the process: the fake listmonk holds a
request (before or after applying it) or the CLI waits at its confirmation prompt, and the test
kills once the fake and the ledger (read-only, polled in a bounded loop) show that point. No
test switch lives in the product code. Invariants after `newsroom reconcile` and a new `send`:
listmonk processed exactly one campaign and exactly one start, the campaign runs, and the
ledger's history is a chain of allowed moves ending in SENT. One random-delay soak test remains
in the slow tier.
"""

import random
import threading
import time

import pytest

from crash_support import POLL_LIMIT, KillPoint, kill_at, reconcile_then_send_once
from fake_listmonk import Fault
from pipeline.ledger import Ledger, SendState, check_transition
from publish_support import SEED, built_project, cli_env, listmonk_env, run_cli, start_cli

ARGS = ("send", SEED, "--target", "lm-production")


def send(project, cert):
    return run_cli(project, *ARGS, "--yes", env=listmonk_env(cert[0]))


def assert_sent_exactly_once(project, listmonk):
    assert len(listmonk.campaigns) == 1
    assert listmonk.campaigns[1]["status"] == "running"
    assert len(listmonk.sends(applied=True)) == 1
    with Ledger.open(project / ".newsroom" / "ledger.sqlite3") as ledger:
        (record,) = ledger.records()
        events = ledger.events(record.id)
    assert (record.state, record.remote_id) == (SendState.SENT, "1")
    assert events[0].from_state is None
    for before, event in zip(events, events[1:], strict=False):
        assert event.from_state is before.to_state
        if event.from_state is not event.to_state:
            check_transition(event.from_state, event.to_state)
    assert events[-1].to_state is SendState.SENT


KILL_POINTS = {
    # PLANNED is committed; the list check is in flight and never answered.
    "planned": KillPoint("GET", "/api/lists/3", "stall", "planned", "no campaign"),
    # The draft exists at listmonk, the answer never arrives: the ledger still says PLANNED.
    "created": KillPoint("POST", "/api/campaigns", "hold-after", "planned", "draft"),
    # DRAFTED is committed; the CLI waits at "send now to the whole list?" (no --yes, nobody answers).
    "drafted": KillPoint(None, None, None, "drafted", "draft"),
    # SENDING is committed (write-ahead); the start request is in flight and never reaches the API.
    "write-ahead": KillPoint("PUT", "/api/campaigns/1/status", "stall", "sending", "draft"),
    # listmonk started the campaign; the answer never arrives: the ledger still says SENDING.
    "sent": KillPoint("PUT", "/api/campaigns/1/status", "hold-after", "sending", "running"),
    # listmonk started the campaign but the connection dropped (UNKNOWN is committed); the status read is in flight.
    "unknown": KillPoint("GET", "/api/campaigns/1", "stall", "unknown", "running",
                         earlier=(("PUT", "/api/campaigns/1/status", "reset-after"),)),
}


def provider_shows(listmonk) -> str:
    return listmonk.campaigns[1]["status"] if listmonk.campaigns else "no campaign"


@pytest.mark.parametrize("name", KILL_POINTS)
def test_killed_at_a_step_boundary_then_reconcile_and_send_send_exactly_once(project, listmonk, cert, name):
    point = KILL_POINTS[name]
    kill_at(point, listmonk, project, (*ARGS, *(() if name == "drafted" else ("--yes",))),
            cli_env(listmonk_env(cert[0])), provider_shows)
    reconcile_then_send_once(project, listmonk, listmonk_env(cert[0]), lambda: send(project, cert),
                             assert_sent_exactly_once)


@pytest.mark.slow
def test_soak_killed_at_random_moments_then_rerun_sends_exactly_once(tmp_path, listmonk, cert):
    rng = random.Random(20261125)  # fixed seed: a failure can be replayed (on a machine of similar speed)
    for attempt in range(4):
        listmonk.reset()
        project = built_project(tmp_path / f"project-{attempt}", listmonk.base_url)
        process = start_cli(project, *ARGS, "--yes", env=listmonk_env(cert[0]))
        time.sleep(rng.uniform(0.2, 1.2))  # a real moment: the kill may land anywhere in a real run
        process.kill()
        process.communicate(timeout=30)
        done = send(project, cert)
        assert done.returncode == 0, done.stderr
        assert_sent_exactly_once(project, listmonk)


def test_a_second_send_while_the_first_runs_is_refused(project, listmonk, cert):
    gate = threading.Event()
    listmonk.fault("POST", "/api/campaigns", Fault("hold", gate=gate))
    first = start_cli(project, *ARGS, "--yes", env=listmonk_env(cert[0]))
    try:
        for _ in range(POLL_LIMIT):  # ≤ 30 s for the first process to reach the provider
            if "POST /api/campaigns" in listmonk.calls():
                break
            time.sleep(0.02)
        second = send(project, cert)
        assert second.returncode == 1
        assert "another `newsroom send` or `reconcile` is working on" in second.stderr
    finally:
        gate.set()
        out, err = first.communicate(timeout=30)
    assert first.returncode == 0, err
    assert_sent_exactly_once(project, listmonk)


def test_a_fresh_runner_with_an_empty_ledger_finds_the_sent_campaign(project, listmonk, cert):
    assert send(project, cert).returncode == 0
    (project / ".newsroom" / "ledger.sqlite3").unlink()
    again = send(project, cert)
    assert again.returncode == 0, again.stderr
    assert "already sent" in again.stdout
    assert_sent_exactly_once(project, listmonk)
