"""The crash matrix (EMAIL-QUALITY R6): `newsroom send` is SIGKILLed at each step boundary, then run again.

Invariants after the re-run: listmonk saw exactly one campaign and at most one start request, the
campaign runs, and the ledger's history is a chain of allowed moves ending in SENT. The CLI runs as
a subprocess against the session's fake listmonk on 127.0.0.1.
"""

import random
import signal
import threading
import time

import pytest

from fake_listmonk import Fault
from pipeline.ledger import Ledger, SendState, check_transition
from pipeline.publish import FAULT_STEPS
from publish_support import SEED, built_project, listmonk_env, run_cli, start_cli

ARGS = ("send", SEED, "--target", "lm-production", "--yes")


def send(project, cert, fault=None):
    env = listmonk_env(cert[0])
    if fault:
        env["NEWSROOM_FAULT_AT"] = fault
    return run_cli(project, *ARGS, env=env)


def assert_sent_exactly_once(project, listmonk):
    assert len(listmonk.campaigns) == 1
    assert listmonk.campaigns[1]["status"] == "running"
    assert len(listmonk.sends()) == 1
    with Ledger.open(project / ".newsroom" / "ledger.sqlite3") as ledger:
        (record,) = ledger.records()
        events = ledger.events(record.id)
    assert (record.state, record.remote_id) == (SendState.SENT, "1")
    assert events[0].from_state is None
    for before, event in zip(events, events[1:]):
        assert event.from_state is before.to_state
        if event.from_state is not event.to_state:
            check_transition(event.from_state, event.to_state)
    assert events[-1].to_state is SendState.SENT


@pytest.mark.parametrize("step", FAULT_STEPS)
def test_killed_at_a_step_boundary_then_rerun_sends_exactly_once(project, listmonk, cert, step):
    killed = send(project, cert, step)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    done = send(project, cert)
    assert done.returncode == 0, done.stderr
    assert_sent_exactly_once(project, listmonk)
    seen = len(listmonk.requests)
    again = send(project, cert)
    assert (again.returncode, again.stdout.startswith("already sent at ")) == (0, True), again.stdout
    assert len(listmonk.requests) == seen  # the ledger answers; the provider is not asked


def test_killed_at_random_moments_then_rerun_sends_exactly_once(tmp_path, listmonk, cert):
    rng = random.Random(20261125)  # fixed seed: a failure can be replayed
    for attempt in range(4):
        listmonk.reset()
        project = built_project(tmp_path / f"project-{attempt}", listmonk.base_url)
        process = start_cli(project, *ARGS, env=listmonk_env(cert[0]))
        time.sleep(rng.uniform(0.2, 1.2))  # a real moment: the kill must land somewhere in a real run
        process.kill()
        process.communicate(timeout=30)
        done = send(project, cert)
        assert done.returncode == 0, done.stderr
        assert_sent_exactly_once(project, listmonk)


def test_a_second_send_while_the_first_runs_is_refused(project, listmonk, cert):
    gate = threading.Event()
    listmonk.fault("POST", "/api/campaigns", Fault("hold", gate=gate))
    first = start_cli(project, *ARGS, env=listmonk_env(cert[0]))
    try:
        for _ in range(1500):  # ≤ 30 s for the first process to reach the provider
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
