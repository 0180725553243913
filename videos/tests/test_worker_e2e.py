"""A real `db_worker` process runs whole jobs against the test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import av
import pytest
from django.conf import settings as django_settings
from django.db import connection

from dreamjourney.testing import wait_for
from dreams.owners import Owner
from dreams.services import dream_create
from videos.models import VideoJob
from videos.services import video_job_submit_generation

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

ROOT = Path(django_settings.BASE_DIR)


def database_url_for_tests() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def start_worker(settings, log_path: Path) -> subprocess.Popen:
    """`manage.py db_worker` as its own process, on the test database and media folder."""
    env = {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": database_url_for_tests(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "VIDEO_DEMO_WORKDIR": str(settings.VIDEO_DEMO_WORKDIR),
        "VIDEO_DEMO_MAX_WIDTH": str(settings.VIDEO_DEMO_MAX_WIDTH),
        "VIDEO_PROVIDER": "demo",
    }
    command = ["manage.py", "db_worker", "--interval", "0.1", "--no-startup-delay", "--no-reload"]
    return subprocess.Popen(
        [sys.executable, *command],
        cwd=ROOT,
        env=env,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture
def worker(settings, tmp_path):
    """A worker on the database task backend; stopped at the end of the test."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    process = start_worker(settings, tmp_path / "worker.log")
    yield process
    stop(process)


def test_worker_process_runs_a_generation_end_to_end(worker, user, settings):
    owner = Owner(user=user)
    dream = dream_create(
        owner=owner,
        title="The glass forest",
        content="Trees of glass chimed while I floated, calm and curious.",
    )
    job = video_job_submit_generation(owner=owner, dream=dream, prompt="glass forest", duration=3)

    finished = wait_for(
        lambda: VideoJob.objects.filter(pk=job.pk, status__in=["succeeded", "failed"]).first()
    )

    assert finished.status == "succeeded", finished.error_message
    dream.refresh_from_db()
    assert dream.video_status == "ready"
    path = Path(settings.MEDIA_ROOT) / dream.video_asset.file.name
    with av.open(str(path)) as container:
        assert abs(container.duration / 1_000_000 - 3) < 0.1


def test_a_killed_worker_loses_no_job(worker, user, settings, tmp_path):
    """SIGKILL the worker with jobs queued; a new worker (after recovery) finishes them all."""
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
    restarted = start_worker(settings, tmp_path / "worker2.log")
    try:
        wait_for(
            lambda: (
                VideoJob.objects.filter(pk__in=[j.pk for j in jobs], status="succeeded").count()
                == len(jobs)
            )
        )
    finally:
        stop(restarted)
