"""The order in which a database worker takes ready tasks: what ``db_worker`` and
``task_worker`` claim next (``DBTaskResult.objects.ready()…get_locked()``, their own query),
on django_tasks_db's real table."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from common.tasks import enqueue
from videos.jobs.machine import (
    enqueue_advance,
    video_job_advance_task,
    video_job_cancel_at_provider_task,
)
from videos.renditions.tasks import RENDITIONS_PRIORITY, video_renditions_enqueue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def database_queue(settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }


def claim_order() -> list[tuple[str, list]]:
    """(task name, arguments) of every ready task, in the order workers claim them."""
    order = []
    while (row := DBTaskResult.objects.ready().get_locked()) is not None:
        order.append((row.task_path.rsplit(".", 1)[1], row.args_kwargs["args"]))
        row.delete()
    return order


def test_steps_run_in_the_order_they_fell_due_a_new_job_s_first_step_included():
    long_due = timezone.now() - timedelta(minutes=1)
    video_job_advance_task.using(run_after=long_due).enqueue("poll due a minute ago")
    enqueue_advance("new job")  # no delay: due now, not "at the end of time"
    # A poll that fell due just after the new job was submitted, and one not due yet.
    video_job_advance_task.using(run_after=timezone.now()).enqueue("poll due just now")
    enqueue_advance("poll not due", delay=60)

    assert claim_order() == [
        ("video_job_advance_task", ["poll due a minute ago"]),
        ("video_job_advance_task", ["new job"]),
        ("video_job_advance_task", ["poll due just now"]),
    ]


def test_renditions_wait_behind_every_other_task_that_is_due(committed, settings):
    settings.VIDEO_RENDITIONS = True
    with committed():
        video_renditions_enqueue("asset stored first")
    enqueue(video_job_cancel_at_provider_task, "runway", "task enqueued next")
    enqueue_advance("job step enqueued last")

    assert DBTaskResult.objects.get(task_path__endswith="renditions_task").priority == (
        RENDITIONS_PRIORITY
    )
    # Every other task in the order it was enqueued (each is dated when it falls due),
    # the rendition, enqueued first, last.
    assert claim_order() == [
        ("video_job_cancel_at_provider_task", ["runway", "task enqueued next"]),
        ("video_job_advance_task", ["job step enqueued last"]),
        ("video_renditions_task", ["asset stored first"]),
    ]
