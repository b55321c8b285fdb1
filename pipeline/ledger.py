"""The send ledger: one SQLite row per (report revision, channel, target) and its append-only history.

States and the only allowed moves (`ALLOWED`, checked by `check_transition`)::

    PLANNED    → DRAFTED | FAILED                       (the draft exists at the provider)
    DRAFTED    → DRAFTED | TEST_SENT | SENDING | FAILED
    TEST_SENT  → TEST_SENT | SENDING | FAILED
    SENDING    → SENT | SCHEDULED | UNKNOWN | DRAFTED | FAILED
    UNKNOWN    → SENT | SCHEDULED | DRAFTED | FAILED    (settled by asking the provider)
    SCHEDULED  → SENT | FAILED                          (FAILED: cancelled at the provider)
    FAILED     → PLANNED                                (the user sends again)
    SENT       final

PLANNED, DRAFTED and TEST_SENT may also jump to SENT/SCHEDULED when the provider shows the campaign
already delivered (an earlier run on another machine sent it). SENDING/UNKNOWN go back to DRAFTED
only when the provider still shows a draft: for SENDING once its process is gone, for UNKNOWN after
a grace period (settle.SETTLE_GRACE), because a timed-out request may still be under way.

Write-ahead rule (EMAIL-QUALITY R1/R6): `publish` commits PLANNED before creating a draft and SENDING
before the send call, so a crash leaves a row that `reconcile` settles by asking the provider, never
by sending again. Every state change is a compare-and-set (`UPDATE … WHERE state = ?`), and the
events table refuses UPDATE and DELETE by trigger.

A subject A/B test adds one `subject_tests` row per send (schema version 2): the subjects in the order
the provider got them (A, B, C), the test share, the winner criterion and the test's length, written with
PLANNED (before the draft exists), and the winner once a provider report names it (`record_winner`).
The file itself (tables, schema versions, migrations, read-write and read-only opening) is `ledger_file.py`.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import LedgerError
from pipeline.ledger_file import SCHEMA_VERSION, connect, connect_read_only

LEDGER_FILE = "ledger.sqlite3"


class SendState(enum.Enum):
    """Where one send stands, from our side."""

    PLANNED = "planned"
    DRAFTED = "drafted"
    TEST_SENT = "test_sent"
    SENDING = "sending"
    SCHEDULED = "scheduled"
    SENT = "sent"
    UNKNOWN = "unknown"
    FAILED = "failed"


S = SendState
_DELIVERED = {S.SENT, S.SCHEDULED}
ALLOWED: dict[SendState, frozenset[SendState]] = {
    S.PLANNED: frozenset({S.DRAFTED, S.FAILED, *_DELIVERED}),
    S.DRAFTED: frozenset({S.DRAFTED, S.TEST_SENT, S.SENDING, S.FAILED, *_DELIVERED}),
    S.TEST_SENT: frozenset({S.TEST_SENT, S.SENDING, S.FAILED, *_DELIVERED}),
    S.SENDING: frozenset({S.UNKNOWN, S.DRAFTED, S.FAILED, *_DELIVERED}),
    S.UNKNOWN: frozenset({S.DRAFTED, S.FAILED, *_DELIVERED}),
    S.SCHEDULED: frozenset({S.SENT, S.FAILED}),
    S.SENT: frozenset(),
    S.FAILED: frozenset({S.PLANNED}),
}
#: Rows whose outcome only the provider can tell; `reconcile` visits them.
UNSETTLED = (S.SENDING, S.UNKNOWN, S.SCHEDULED)



def check_transition(old: SendState, new: SendState) -> None:
    """The one place that knows the allowed moves; LedgerError for anything else."""
    if new not in ALLOWED[old]:
        allowed = ", ".join(sorted(s.name for s in ALLOWED[old])) or "nothing (final state)"
        raise LedgerError(f"ledger: a send in state {old.name} cannot move to {new.name} "
                          f"(allowed: {allowed}) [ledger.illegalTransition]")


@dataclass(frozen=True)
class SendRecord:
    """One row of `sends`."""

    id: int
    ref: str
    slug: str
    revision: str
    channel: str
    target: str
    provider: str
    list_id: str
    remote_id: str | None
    web_url: str | None
    state: SendState
    scheduled_at: str | None
    created_at: str
    updated_at: str
    last_error: str | None


@dataclass(frozen=True)
class SubjectTest:
    """One send's subject A/B test: what the provider was given, and the winner once known."""

    send_id: int
    subjects: tuple[str, ...]  # in the order the provider got them: A, B (, C)
    test_share: int  # per cent of the list in the test
    winner_criterion: str  # manual, opens or clicks
    wait_hours: int
    winner: str | None = None  # the winning subject, from a provider report
    winner_at: str | None = None


