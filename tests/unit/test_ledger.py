"""The send ledger: the transition table, compare-and-set, append-only history, reopening."""

import datetime as dt
import sqlite3
from itertools import product

import pytest

from pipeline.errors import LedgerError
from pipeline.ledger import ALLOWED, Ledger, SendState, check_transition

S = SendState
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.timezone.utc)

# The moves the send flow relies on, written out independently of ALLOWED (R1).
EXPECTED = {
    (S.PLANNED, S.DRAFTED), (S.PLANNED, S.FAILED), (S.PLANNED, S.SENT), (S.PLANNED, S.SCHEDULED),
    (S.DRAFTED, S.DRAFTED), (S.DRAFTED, S.TEST_SENT), (S.DRAFTED, S.SENDING), (S.DRAFTED, S.FAILED),
    (S.DRAFTED, S.SENT), (S.DRAFTED, S.SCHEDULED),
    (S.TEST_SENT, S.TEST_SENT), (S.TEST_SENT, S.SENDING), (S.TEST_SENT, S.FAILED), (S.TEST_SENT, S.SENT),
    (S.TEST_SENT, S.SCHEDULED),
    (S.SENDING, S.SENT), (S.SENDING, S.SCHEDULED), (S.SENDING, S.UNKNOWN), (S.SENDING, S.DRAFTED),
    (S.SENDING, S.FAILED),
    (S.UNKNOWN, S.SENT), (S.UNKNOWN, S.SCHEDULED), (S.UNKNOWN, S.DRAFTED), (S.UNKNOWN, S.FAILED),
    (S.SCHEDULED, S.SENT), (S.SCHEDULED, S.FAILED),
    (S.FAILED, S.PLANNED),
}


@pytest.fixture
def ledger(tmp_path):
    with Ledger.open(tmp_path / ".newsroom" / "ledger.sqlite3", now=lambda: NOW) as opened:
        yield opened


def plan(ledger, ref="newsroom-x-0123456789ab-to-3", target="production"):
    return ledger.plan(ref=ref, slug="x", revision="0123456789ab" + "0" * 52, channel="newsletter",
                       target=target, provider="listmonk", list_id="3")


@pytest.mark.parametrize(("old", "new"), list(product(S, S)), ids=lambda s: s.name)
def test_every_pair_of_states_is_allowed_exactly_when_listed(old, new):
    if (old, new) in EXPECTED:
        check_transition(old, new)
    else:
        with pytest.raises(LedgerError, match=f"cannot move to {new.name}"):
            check_transition(old, new)


def test_sent_is_final_and_the_table_has_no_extra_moves():
    assert ALLOWED[S.SENT] == frozenset()
    assert {(a, b) for a, targets in ALLOWED.items() for b in targets} == EXPECTED


def test_plan_creates_one_row_and_is_idempotent(ledger):
    first = plan(ledger)
    again = plan(ledger)
    assert first == again
    assert (first.state, first.remote_id, first.created_at) == (S.PLANNED, None, "2026-11-25T12:00:00+00:00")
    assert [(e.from_state, e.to_state, e.detail) for e in ledger.events(first.id)] == [
        (None, S.PLANNED, "listmonk list 3")]


def test_the_same_ref_for_another_target_is_another_row(ledger):
    assert plan(ledger, target="test").id != plan(ledger, target="production").id


def test_a_send_runs_through_its_states_and_keeps_the_history(ledger):
    record = plan(ledger)
    record = ledger.transition(record, S.DRAFTED, "draft 17", remote_id="17", web_url="https://lm/admin/campaigns/17")
    ledger.note(record, "test send to a@example.org requested")
    record = ledger.transition(record, S.TEST_SENT, "test sent")
    record = ledger.transition(record, S.SENDING, "send now")
    record = ledger.transition(record, S.SENT, "listmonk status running")
    assert (record.state, record.remote_id, record.web_url, record.last_error) == (
        S.SENT, "17", "https://lm/admin/campaigns/17", None)
    assert [(e.from_state, e.to_state) for e in ledger.events(record.id)] == [
        (None, S.PLANNED), (S.PLANNED, S.DRAFTED), (S.DRAFTED, S.DRAFTED), (S.DRAFTED, S.TEST_SENT),
        (S.TEST_SENT, S.SENDING), (S.SENDING, S.SENT)]


def test_an_illegal_move_changes_nothing(ledger):
    record = plan(ledger)
    with pytest.raises(LedgerError, match=r"PLANNED cannot move to SENDING .*\[ledger.illegalTransition\]"):
        ledger.transition(record, S.SENDING)
    assert ledger.get(record.ref, record.target) == record
    assert len(ledger.events(record.id)) == 1


def test_transition_is_compare_and_set_across_connections(tmp_path):
    path = tmp_path / "ledger.sqlite3"
    with Ledger.open(path) as one, Ledger.open(path) as two:
        record = one.transition(plan(one), S.DRAFTED, remote_id="17")
        seen_by_two = two.get(record.ref, record.target)
        one.transition(record, S.SENDING)
        with pytest.raises(LedgerError, match="changed while this command ran"):
            two.transition(seen_by_two, S.SENDING)
        assert [e.to_state for e in two.events(record.id)].count(S.SENDING) == 1


def test_events_are_append_only(ledger):
    record = plan(ledger)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        ledger._db.execute("UPDATE events SET detail = 'x'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        ledger._db.execute("DELETE FROM events")
    assert len(ledger.events(record.id)) == 1


def test_errors_are_kept_and_cleared(ledger):
    record = ledger.transition(plan(ledger), S.FAILED, error="listmonk POST /campaigns: 400 invalid `body`")
    assert record.last_error == "listmonk POST /campaigns: 400 invalid `body`"
    assert ledger.events(record.id)[-1].detail == record.last_error
    assert ledger.transition(record, S.PLANNED, "sending again").last_error is None


def test_records_filter_by_report_and_state(ledger):
    a = plan(ledger, ref="newsroom-a-0-to-3")
    b = ledger.transition(plan(ledger, ref="newsroom-b-0-to-3"), S.DRAFTED, remote_id="2")
    assert ledger.records() == [a, b]
    assert ledger.records(states=(S.DRAFTED,)) == [b]
    assert ledger.records(slug="x", states=(S.SENT,)) == []


def test_reopening_keeps_everything(tmp_path):
    path = tmp_path / "ledger.sqlite3"
    with Ledger.open(path) as first:
        record = first.transition(plan(first), S.DRAFTED, remote_id="9")
    with Ledger.open(path) as second:
        assert second.get(record.ref, record.target) == record


def test_a_newer_schema_or_a_broken_file_is_refused_with_advice(tmp_path):
    newer = tmp_path / "newer.sqlite3"
    sqlite3.connect(newer).execute("PRAGMA user_version = 99").connection.close()
    with pytest.raises(LedgerError, match="newer than this newsroom understands"):
        Ledger.open(newer)
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"this is not a database" * 100)
    with pytest.raises(LedgerError, match="do not delete it"):
        Ledger.open(broken)


def test_open_without_create_refuses_a_missing_ledger(tmp_path):
    with pytest.raises(LedgerError, match="no send ledger yet"):
        Ledger.open(tmp_path / "none.sqlite3", create=False)
    assert not (tmp_path / "none.sqlite3").exists()
