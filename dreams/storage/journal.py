"""The emergency journal: a durable local file for dreams written while the database is down.

When the main database cannot be reached, a dream (and its video request) is
appended to a separate SQLite file on local disk (WAL, ``synchronous=FULL``:
fsynced before we answer 202). Reads of the owner's dreams include waiting
records (``dreams.storage.records``). As soon as the database answers again the
records are replayed into their tables (``dreams.storage.replay``) with their
original ids and timestamps, exactly once:

* a record is *claimed* in the journal by one process at a time (compare-and-set
  on its state; a claim older than ``_CLAIM_TIMEOUT`` is taken over, since its
  process died);
* the insert is keyed by the record's own id, so a replay that ran before a
  crash is recognised and not repeated;
* a record that can never be replayed (its user was deleted, its data no longer
  validates) is kept as ``unreplayable`` with the reason, never dropped.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from common.exceptions import ServiceBusy

logger = logging.getLogger(__name__)

PENDING, REPLAYING, REPLAYED, UNREPLAYABLE = "pending", "replaying", "replayed", "unreplayable"
_CLAIM_TIMEOUT = timedelta(minutes=2)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    id TEXT PRIMARY KEY,
    owner_user_id INTEGER,
    owner_session TEXT NOT NULL DEFAULT '',
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    claimed_by TEXT NOT NULL DEFAULT '',
    claimed_at TEXT,
    replayed_at TEXT,
    error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS records_state ON records(state);
CREATE INDEX IF NOT EXISTS records_owner ON records(owner_user_id, owner_session, state);
"""


@dataclass(frozen=True)
class EmergencyRecord:
    id: str
    owner_user_id: int | None
    owner_session: str
    payload: dict[str, Any]
    created_at: datetime
    state: str
    error: str


_prepared: set[Path] = set()


def journal_path() -> Path:
    return Path(settings.EMERGENCY_JOURNAL_PATH)


@contextmanager
def journal_connection() -> Iterator[sqlite3.Connection]:
    """An open connection to the journal (file and schema created on first use)."""
    path = journal_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous=FULL")  # fsync on every commit: a 202 is durable
        if path not in _prepared:  # WAL mode and the schema persist in the file: once per process
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)
            _prepared.add(path)
        yield conn
    finally:
        conn.close()


def _row_to_record(row: tuple) -> EmergencyRecord:
    return EmergencyRecord(
        id=row[0],
        owner_user_id=row[1],
        owner_session=row[2],
        payload=json.loads(row[3]),
        created_at=datetime.fromisoformat(row[4]),
        state=row[5],
        error=row[6],
    )


_COLUMNS = "id, owner_user_id, owner_session, payload, created_at, state, error"


class JournalFull(ServiceBusy):
    """The journal holds as much as it may (for this owner, or for everyone): try later."""


def _usage(conn: sqlite3.Connection, where: str = "", params: tuple = ()) -> tuple[int, int]:
    """(records, payload bytes) waiting for replay, optionally of one owner."""
    row = conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(LENGTH(CAST(payload AS BLOB))), 0) FROM records "  # noqa: S608
        f"WHERE state IN (?, ?) {where}",
        (PENDING, REPLAYING, *params),
    ).fetchone()
    return row[0], row[1]


def _check_quota(conn, *, owner_user_id: int | None, owner_session: str, size: int) -> None:
    records, used = _usage(conn)
    if records >= settings.EMERGENCY_MAX_RECORDS or used + size > settings.EMERGENCY_MAX_BYTES:
        raise JournalFull("We are saving too many dreams offline right now; try again shortly.")
    if owner_user_id is not None:
        mine = _usage(conn, "AND owner_user_id = ?", (owner_user_id,))
    else:
        mine = _usage(conn, "AND owner_session = ? AND owner_user_id IS NULL", (owner_session,))
    if (
        mine[0] >= settings.EMERGENCY_MAX_RECORDS_PER_OWNER
        or mine[1] + size > settings.EMERGENCY_MAX_BYTES_PER_OWNER
    ):
        raise JournalFull("You have saved as many dreams offline as we can keep; try again soon.")


