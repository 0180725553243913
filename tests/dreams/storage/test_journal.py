"""The emergency journal (``dreams.storage.journal``) on its own: no main database at all.

These tests carry no ``django_db`` mark, so pytest-django refuses any query to the main
database: the journal must work while that database is down. Each test has its own
journal file (``EMERGENCY_JOURNAL_PATH`` under the test's temp folder).
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from django.utils import timezone

from dreams.storage import journal

ALICE, BOB = 1, 2
SESSION = "a-demo-session-key"


def _append(title: str, *, user: int | None = ALICE, session: str = "") -> journal.EmergencyRecord:
    return journal.emergency_append(
        owner_user_id=user,
        owner_session=session,
        payload={"title": title, "content": f"{title}.", "generate_video": False},
    )


def _state(record_id: str) -> str:
    with journal.journal_connection() as conn:
        return conn.execute("SELECT state FROM records WHERE id = ?", (record_id,)).fetchone()[0]


def test_an_appended_record_is_durable_in_its_own_file_and_comes_back_as_written(settings):
    record = _append("Lighthouse")

    # The journal is a separate SQLite file in WAL mode, with fsync on every commit
    assert journal.journal_path() == settings.EMERGENCY_JOURNAL_PATH
    assert journal.journal_path().exists()
    with sqlite3.connect(journal.journal_path()) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with journal.journal_connection() as conn:
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL

    # And the record reads back exactly, waiting for replay
    [again] = journal.emergency_records(owner_user_id=ALICE)
    assert again == record
    assert record.state == journal.PENDING and record.error == ""
    assert record.payload == {
        "title": "Lighthouse",
        "content": "Lighthouse.",
        "generate_video": False,
    }
    assert abs(record.created_at - timezone.now()) < timedelta(seconds=5)


def test_no_journal_file_means_nothing_waits_and_none_is_created():
    assert journal.emergency_records(owner_user_id=ALICE) == []
    assert journal.emergency_pending_count() == 0
    assert not journal.journal_path().exists()


def test_records_are_listed_per_owner_newest_first():
    first = _append("Alice one")
    _append("Bob one", user=BOB)
    demo = _append("Demo one", user=None, session=SESSION)
    second = _append("Alice two")

    assert [r.id for r in journal.emergency_records(owner_user_id=ALICE)] == [second.id, first.id]
    assert [r.payload["title"] for r in journal.emergency_records(owner_user_id=BOB)] == ["Bob one"]
    assert [r.id for r in journal.emergency_records(owner_session=SESSION)] == [demo.id]
    assert journal.emergency_records(owner_session="another-session") == []
    assert len(journal.emergency_records()) == 4  # every owner's
    assert journal.emergency_pending_count() == 4


def test_a_session_key_does_not_reach_a_users_records():
    # A user's record written from a browser that also had a demo session
    _append("Signed in", user=ALICE, session=SESSION)

    assert journal.emergency_records(owner_session=SESSION) == []
    assert len(journal.emergency_records(owner_user_id=ALICE)) == 1


def test_a_claim_is_taken_once_and_finishing_takes_the_record_out_of_the_waiting():
    record = _append("Claimed")

    with journal.journal_connection() as conn:
        assert journal.claim(conn, record.id, "worker-a") is True
        assert journal.claim(conn, record.id, "worker-b") is False  # taken
        assert _state(record.id) == journal.REPLAYING
        # Still waiting (a claim may be given back), so still shown to its owner
        assert [r.id for r in journal.records_to_replay(conn)] == [record.id]
        assert journal.emergency_pending_count() == 1

        journal.finish(conn, record.id, journal.REPLAYED)

        assert journal.records_to_replay(conn) == []
    assert _state(record.id) == journal.REPLAYED
    assert journal.emergency_records(owner_user_id=ALICE) == []
    assert journal.emergency_pending_count() == 0


def test_a_released_claim_can_be_claimed_again():
    record = _append("Released")

    with journal.journal_connection() as conn:
        assert journal.claim(conn, record.id, "worker-a")
        journal.release(conn, record.id, "worker-a")

        assert _state(record.id) == journal.PENDING
        assert journal.claim(conn, record.id, "worker-b") is True


def test_only_the_claiming_worker_can_release_its_claim():
    record = _append("Mine")

    with journal.journal_connection() as conn:
        journal.claim(conn, record.id, "worker-a")
        journal.release(conn, record.id, "worker-b")

    assert _state(record.id) == journal.REPLAYING


def test_a_claim_left_by_a_dead_process_is_taken_over_after_two_minutes():
    record = _append("Orphaned claim")
    with journal.journal_connection() as conn:
        journal.claim(conn, record.id, "dead-worker")
        recent = (timezone.now() - timedelta(seconds=90)).isoformat()
        conn.execute("UPDATE records SET claimed_at = ? WHERE id = ?", (recent, record.id))
        assert journal.claim(conn, record.id, "new-worker") is False  # might still be alive

        stale = (timezone.now() - timedelta(minutes=3)).isoformat()
        conn.execute("UPDATE records SET claimed_at = ? WHERE id = ?", (stale, record.id))
        assert journal.claim(conn, record.id, "new-worker") is True


@pytest.mark.parametrize("final", [journal.REPLAYED, journal.UNREPLAYABLE])
def test_a_finished_record_is_never_claimed_again(final):
    record = _append("Done")
    with journal.journal_connection() as conn:
        journal.claim(conn, record.id, "worker-a")
        journal.finish(conn, record.id, final, "reason" if final == journal.UNREPLAYABLE else "")

        assert journal.claim(conn, record.id, "worker-b") is False


def test_an_unreplayable_record_is_kept_with_its_reason():
    record = _append("Orphan")
    with journal.journal_connection() as conn:
        journal.claim(conn, record.id, "worker-a")
        journal.finish(conn, record.id, journal.UNREPLAYABLE, "ValueError: user 1 is gone")

    [kept] = journal.emergency_records(states=(journal.UNREPLAYABLE,))
    assert (kept.id, kept.state, kept.error) == (
        record.id,
        journal.UNREPLAYABLE,
        "ValueError: user 1 is gone",
    )
    assert journal.emergency_pending_count() == 0


def test_waiting_is_known_without_reading_the_file_each_time():
    journal.pending_changed()
    assert journal.emergency_waiting() is False

    _append("Counted")  # the cached count follows appends at once

    assert journal.emergency_waiting() is True
    journal.pending_changed()
