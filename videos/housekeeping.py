"""Sweeping what a killed process can leave behind: staged uploads, demo renders, temp dirs.

Every request and job deletes its own files when it ends; this catches what a crash, a
kill or a deleted owner left. The supervised worker runs it on a schedule
(``manage.py supervise_worker``), and ``make run`` runs it at start.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone

from videos.models import ACTIVE_JOB_STATUSES, VideoJob

#: Where uploads wait for their ingest job (``VideoJob.staged_file``'s ``upload_to``).
STAGING_DIR = "staging"
#: Prefixes of the temporary folders that asset creation and the probe sandbox make.
TEMP_PREFIXES = ("dj-ingest-", "dj-upload-", "dj-sandbox-", "dj-render-", "dj-sign-")

#: Sweeps of the apps above this one, by name, run with ours (``register_sweep``). Each is
#: called with the leftover age and returns how many things it deleted.
_SWEEPS: dict[str, Callable[[timedelta], int]] = {}


def register_sweep(name: str, sweep: Callable[[timedelta], int]) -> None:
    """Have ``media_sweep`` run ``sweep`` too (an app above this one registers it at start)."""
    _SWEEPS[name] = sweep


@dataclass
class SweepReport:
    staged_files: int = 0
    demo_renders: int = 0
    temp_dirs: int = 0
    others: dict[str, int] = field(default_factory=dict)  # by registered sweep

    @property
    def total(self) -> int:
        return self.staged_files + self.demo_renders + self.temp_dirs + sum(self.others.values())


def _sweep_staging(cutoff) -> int:
    try:
        _, names = default_storage.listdir(STAGING_DIR)
    except (FileNotFoundError, NotADirectoryError):
        return 0
    in_use = set(
        VideoJob.objects.filter(status__in=ACTIVE_JOB_STATUSES)
        .exclude(staged_file="")
        .values_list("staged_file", flat=True)
    )
    removed = 0
    for name in names:
        path = f"{STAGING_DIR}/{name}"
        if path in in_use:
            continue
        try:
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
                removed += 1
        except FileNotFoundError:
            continue  # another sweeper or the job itself was quicker
    return removed


def _sweep_folder(folder: Path, *, older_than: float, match) -> int:
    removed = 0
    if not folder.is_dir():
        return 0
    for entry in folder.iterdir():
        try:
            if not match(entry) or entry.stat().st_mtime >= older_than:
                continue
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed += 1
        except FileNotFoundError:
            continue
    return removed


def media_sweep(*, max_age: timedelta | None = None) -> SweepReport:
    """Delete leftovers older than ``max_age`` (default ``VIDEO_LEFTOVER_MAX_AGE_SECONDS``).

    Staged uploads still referenced by a job in flight are kept whatever their age. The
    registered sweeps of other apps run last (``register_sweep``).
    """
    if max_age is None:
        max_age = timedelta(seconds=settings.VIDEO_LEFTOVER_MAX_AGE_SECONDS)
    older_than = time.time() - max_age.total_seconds()
    return SweepReport(
        staged_files=_sweep_staging(timezone.now() - max_age),
        # Finished renders are deleted once stored; what is left here was orphaned.
        demo_renders=_sweep_folder(
            Path(settings.VIDEO_DEMO_WORKDIR),
            older_than=older_than,
            match=lambda p: p.is_file() and p.suffix == ".mp4",
        ),
        temp_dirs=_sweep_folder(
            Path(tempfile.gettempdir()),
            older_than=older_than,
            match=lambda p: p.is_dir() and p.name.startswith(TEMP_PREFIXES),
        ),
        others={name: sweep(max_age) for name, sweep in _SWEEPS.items()},
    )