def emergency_append(
    *, owner_user_id: int | None, owner_session: str, payload: dict[str, Any]
) -> EmergencyRecord:
    """Durably journal one dream (and its video request); returns the record as stored.

    Raises ``JournalFull`` when the owner's or everyone's budget (records and bytes,
    ``EMERGENCY_MAX_*``) would be exceeded: an outage must not let one client fill the disk.
    """
    record_id = str(uuid.uuid4())
    now = timezone.now()
    body = json.dumps(payload)
    with journal_connection() as conn:
        conn.execute("BEGIN IMMEDIATE")  # the quota check and the insert are one step
        try:
            _check_quota(
                conn,
                owner_user_id=owner_user_id,
                owner_session=owner_session,
                size=len(body.encode()),
            )
            conn.execute(
                "INSERT INTO records (id, owner_user_id, owner_session, payload, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (record_id, owner_user_id, owner_session, body, now.isoformat()),
            )
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    _pending_cache.update(1)
    return EmergencyRecord(record_id, owner_user_id, owner_session, payload, now, PENDING, "")


def emergency_records(
    *, owner_user_id: int | None = None, owner_session: str = "", states=(PENDING, REPLAYING)
) -> list[EmergencyRecord]:
    """Records waiting for replay (newest first), of one owner when given."""
    if not journal_path().exists():
        return []
    marks = ",".join("?" for _ in states)
    query = f"SELECT {_COLUMNS} FROM records WHERE state IN ({marks})"  # noqa: S608 - placeholders
    params: list[Any] = list(states)
    if owner_user_id is not None:
        query += " AND owner_user_id = ?"
        params.append(owner_user_id)
    elif owner_session:
        query += " AND owner_session = ? AND owner_user_id IS NULL"
        params.append(owner_session)
    with journal_connection() as conn:
        rows = conn.execute(query + " ORDER BY created_at DESC", params).fetchall()
    return [_row_to_record(row) for row in rows]


def emergency_waiting() -> bool:
    """Cheap (re-read at most every few seconds): are records waiting for replay?"""
    return _pending_cache.waiting()


def emergency_pending_count() -> int:
    if not journal_path().exists():
        return 0
    with journal_connection() as conn:
        return conn.execute(
            "SELECT COUNT(*) FROM records WHERE state IN (?, ?)", (PENDING, REPLAYING)
        ).fetchone()[0]


def claim(conn: sqlite3.Connection, record_id: str, worker: str) -> bool:
    """Take a record for replay (or take over a claim whose process died); ``False`` if taken."""
    now = timezone.now()
    stale = (now - _CLAIM_TIMEOUT).isoformat()
    cursor = conn.execute(
        "UPDATE records SET state = ?, claimed_by = ?, claimed_at = ? "
        "WHERE id = ? AND (state = ? OR (state = ? AND claimed_at < ?))",
        (REPLAYING, worker, now.isoformat(), record_id, PENDING, REPLAYING, stale),
    )
    return cursor.rowcount == 1


def finish(conn: sqlite3.Connection, record_id: str, state: str, error: str = "") -> None:
    """Mark a claimed record ``replayed`` or ``unreplayable`` (with the reason)."""
    conn.execute(
        "UPDATE records SET state = ?, replayed_at = ?, error = ? WHERE id = ?",
        (state, timezone.now().isoformat(), error[:1000], record_id),
    )


def database_answers() -> bool:
    """Does the main database answer right now? (Closes a connection that broke.)"""
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        connection.close_if_unusable_or_obsolete()
        return False
    return True


def release(conn: sqlite3.Connection, record_id: str, worker: str) -> None:
    """Give a claimed record back (the database went away again mid-replay)."""
    conn.execute(
        "UPDATE records SET state = ? WHERE id = ? AND claimed_by = ?",
        (PENDING, record_id, worker),
    )


def records_to_replay(conn: sqlite3.Connection) -> list[EmergencyRecord]:
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM records WHERE state IN (?, ?) ORDER BY created_at",  # noqa: S608
        (PENDING, REPLAYING),
    ).fetchall()
    return [_row_to_record(row) for row in rows]


class _PendingCache:
    """How many records wait, re-read from the journal at most every few seconds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count: int | None = None
        self._checked: datetime | None = None

    def update(self, delta: int) -> None:
        with self._lock:
            self._count = (self._count or 0) + delta

    def reset(self) -> None:
        with self._lock:
            self._count, self._checked = None, None

    def waiting(self) -> bool:
        now = timezone.now()
        with self._lock:
            fresh = self._checked and now - self._checked < timedelta(seconds=5)
            if fresh and self._count is not None:
                return self._count > 0
        count = emergency_pending_count()
        with self._lock:
            self._count, self._checked = count, now
        return count > 0


_pending_cache = _PendingCache()


def pending_changed() -> None:
    """Forget the cached count (after a replay): the next question re-reads the journal."""
    _pending_cache.reset()
