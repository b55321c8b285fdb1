"""The ledger's record of a subject A/B test: written ahead of the draft, kept once sent, a winner later;
and the migration of a ledger written before it existed (schema version 1)."""

import datetime as dt
import sqlite3

import pytest

from pipeline.errors import LedgerError
from pipeline.ledger import Ledger, SendState, SubjectTest
from pipeline.ledger_file import _SCHEMA, SCHEMA_VERSION

S = SendState
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.timezone.utc)
SUBJECTS = ("Industrie im Dialog", "Zukunft der Industrie")


@pytest.fixture
def path(tmp_path):
    return tmp_path / ".newsroom" / "ledger.sqlite3"


def plan(ledger, ref="newsroom-x-0123456789ab-to-7"):
    return ledger.plan(ref=ref, slug="x", revision="0123456789ab" + "0" * 52, channel="newsletter",
                       target="production", provider="brevo", list_id="7")


def record(ledger, record, subjects=SUBJECTS, share=100):
    return ledger.record_subject_test(record, subjects, test_share=share, winner_criterion="manual", wait_hours=4)


def test_the_subjects_share_and_criterion_are_kept_in_order_and_a_plain_send_has_none(path):
    with Ledger.open(path, now=lambda: NOW) as ledger:
        row = plan(ledger)
        assert ledger.subject_test(row.id) is None
        assert record(ledger, row) == SubjectTest(row.id, SUBJECTS, 100, "manual", 4)
    with Ledger.open(path, create=False) as ledger:  # on disk, as a fresh process reads it
        assert ledger.subject_test(row.id).subjects == SUBJECTS


def test_a_new_run_before_the_send_updates_the_test_but_not_after_it_started(path):
    with Ledger.open(path, now=lambda: NOW) as ledger:
        row = plan(ledger)
        record(ledger, row)
        assert record(ledger, row, share=50).test_share == 50  # settings changed before the send: the new ones
        row = ledger.transition(ledger.transition(row, S.DRAFTED, remote_id="17"), S.SENDING)
        assert record(ledger, row, subjects=("Anders", "Ganz anders")).subjects == SUBJECTS  # what went out


def test_the_winner_is_one_of_the_subjects_sent(path):
    with Ledger.open(path, now=lambda: NOW) as ledger:
        row = plan(ledger)
        record(ledger, row)
        won = ledger.record_winner(row, SUBJECTS[1])
        assert (won.winner, won.winner_at) == (SUBJECTS[1], "2026-11-25T12:00:00+00:00")
        with pytest.raises(LedgerError, match="has no subject test with the subject 'Etwas anderes'"):
            ledger.record_winner(row, "Etwas anderes")
        plain = plan(ledger, ref="newsroom-y-0123456789ab-to-7")
        with pytest.raises(LedgerError, match=r"\[ledger.unknownVariant\]"):
            ledger.record_winner(plain, SUBJECTS[0])


def write_version_1_ledger(path) -> None:
    """A ledger as a Newsroom before subject tests left it: schema version 1, one sent campaign."""
    path.parent.mkdir(parents=True)
    old = sqlite3.connect(path, isolation_level=None)
    old.executescript(f"BEGIN; {_SCHEMA} PRAGMA user_version=1; COMMIT;")
    old.execute("INSERT INTO sends (ref, slug, revision, channel, target, provider, list_id, state, created_at, "
                "updated_at) VALUES ('r', 'x', 'v', 'newsletter', 'production', 'outbox', 'team', 'sent', 't', 't')")
    old.close()


def test_a_ledger_of_schema_version_1_is_migrated_and_keeps_its_sends(path):
    write_version_1_ledger(path)
    with Ledger.open(path, create=False) as ledger:
        (sent,) = ledger.records()
        assert (sent.ref, sent.state) == ("r", S.SENT)
        assert ledger.subject_test(sent.id) is None
        row = plan(ledger)
        assert record(ledger, row).subjects == SUBJECTS
    with sqlite3.connect(path) as check:
        assert check.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
        # the history is still append-only after the migration
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            check.execute("DELETE FROM events")


def test_a_reader_leaves_a_ledger_of_schema_version_1_as_it_is(path):
    """status, the dry run and report open the ledger read-only: an old file is read, not migrated."""
    from types import SimpleNamespace

    from pipeline.settle import status_lines

    write_version_1_ledger(path)
    before = path.read_bytes()
    with Ledger.open(path, read_only=True) as ledger:
        (sent,) = ledger.records()
        assert (sent.ref, ledger.subject_test(sent.id)) == ("r", None)
        with pytest.raises(Exception, match="readonly"):
            plan(ledger)
    assert status_lines(SimpleNamespace(root=path.parent.parent), "x")[0].startswith("x  newsletter  production")
    assert path.read_bytes() == before
    with sqlite3.connect(path) as check:
        assert check.execute("PRAGMA user_version").fetchone()[0] == 1


def test_a_reader_needs_a_ledger_to_be_there(path):
    with pytest.raises(LedgerError, match="no send ledger yet"):
        Ledger.open(path, read_only=True)
    assert not path.parent.exists()
