"""The send ledger's SQLite file: its tables, the schema versions and their migrations, and how it is opened.

`connect` opens it for writing (WAL, synchronous FULL) and brings an older file to SCHEMA_VERSION, one version
step per transaction; `connect_read_only` (status, the dry run, report's reading) opens it with SQLite's
`mode=ro`, so every write is refused, and leaves an older file as it is. `ledger.Ledger` is the only user.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from pipeline.errors import LedgerError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sends (
    id INTEGER PRIMARY KEY,
    ref TEXT NOT NULL,
    slug TEXT NOT NULL,
    revision TEXT NOT NULL,
    channel TEXT NOT NULL,
    target TEXT NOT NULL,
    provider TEXT NOT NULL,
    list_id TEXT NOT NULL,
    remote_id TEXT,
    web_url TEXT,
    state TEXT NOT NULL,
    scheduled_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    last_error TEXT,
    UNIQUE (ref, target)
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    send_id INTEGER NOT NULL REFERENCES sends(id),
    at TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'the event history is append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'the event history is append-only'); END;
"""
_SUBJECT_TESTS = """
CREATE TABLE IF NOT EXISTS subject_tests (
    send_id INTEGER PRIMARY KEY REFERENCES sends(id),
    subjects TEXT NOT NULL,
    test_share INTEGER NOT NULL,
    winner_criterion TEXT NOT NULL,
    wait_hours INTEGER NOT NULL,
    winner TEXT,
    winner_at TEXT
);
"""
#: Schema steps: MIGRATIONS[v] takes a ledger of version v to v + 1 (0: a new file).
MIGRATIONS = {0: _SCHEMA + _SUBJECT_TESTS, 1: _SUBJECT_TESTS}
SCHEMA_VERSION = 2


def connect(path: Path) -> sqlite3.Connection:
    """The ledger file for reading and writing, created or migrated to SCHEMA_VERSION; LedgerError if unusable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=10, isolation_level=None)

    def prepare() -> None:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        _migrate(db, path)

    _prepared(db, path, prepare)
    return db


def connect_read_only(path: Path) -> tuple[sqlite3.Connection, int]:
    """The existing ledger file, read-only, and its schema version (not migrated); LedgerError if unusable."""
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10, isolation_level=None)

    def version() -> int:
        found = db.execute("PRAGMA user_version").fetchone()[0]
        _refuse_newer(path, found)
        return found

    return db, _prepared(db, path, version)


def _prepared(db: sqlite3.Connection, path: Path, step):
    """`step()` on a new connection; if the file turns out unusable, the connection is closed and LedgerError raised."""
    try:
        return step()
    except sqlite3.DatabaseError as err:
        db.close()
        raise _unusable(path, err) from err
    except LedgerError:
        db.close()
        raise


def _migrate(db: sqlite3.Connection, path: Path) -> None:
    """Bring the file to SCHEMA_VERSION, one step per transaction; the version is read again under the lock, so
    two processes opening an old ledger at once migrate it once."""
    while True:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            return
        _refuse_newer(path, version)
        db.execute("BEGIN IMMEDIATE")
        try:
            if db.execute("PRAGMA user_version").fetchone()[0] == version:
                for statement in _statements(MIGRATIONS[version]):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version={SCHEMA_VERSION if version == 0 else version + 1}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise


def _refuse_newer(path: Path, version: int) -> None:
    if version > SCHEMA_VERSION:
        raise LedgerError(f"{path}: ledger version {version} is newer than this newsroom understands "
                          f"({SCHEMA_VERSION}) — update newsroom")


def _unusable(path: Path, err: sqlite3.DatabaseError) -> LedgerError:
    return LedgerError(f"{path}: the send ledger cannot be opened ({err}) — keep a copy and ask for help; "
                       "do not delete it, it records what was sent")


def _statements(script: str) -> list[str]:
    """A script's statements one by one (executescript would commit the open transaction)."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    return [s for s in statements if s]
