"""Replaying the emergency journal into the dream tables, exactly once.

Safe to run anywhere, any time, by several processes at once: each record is claimed in
the journal before it is written, and the insert is keyed by the record's own id. A
background thread per process replays as soon as the database answers again.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connections, transaction

from common.owners import Owner
from dreams import services
from dreams.models import DemoDream, Dream
from dreams.storage import journal

logger = logging.getLogger(__name__)


@dataclass
class ReplaySummary:
    replayed: int = 0
    already_there: int = 0
    unreplayable: int = 0
    skipped: int = 0


def emergency_replay() -> ReplaySummary:
    """Move every waiting record into its table, exactly once. Safe to run anywhere, any time.

    A record that can never be replayed (its user was deleted, its data no longer
    validates) is kept as ``unreplayable`` with the reason, never dropped.
    """
    summary = ReplaySummary()
    if not journal.journal_path().exists() or not journal.database_answers():
        return summary
    worker = f"{os.getpid()}-{threading.get_ident()}-{uuid.uuid4().hex[:8]}"
    with journal.journal_connection() as conn:
        for record in journal.records_to_replay(conn):
            if not journal.claim(conn, record.id, worker):
                summary.skipped += 1
                continue
            try:
                created = emergency_record_replay(record=record)
            except (IntegrityError, ValidationError, ValueError, LookupError) as exc:
                reason = f"{type(exc).__name__}: {exc}"
                journal.finish(conn, record.id, journal.UNREPLAYABLE, reason)
                summary.unreplayable += 1
                logger.error("emergency record %s cannot be replayed: %s", record.id, exc)
                continue
            except DatabaseError:
                # The database went away again: give the record back and stop.
                journal.release(conn, record.id, worker)
                break
            journal.finish(conn, record.id, journal.REPLAYED)
            if created:
                summary.replayed += 1
            else:
                summary.already_there += 1
    journal.pending_changed()
    return summary


@transaction.atomic
def emergency_record_replay(*, record: journal.EmergencyRecord) -> bool:
    """Write one journal record into its table with its own id and timestamps.

    Returns False when it is already there (a replay that ran before). Raises
    ``ValueError`` when it can never be replayed (e.g. its user was deleted).
    """
    data = dict(record.payload)
    model = Dream if record.owner_user_id is not None else DemoDream
    if model.objects.filter(pk=record.id).exists():
        return False
    if record.owner_user_id is not None:
        user = get_user_model().objects.filter(pk=record.owner_user_id).first()
        if user is None:
            raise ValueError(f"user {record.owner_user_id} no longer exists")
        owner = Owner(user=user)
    else:
        owner = Owner(session_key=record.owner_session)
    services.dream_create_replayed(
        owner=owner, dream_id=record.id, created_at=record.created_at, data=data
    )
    return True


# --- Replay as soon as the database answers ----------------------------------------------

_replayer_lock = threading.Lock()
_replayer: threading.Thread | None = None
_stop = threading.Event()


def _replay_loop() -> None:
    try:
        while not _stop.is_set():
            try:
                emergency_replay()
            except Exception:
                logger.exception("emergency replay failed; will retry")
            if journal.emergency_pending_count() == 0:
                return
            _stop.wait(settings.EMERGENCY_REPLAY_INTERVAL)
    finally:
        connections.close_all()


def start_replayer() -> None:
    """Start (once per process) a background thread that replays until nothing waits."""
    global _replayer
    if not settings.EMERGENCY_AUTO_REPLAY:
        return
    with _replayer_lock:
        if _replayer is not None and _replayer.is_alive():
            return
        _replayer = threading.Thread(target=_replay_loop, name="emergency-replay", daemon=True)
        _replayer.start()


class EmergencyReplayMiddleware:
    """After a restart, the first requests notice waiting records and start the replayer."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if settings.EMERGENCY_AUTO_REPLAY and journal.emergency_waiting():
            start_replayer()
        return self.get_response(request)
