"""The supervised worker resumes after a database outage and a crash, and stops cleanly.

``manage.py supervise_worker`` runs as its own process on the test database through a
TCP proxy the test cuts. Its child ``db_worker`` dies when the database goes away (and
when it is SIGKILLed); the supervisor starts it again with backoff, and jobs submitted
afterwards are made. At start it sweeps old leftovers. On
SIGTERM it stops its worker and exits, leaving no process behind. A job the worker was in
the middle of when it died is re-enqueued once it is stale (``VIDEO_JOB_STALE_SECONDS``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from common.owners import Owner
from dreams.services import dream_create, dream_video_generate
from tests.hostile.fixtures_hostile import (
    ROOT,
    age,
    alive,
    children_of,
    command_line,
    postgres_proxy,
    process_env,
)
from tests.support.processes import stop_process_group, wait_for
from videos.models import JobStatus, VideoJob

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

FINAL = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


@pytest.fixture
def proxy():
    proxy = postgres_proxy()
    if proxy is None:
        pytest.skip("the outage is a cut TCP connection to PostgreSQL: run on PostgreSQL")
    yield proxy
    proxy.cut()


@pytest.fixture
def supervisor(proxy, settings, tmp_path):
    """Start ``supervise_worker`` (its worker polls every 0.2 s); stopped after the test."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    started: list[subprocess.Popen] = []

    def start(**env: str) -> subprocess.Popen:
        process = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "supervise_worker",
                "--",
                "db_worker",
                "--interval",
                "0.2",
                "--no-startup-delay",
            ],
            cwd=ROOT,
            env=process_env(proxy, tmp_path, VIDEO_SWEEP_INTERVAL_SECONDS="3600", **env),
            stdout=(tmp_path / "supervisor.log").open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        stop_process_group(process)


def _worker_of(process: subprocess.Popen) -> int | None:
    """The pid of the supervisor's running ``db_worker`` child, if any."""
    for pid in children_of(process.pid):
        if "db_worker" in command_line(pid) and alive(pid):
            return pid
    return None


def _finished(job: VideoJob) -> VideoJob | None:
    return VideoJob.objects.filter(pk=job.pk, status__in=FINAL).first()


def _submit(user, title: str, duration: int = 2) -> VideoJob:
    owner = Owner(user=user)
    dream = dream_create(owner=owner, title=title, content="Lanterns drifted over a calm lake.")
    return dream_video_generate(owner=owner, dream=dream, prompt=title, duration=duration)


def test_the_supervised_worker_survives_an_outage_and_a_crash_then_stops_cleanly(
    supervisor, proxy, user, tmp_path
):
    # Left by a dead process before the start: an old orphaned upload.
    orphan = Path(django_settings.MEDIA_ROOT) / "staging" / "dead-process.upload"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"left behind")
    age(orphan, 4 * 60 * 60)

    process = supervisor()
    first = wait_for(lambda: _worker_of(process), timeout=30)

    assert not orphan.exists()  # swept at start, before the worker was started

    # The database goes away: the worker dies; the supervisor lives on.
    proxy.cut()
    wait_for(lambda: not alive(first), timeout=30)
    assert process.poll() is None
    proxy.restore()

    # Once it answers again a new worker runs, and new jobs are made.
    second = wait_for(lambda: (pid := _worker_of(process)) and pid != first and pid, timeout=30)
    after_outage = _submit(user, "after the outage")
    done = wait_for(lambda: _finished(after_outage), timeout=60)
    assert done.status == JobStatus.SUCCEEDED, done.error_message

    # A crash (SIGKILL) is survived the same way: another worker takes over.
    os.kill(second, signal.SIGKILL)
    third = wait_for(lambda: (pid := _worker_of(process)) and pid != second and pid, timeout=30)

    # SIGTERM to the supervisor alone: it stops its worker and exits.
    os.kill(process.pid, signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    assert not alive(third), "the worker outlived its supervisor"
    assert _worker_of(process) is None
    log = (tmp_path / "supervisor.log").read_text()
    assert "restart in" in log


def test_a_job_interrupted_by_a_worker_crash_is_finished_after_the_restart(supervisor, user):
    process = supervisor(VIDEO_JOB_STALE_SECONDS="1")
    first = wait_for(lambda: _worker_of(process), timeout=30)
    job = _submit(user, "interrupted", duration=10)  # about a second of rendering
    wait_for(
        lambda: VideoJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).exists(),
        timeout=30,
        interval=0.01,
    )

    os.kill(first, signal.SIGKILL)  # the worker dies in the middle of the job
    wait_for(lambda: (pid := _worker_of(process)) and pid != first, timeout=30)
    assert VideoJob.objects.get(pk=job.pk).status == JobStatus.RUNNING

    done = wait_for(lambda: _finished(job), timeout=10)
    assert done.status == JobStatus.SUCCEEDED
