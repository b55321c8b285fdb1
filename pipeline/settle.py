"""Sends already made: where their record lives, one process per send, and settling an unclear outcome.

`publish.send` and `newsroom reconcile` share these: the state folder and its ledger, the lock that lets
one process work on a (reference, target) at a time, and `settle`, which records only what the
provider reports about a send left SENDING or UNKNOWN and never sends anything. `status_lines` reads
the ledger for `newsroom status`.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.config import Settings, Target, load_settings
from pipeline.errors import ConfigError, LedgerError
from pipeline.ledger import LEDGER_FILE, UNSETTLED, Ledger, SendRecord, SendState
from pipeline.providers import ApiClient, armed, open_provider
from pipeline.providers.base import Provider, RemoteCampaign, RemoteState
from pipeline.secrets import Secret, redact

STATE_DIR = ".newsroom"
SETTLE_GRACE = dt.timedelta(minutes=5)  # after this, "still a draft" proves an unclear send never started


def slug_of(report: str) -> str:
    """`content/reports/x.yaml`, `x.yaml` or `x` → `x`."""
    name = Path(report).name
    return re.sub(r"\.ya?ml$", "", name)


def target_named(settings: Settings, name: str) -> Target:
    """The target `name` of content/newsroom.yaml; ConfigError listing the defined ones."""
    if name not in settings.targets:
        raise ConfigError(f"unknown target '{name}' — content/newsroom.yaml defines: "
                          f"{', '.join(settings.targets) or 'no targets'}")
    return settings.targets[name]


def reconcile(project, *, secret_for: Callable[[str], Secret | None], echo: Callable[[str], None],
              now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc),
              client: Callable[..., ApiClient] = ApiClient) -> list[SendRecord]:
    """Ask the provider about every send whose outcome is open (SENDING, UNKNOWN, SCHEDULED); never sends."""
    state_dir = project.root / STATE_DIR
    if not (state_dir / LEDGER_FILE).is_file():
        echo("nothing to reconcile: no send ledger in this folder")
        return []
    settings = load_settings(project.content_dir)
    settled, masks = [], []
    with Ledger.open(state_dir / LEDGER_FILE, now=now, mask=lambda text: redact(text, masks)) as ledger:
        open_rows = ledger.records(states=UNSETTLED)
        if not open_rows:
            echo("nothing to reconcile: every send has a known outcome")
        for record in open_rows:
            target = target_named(settings, record.target)
            secret = secret_for(target.provider)
            masks.append(armed(target.provider, secret))
            with send_lock(state_dir, record.ref, record.target), \
                    open_provider(target, secret, state_dir=state_dir,
                                  unsubscribe_url=settings.unsubscribe_url, client=client) as provider:
                settled.append(settle(ledger, ledger.get(record.ref, record.target) or record, provider, echo))
    return settled


def settle(ledger: Ledger, record: SendRecord, provider: Provider, echo) -> SendRecord:
    """Record what the provider says about `record`; the only moves are to what it reports."""
    remote = provider.status(remote_of(record)) if record.remote_id else provider.find(record.ref)
    label = f"{record.ref} ({record.target})"
    if remote is None:
        echo(f"{label}: {provider.name} has no campaign with this reference; left as {record.state.name}")
        return record
    new = {RemoteState.SENT: SendState.SENT, RemoteState.SENDING: SendState.SENT,
           RemoteState.SCHEDULED: SendState.SCHEDULED, RemoteState.CANCELLED: SendState.FAILED,
           RemoteState.FAILED: SendState.FAILED}.get(remote.state)
    if remote.state is RemoteState.DRAFT and record.state is SendState.SENDING:
        # SENDING here means the process that wrote it died (we hold its lock) before it learned the
        # answer; the provider shows the campaign unsent, so a later `send` may try again.
        new = SendState.DRAFTED
    elif remote.state is RemoteState.DRAFT and record.state is SendState.UNKNOWN:
        # A timed-out request may still be in flight at the provider: only after a grace period
        # does "still a draft" prove that it never started.
        waited = ledger.now() - dt.datetime.fromisoformat(record.updated_at)
        if waited < SETTLE_GRACE:
            echo(f"{label}: {provider.name} still shows a draft, but the send may still be under way there — "
                 f"run `newsroom reconcile` again in {SETTLE_GRACE.seconds // 60} minutes")
            return record
        new = SendState.DRAFTED
    if new is None or new is record.state:
        echo(f"{label}: {provider.name} says {remote.provider_status}; stays {record.state.name}")
        return record
    record = ledger.transition(record, new, f"reconciled: {provider.name} says {remote.provider_status}",
                               remote_id=remote.remote_id, web_url=remote.web_url)
    echo(f"{label}: {provider.name} says {remote.provider_status}; now {record.state.name}")
    return record


def status_lines(project, slug: str | None = None) -> list[str]:
    """What went where and when, one line per send; with a report, its event history too."""
    path = project.root / STATE_DIR / LEDGER_FILE
    if not path.is_file():
        return ["nothing sent yet from this folder (no .newsroom/ledger.sqlite3)"]
    with Ledger.open(path, read_only=True) as ledger:
        records = ledger.records(slug_of(slug) if slug else None)
        lines = []
        for r in records:
            lines.append(f"{r.slug}  {r.channel}  {r.target}  {r.provider} list {r.list_id}  {r.state.name}  "
                         f"{r.updated_at}  campaign {r.remote_id or '-'}" + (f"  {r.web_url}" if r.web_url else ""))
            test = ledger.subject_test(r.id)
            if test is not None:
                lines.append(f"    subject test: {test.test_share} % of the list, winner {test.winner_criterion}"
                             f"{f': {test.winner!r}' if test.winner else ' (not known yet)'}; "
                             + "; ".join(f"{chr(65 + i)} {subject!r}" for i, subject in enumerate(test.subjects)))
            if slug:
                lines += [f"    {e.at}  {e.from_state.name if e.from_state else '-'} → {e.to_state.name}  {e.detail}"
                          for e in ledger.events(r.id)]
    return lines or [f"nothing sent yet for {slug}" if slug else "the ledger is empty"]


def remote_of(record: SendRecord) -> RemoteCampaign:
    """The provider campaign a ledger row points at (its state unknown until asked)."""
    return RemoteCampaign(record.provider, record.remote_id or "", RemoteState.UNKNOWN, "", record.web_url, record.ref)


@contextmanager
def send_lock(state_dir: Path, ref: str, target: str) -> Iterator[None]:
    """One `send`/`reconcile` per (ref, target) on this machine; the OS drops the lock if we are killed."""
    folder = state_dir / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha256(f"{ref}\0{target}".encode()).hexdigest()[:24]
    with open(folder / f"{name}.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LedgerError(f"another `newsroom send` or `reconcile` is working on {ref} ({target}) — wait for "
                              "it to finish, then run `newsroom status`") from None
        yield
