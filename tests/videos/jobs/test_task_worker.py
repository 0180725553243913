"""``manage.py task_worker``: db_worker's loop in several threads of one real process."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from django_tasks_db.models import DBTaskResult

from common.owners import Owner
from tests.support.processes import wait_for
from videos.jobs.submission import video_job_submit_generation
from videos.models import JobStatus, VideoJob

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


def sandbox_servers_of(pid: int) -> list[int]:
    """Live ``videos.sandbox_server`` processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
        if parent == pid and b"videos.sandbox_server" in command:
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        return b"videos.sandbox_server" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_threads_run_jobs_side_by_side_and_stop_cleanly(start_worker, user, settings):
    settings.VIDEO_MAX_JOBS_IN_FLIGHT = 10
    worker = start_worker(
        "task_worker", "--threads", "3", "--interval", "0.2", "--worker-id", "threads"
    )
    owner = Owner(user=user)

    jobs = [
        video_job_submit_generation(owner=owner, prompt=f"dream {n}", duration=2) for n in range(6)
    ]

    done = wait_for(
        lambda: (
            VideoJob.objects.filter(pk__in=[j.pk for j in jobs], status=JobStatus.SUCCEEDED).count()
            == len(jobs)
        ),
        timeout=120,
    )
    assert done
    # Steps were claimed by more than one of the process's threads.
    ran_by = {ids[0] for ids in DBTaskResult.objects.values_list("worker_ids", flat=True) if ids}
    assert len(ran_by) >= 2, ran_by
    assert ran_by <= {"threads-0", "threads-1", "threads-2"}

    # SIGTERM to the worker alone: it finishes, exits 0, and its sandbox servers go too.
    servers = sandbox_servers_of(worker.pid)
    assert servers, "the videos were inspected by the worker's sandbox servers"
    os.kill(worker.pid, signal.SIGTERM)
    assert worker.wait(timeout=30) == 0
    wait_for(lambda: not any(alive(pid) for pid in servers), timeout=30)
