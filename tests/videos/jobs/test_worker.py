"""A real ``db_worker`` process runs whole jobs (with no subject) on the test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from common.owners import Owner
from tests.support.processes import database_url_for_tests, wait_for
from videos.jobs.submission import video_job_submit_generation
from videos.models import VideoJob

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

ROOT = Path(django_settings.BASE_DIR)


def test_a_killed_worker_loses_no_job(start_worker, user, settings):
    """SIGKILL the worker with jobs queued; a new worker (after recovery) finishes them all."""
    worker = start_worker()
    owner = Owner(user=user)
    settings.VIDEO_MAX_JOBS_IN_FLIGHT = 10
    jobs = [
        video_job_submit_generation(owner=owner, prompt=f"dream {i}", duration=2) for i in range(4)
    ]
    wait_for(lambda: VideoJob.objects.exclude(status="queued").exists())
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)

    # What `make run` does on start: re-enqueue jobs no worker is touching.
    subprocess.run(
        [sys.executable, "manage.py", "recover_video_jobs", "--stale-seconds", "0"],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "true", "DATABASE_URL": database_url_for_tests()},
        check=True,
        capture_output=True,
    )
    start_worker()
    wait_for(
        lambda: (
            VideoJob.objects.filter(pk__in=[j.pk for j in jobs], status="succeeded").count()
            == len(jobs)
        )
    )