@dataclass(frozen=True)
class Event:
    """One row of the append-only history."""

    send_id: int
    at: str
    from_state: SendState | None
    to_state: SendState
    detail: str


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Ledger:
    """The SQLite ledger; open with `Ledger.open(path)` and use as a context manager."""

    def __init__(self, connection: sqlite3.Connection, path: Path, now: Callable[[], dt.datetime] = _utcnow,
                 mask: Callable[[str], str] = str, *, version: int = SCHEMA_VERSION):
        self._db, self.path, self._now, self._mask = connection, path, now, mask
        self._version = version  # what `open` migrated to; a read-only open keeps the file's own

    @classmethod
    def open(cls, path: Path, *, now: Callable[[], dt.datetime] = _utcnow, create: bool = True,
             mask: Callable[[str], str] = str, read_only: bool = False) -> Ledger:
        """Open (and create or migrate) the ledger file; LedgerError if it is unusable.

        `mask` is applied to every text from outside that the ledger stores (details, errors, campaign
        links): the caller passes secret redaction, so no credential a provider quotes lands on disk.
        `read_only` (status, the dry run, report's reading): SQLite refuses every write and an older file is
        read as it is, not migrated; what its version does not have yet reads as absent.
        """
        if (read_only or not create) and not path.is_file():
            raise LedgerError(f"{path}: no send ledger yet — nothing has been sent from this folder")
        if read_only:
            db, version = connect_read_only(path)
        else:
            db, version = connect(path), SCHEMA_VERSION
        return cls(db, path, now, mask, version=version)

    def now(self) -> dt.datetime:
        """The ledger's clock (injectable for tests)."""
        return self._now()

    def close(self) -> None:
        """Close the database connection."""
        self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- queries -----------------------------------------------------------------------------

    def get(self, ref: str, target: str) -> SendRecord | None:
        """The row for (ref, target), or None."""
        row = self._db.execute("SELECT * FROM sends WHERE ref = ? AND target = ?", (ref, target)).fetchone()
        return self._record(row) if row else None

    def records(self, slug: str | None = None, states: tuple[SendState, ...] | None = None) -> list[SendRecord]:
        """Rows, oldest first, optionally for one report and/or some states."""
        sql, args = "SELECT * FROM sends WHERE 1=1", []
        if slug:
            sql, args = sql + " AND slug = ?", [*args, slug]
        if states:
            sql += f" AND state IN ({','.join('?' * len(states))})"
            args += [s.value for s in states]
        return [self._record(row) for row in self._db.execute(sql + " ORDER BY id", args)]

    def events(self, send_id: int) -> list[Event]:
        """The history of one send, oldest first."""
        rows = self._db.execute("SELECT send_id, at, from_state, to_state, detail FROM events WHERE send_id = ? "
                                "ORDER BY id", (send_id,))
        return [Event(r[0], r[1], SendState(r[2]) if r[2] else None, SendState(r[3]), r[4]) for r in rows]

    # -- changes (each one transaction) ------------------------------------------------------

    def plan(self, *, ref: str, slug: str, revision: str, channel: str, target: str, provider: str,
             list_id: str) -> SendRecord:
        """The row for (ref, target): created in PLANNED if new, else returned unchanged."""
        now = self._stamp()
        with self._transaction():
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO sends (ref, slug, revision, channel, target, provider, list_id, state, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (ref, slug, revision, channel, target, provider, list_id, S.PLANNED.value, now, now))
            if cursor.rowcount:
                self._event(cursor.lastrowid, None, S.PLANNED, f"{provider} list {list_id}", now)
        record = self.get(ref, target)
        assert record is not None
        return record

    def transition(self, record: SendRecord, new: SendState, detail: str = "", *, remote_id: str | None = None,
                   web_url: str | None = None, scheduled_at: str | None = None,
                   error: str | None = None) -> SendRecord:
        """Move `record` to `new` if it is still in the state we read (compare-and-set)."""
        check_transition(record.state, new)
        now = self._stamp()
        with self._transaction():
            cursor = self._db.execute(
                "UPDATE sends SET state = ?, updated_at = ?, remote_id = COALESCE(?, remote_id), "
                "web_url = COALESCE(?, web_url), scheduled_at = COALESCE(?, scheduled_at), last_error = ? "
                "WHERE id = ? AND state = ?",
                (new.value, now, remote_id, self._masked(web_url), scheduled_at, self._masked(error), record.id,
                 record.state.value))
            if cursor.rowcount != 1:
                raise LedgerError(f"ledger: {record.ref} ({record.target}) changed while this command ran — "
                                  "another `newsroom send` or `reconcile` is working on it; run "
                                  "`newsroom status` [ledger.concurrentChange]")
            self._event(record.id, record.state, new, detail or (error or ""), now)
        updated = self.get(record.ref, record.target)
        assert updated is not None
        return updated

    def record_subject_test(self, record: SendRecord, subjects: tuple[str, ...], *, test_share: int,
                            winner_criterion: str, wait_hours: int) -> SubjectTest | None:
        """Write what the provider's A/B test of this send gets, before the draft is made or changed; kept as it
        is once the send has started (SENDING or later), since that is what went out."""
        with self._transaction():
            row = self._db.execute("SELECT state FROM sends WHERE id = ?", (record.id,)).fetchone()
            if row and SendState(row[0]) in (S.PLANNED, S.DRAFTED, S.TEST_SENT, S.FAILED):
                self._db.execute(
                    "INSERT INTO subject_tests (send_id, subjects, test_share, winner_criterion, wait_hours) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (send_id) DO UPDATE SET subjects = excluded.subjects, "
                    "test_share = excluded.test_share, winner_criterion = excluded.winner_criterion, "
                    "wait_hours = excluded.wait_hours",
                    (record.id, json.dumps(list(subjects), ensure_ascii=False), test_share, winner_criterion,
                     wait_hours))
        return self.subject_test(record.id)

    def record_winner(self, record: SendRecord, winner: str) -> SubjectTest:
        """The winning subject, as a provider report names it (one of the subjects sent)."""
        test = self.subject_test(record.id)
        if test is None or winner not in test.subjects:
            raise LedgerError(f"ledger: {record.ref} ({record.target}) has no subject test with the subject "
                              f"{winner!r} [ledger.unknownVariant]")
        with self._transaction():
            self._db.execute("UPDATE subject_tests SET winner = ?, winner_at = ? WHERE send_id = ?",
                             (winner, self._stamp(), record.id))
        return self.subject_test(record.id)  # type: ignore[return-value]

    def subject_test(self, send_id: int) -> SubjectTest | None:
        """The subject A/B test of a send, or None for a send with one subject."""
        if self._version < 2:  # a ledger read as it is, from before subject tests
            return None
        row = self._db.execute("SELECT send_id, subjects, test_share, winner_criterion, wait_hours, winner, winner_at "
                               "FROM subject_tests WHERE send_id = ?", (send_id,)).fetchone()
        if row is None:
            return None
        return SubjectTest(row[0], tuple(json.loads(row[1])), *row[2:])

    def note(self, record: SendRecord, detail: str) -> None:
        """Append an event without a state change (e.g. 'test send to …' before the call)."""
        with self._transaction():
            self._event(record.id, record.state, record.state, detail, self._stamp())

    # -- helpers -----------------------------------------------------------------------------

    def _transaction(self):
        return _Transaction(self._db)

    def _event(self, send_id: int, old: SendState | None, new: SendState, detail: str, at: str) -> None:
        self._db.execute("INSERT INTO events (send_id, at, from_state, to_state, detail) VALUES (?, ?, ?, ?, ?)",
                         (send_id, at, old.value if old else None, new.value, self._mask(detail)))

    def _masked(self, text: str | None) -> str | None:
        return None if text is None else self._mask(text)

    def _stamp(self) -> str:
        return self._now().astimezone(dt.timezone.utc).isoformat(timespec="seconds")

    @staticmethod
    def _record(row: tuple) -> SendRecord:
        values = list(row)
        values[10] = SendState(values[10])
        return SendRecord(*values)


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT, rolled back on error; SQLite errors become LedgerError."""

    def __init__(self, db: sqlite3.Connection):
        self._db = db

    def __enter__(self) -> None:
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as err:
            raise LedgerError(f"ledger: locked by another process ({err}) — wait for it to finish") from err

    def __exit__(self, kind, value, traceback) -> bool:
        if kind is None:
            self._db.execute("COMMIT")
            return False
        self._db.execute("ROLLBACK")
        if isinstance(value, sqlite3.DatabaseError):
            raise LedgerError(f"ledger: {value}") from value
        return False
