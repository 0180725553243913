"""Run the task worker under supervision: restarted with backoff, housekeeping on a schedule.

``make run`` starts this instead of a bare worker (``task_worker``: ``db_worker``'s loop in
several threads): a worker that exits (its database went away, it crashed) is started
again after 1, 2, 4 ... 30 s, and resumes on its own once the database answers. Jobs a
dead worker left in flight are re-enqueued at start and every ``VIDEO_JOB_STALE_SECONDS``;
leftovers of dead processes are swept at start and every ``VIDEO_SWEEP_INTERVAL_SECONDS``.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError, connections

from videos.housekeeping import media_sweep
from videos.jobs.control import video_jobs_recover

_MAX_BACKOFF_SECONDS = 30.0
_TICK_SECONDS = 0.5
# A worker that ran this long was healthy: the next restart starts from the shortest delay.
_HEALTHY_SECONDS = 60.0


class Command(BaseCommand):
    help = "Run the task worker, restart it with backoff when it exits, sweep leftovers hourly."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "worker",
            nargs="*",
            help="The worker command after --, default: task_worker --interval 0.5",
        )

    def handle(self, *args, worker: list[str], **options) -> None:
        # task_worker: db_worker's loop in TASK_WORKER_THREADS threads of one process.
        command = [sys.executable, "manage.py", *(worker or ["task_worker", "--interval", "0.5"])]
        if command[2] == "db_worker" and "--no-reload" not in command:
            command.append("--no-reload")
        stop = _StopFlag()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, stop.set)
        self._recover()
        self._sweep()
        next_recovery = time.monotonic() + settings.VIDEO_JOB_STALE_SECONDS
        next_sweep = time.monotonic() + settings.VIDEO_SWEEP_INTERVAL_SECONDS
        delay = 0.5  # doubled before the first restart: 1, 2, 4 ... 30 s
        while not stop.is_set():
            started = time.monotonic()
            child = subprocess.Popen(command)
            while child.poll() is None and not stop.is_set():
                stop.wait(_TICK_SECONDS)
                if time.monotonic() >= next_recovery:
                    self._recover()
                    next_recovery = time.monotonic() + settings.VIDEO_JOB_STALE_SECONDS
                if time.monotonic() >= next_sweep:
                    self._sweep()
                    next_sweep = time.monotonic() + settings.VIDEO_SWEEP_INTERVAL_SECONDS
            if stop.is_set():
                child.terminate()
                try:
                    child.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    child.kill()
                break
            ran = time.monotonic() - started
            delay = 1.0 if ran >= _HEALTHY_SECONDS else min(delay * 2, _MAX_BACKOFF_SECONDS)
            self.stderr.write(
                f"worker exited with {child.returncode} after {ran:.0f} s; restart in {delay:.0f} s"
            )
            stop.wait(delay)

    def _recover(self) -> None:
        """Re-enqueue jobs no worker touched lately (a crashed worker's); outages postpone it."""
        try:
            if recovered := video_jobs_recover():
                self.stdout.write(f"Re-enqueued {recovered} stalled job(s).")
        except DatabaseError as exc:
            self.stderr.write(f"job recovery postponed, database unavailable: {exc}")
        finally:
            connections.close_all()

    def _sweep(self) -> None:
        """Delete what dead processes left behind; a database outage postpones it."""
        try:
            report = media_sweep()
            if report.total:
                self.stdout.write(f"Swept {report.total} leftover file(s) or folder(s).")
        except DatabaseError as exc:
            self.stderr.write(f"sweep postponed, database unavailable: {exc}")
        finally:
            connections.close_all()


class _StopFlag:
    """Set by a signal handler, polled by the loop.

    Not a ``threading.Event``: its ``set()`` takes a lock the interrupted ``wait()`` may
    hold in the same thread, so a handler calling it can deadlock the process.
    """

    def __init__(self) -> None:
        self._set = False

    def set(self, *_signal_args) -> None:
        self._set = True

    def is_set(self) -> bool:
        return self._set

    def wait(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self._set and time.monotonic() < deadline:
            time.sleep(min(_TICK_SECONDS, max(0.0, deadline - time.monotonic())))
