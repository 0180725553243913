"""``common.tasks.enqueue``: every task dated on django_tasks_db, so ready tasks run in
the order they fell due (a mail does not wait behind every poll that fell due after it)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.tasks import task_backends
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from common.tasks import enqueue
from dreams.account_tasks import password_reset_email_task
from videos.jobs.machine import video_job_advance_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }


def test_a_mail_runs_before_the_polls_that_fell_due_after_it(database_queue):
    long_due = timezone.now() - timedelta(minutes=1)
    video_job_advance_task.using(run_after=long_due).enqueue("poll due a minute ago")
    enqueue(password_reset_email_task, 1, "dreams.test", True)
    video_job_advance_task.using(run_after=timezone.now()).enqueue("poll due just now")
    enqueue(video_job_advance_task, "poll not due", delay=60)

    order = []
    while (row := DBTaskResult.objects.ready().get_locked()) is not None:
        order.append(row.args_kwargs["args"][0])
        row.delete()

    assert order == ["poll due a minute ago", 1, "poll due just now"]


def test_elsewhere_a_task_due_now_is_enqueued_undated():
    # The dummy backend stands for RQ here (test_rq_backend runs the real one): undated
    # unless delayed.
    backend = task_backends["default"]
    backend.clear()

    enqueue(video_job_advance_task, "now")
    enqueue(video_job_advance_task, "later", delay=30)

    now, later = backend.results
    assert now.task.run_after is None
    assert 29 < (later.task.run_after - timezone.now()).total_seconds() <= 30
