"""Enqueueing a ``django.tasks`` task so that ready tasks run in the order they fell due.

django_tasks_db (the default backend) hands out ready tasks by priority, then
``run_after``, and counts a task enqueued without one as due at the end of time. Left
undated, a mail or a new video job's first step would wait behind every delayed task that
fell due meanwhile (a poll, a retry), and each claim would scan past all those not yet due
to reach it. :func:`enqueue` dates every task on that backend (now when there is no
delay). RQ sends a dated task through its scheduler instead of its queue, so there a task
due now is enqueued undated, straight onto the queue.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.tasks import Task
from django.utils import timezone
from django_tasks_db import DatabaseBackend

__all__ = ["enqueue"]


def enqueue(task: Task, *args: Any, delay: float | None = None, **kwargs: Any) -> Any:
    """Enqueue ``task(*args, **kwargs)``, due now or ``delay`` seconds from now."""
    if delay or isinstance(task.get_backend(), DatabaseBackend):
        task = task.using(run_after=timezone.now() + timedelta(seconds=delay or 0))
    return task.enqueue(*args, **kwargs)
