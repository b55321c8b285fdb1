"""What the crash matrices share: where a send stands in its ledger, seen from outside, and a SIGKILL at a
defined point (tests/fault/test_crash_matrix.py for listmonk, test_crash_matrix_ab.py for a Mailchimp A/B test)."""

from __future__ import annotations

import contextlib
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

import pytest

from fake_listmonk import Fault

POLL_LIMIT = 1500  # × 0.02 s: at most 30 s for the process to reach a kill point


def ledger_state(project) -> str | None:
    """The send's state as a reader sees it in the SQLite file (read-only; None before the row exists)."""
    path = project / ".newsroom" / "ledger.sqlite3"
    if not path.is_file():
        return None
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)) as db:
            row = db.execute("SELECT state FROM sends").fetchone()
    except sqlite3.Error:  # the file exists but its schema is not written yet
        return None
    return row[0] if row else None


def kill_when(process: subprocess.Popen, ready) -> None:
    """SIGKILL `process` as soon as `ready()` holds; fail if it ends first or never gets there."""
    for _ in range(POLL_LIMIT):
        if ready():
            process.kill()
            process.communicate(timeout=30)
            assert process.returncode == -signal.SIGKILL
            return
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"the send ended before the kill point (exit {process.returncode}): {out}{err}")
        time.sleep(0.02)
    process.kill()
    pytest.fail("the send never reached the kill point")


@dataclass(frozen=True)
class KillPoint:
    """Where the kill lands: a request the fake holds (method, path, fault kind), and what must be true by then."""

    method: str | None
    path: str | None
    kind: str | None
    ledger: str
    provider: str  # what the fake shows: "no campaign", "draft" or "running"
    earlier: tuple[tuple[str, str, str], ...] = ()  # faults on requests before the held one


def kill_at(point: KillPoint, fake, project, args: tuple[str, ...], env: dict[str, str], provider_shows) -> None:
    """Run `newsroom <args>` against `fake` (a fake listmonk or Mailchimp) and SIGKILL it at `point`: the faults
    before it are set, the request it names is held until the kill, and the ledger and the provider must show
    what the point says."""
    gate = threading.Event()
    for method, path, kind in point.earlier:
        fake.fault(method, path, Fault(kind))
    if point.kind:
        fake.fault(point.method, point.path, Fault(point.kind, gate=gate))
    process = subprocess.Popen([sys.executable, "-m", "pipeline", *args], cwd=project, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    held = f"{point.method} {point.path}"
    try:
        kill_when(process, lambda: ledger_state(project) == point.ledger
                  and (not point.kind or held in fake.calls()) and provider_shows(fake) == point.provider)
    finally:
        gate.set()
    assert (ledger_state(project), provider_shows(fake)) == (point.ledger, point.provider)


def reconcile_then_send_once(project, fake, env: dict[str, str], send, assert_sent_once) -> None:
    """After a kill: `reconcile` settles, the next send finishes exactly once (`assert_sent_once(project, fake)`),
    and a send after that is answered by the ledger without asking the provider (`send()`: one CLI send)."""
    from publish_support import run_cli

    settled = run_cli(project, "reconcile", env=env)
    assert settled.returncode == 0, settled.stderr
    done = send()
    assert done.returncode == 0, done.stderr
    assert_sent_once(project, fake)
    seen = len(fake.requests)
    again = send()
    assert (again.returncode, again.stdout.startswith("already sent at ")) == (0, True), again.stdout
    assert len(fake.requests) == seen  # the ledger answers; the provider is not asked
