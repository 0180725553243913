"""A decompression bomb: ~10 MB of MOV holding 16000x16000 PNG frames of one flat colour.

Decoded at full size, each frame is 768 MB of RGB; before the fix, probing and
thumbnailing it in the worker took ~4.8 GB of RSS and 20-50 s, and stored the asset.
Now the headers give it away before anything is decoded, the check runs in a child
process under memory and time limits, and the caller's memory does not move.

``ru_maxrss`` is the process's peak RSS in KB (Linux): if it does not grow across a
call, nothing in that call made this process bigger than it already was.
"""

from __future__ import annotations

import re
import resource
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from common.owners import Owner
from tests.hostile.crafted_videos import BOMB_SIDE, png_mov
from tests.support.processes import wait_for
from videos import errors
from videos.jobs.submission import video_ingest_submit, video_job_submit_generation
from videos.media import (
    DEFAULT_ALLOWED_CODECS,
    MediaLimits,
    VideoTooLargeError,
    make_thumbnail,
    probe_video,
)
from videos.models import VideoAsset, VideoJob
from videos.sandbox import InspectionRefused, SandboxLimits, inspect_video

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss is in KB on Linux")

MB = 1024  # ru_maxrss units per megabyte
FAST = 10.0  # seconds: "fails fast", with room for a slow CI machine
RSS_GROWTH = 100 * MB
# Lets the bomb past the header checks, to reach the child's own limits.
UNCHECKED = MediaLimits(
    max_pixels=BOMB_SIDE * BOMB_SIDE, allowed_codecs=DEFAULT_ALLOWED_CODECS | {"png"}
)


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return png_mov(
        tmp_path_factory.mktemp("bomb") / "bomb.mov",
        width=BOMB_SIDE,
        height=BOMB_SIDE,
        frames=3,
    )


@contextmanager
def bounded(seconds: float = FAST, rss_growth: int = RSS_GROWTH) -> Iterator[None]:
    """Assert the block ends within ``seconds`` and grows this process's peak RSS by less
    than ``rss_growth`` KB, however it ends."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    try:
        yield
    finally:
        elapsed = time.monotonic() - started
        grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
        print(f"{elapsed:.2f} s, peak RSS +{grown / MB:.1f} MB")
        assert elapsed < seconds, f"took {elapsed:.1f} s"
        assert grown < rss_growth, f"peak RSS grew by {grown / MB:.0f} MB"


def test_the_bomb_is_small_on_disk_and_huge_in_its_headers(bomb: Path) -> None:
    assert bomb.stat().st_size < 12 * 1024 * 1024


def test_the_sandbox_refuses_the_bomb_fast_and_the_caller_stays_flat(bomb: Path) -> None:
    with bounded(), pytest.raises(InspectionRefused) as caught:
        inspect_video(bomb)
    assert caught.value.code == errors.TOO_LARGE
    assert f"{BOMB_SIDE}x{BOMB_SIDE}" in caught.value.detail


def test_in_process_the_headers_refuse_it_before_any_decoding(bomb: Path) -> None:
    # Decoding one frame would cost this process 768 MB; refusing costs nothing.
    with bounded(seconds=2, rss_growth=50 * MB):
        with pytest.raises(VideoTooLargeError):
            probe_video(bomb)
        with pytest.raises(VideoTooLargeError):
            make_thumbnail(bomb)


def test_a_child_out_of_memory_is_reported_as_too_large(bomb: Path) -> None:
    # Past the header checks, decoding a 768 MB frame in 512 MB of address space fails.
    limits = SandboxLimits(media=UNCHECKED, memory_mb=512)
    with bounded(), pytest.raises(InspectionRefused) as caught:
        inspect_video(bomb, limits)
    assert caught.value.code == errors.TOO_LARGE
    assert "memory" in caught.value.detail


def test_a_child_over_its_time_limit_is_killed_and_reported(bomb: Path) -> None:
    # Enough memory to decode the bomb (the child peaks near 800 MB), one second to do it.
    limits = SandboxLimits(media=UNCHECKED, memory_mb=4096, seconds=1)
    with bounded(seconds=5), pytest.raises(InspectionRefused) as caught:
        inspect_video(bomb, limits)
    assert caught.value.code == errors.TOO_LARGE
    # The wall-clock kill or the CPU limit, whichever struck first.
    assert re.search("took over|SIGXCPU|SIGKILL", caught.value.detail)


# --- through the API, as the review reproduced it ------------------------------------------


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()


def _dream(client: APIClient) -> str:
    response = client.post(
        "/api/dreams", {"title": "Bomb", "content": "A very big dream."}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


@pytest.mark.django_db
def test_an_anonymous_upload_of_the_bomb_fails_fast_and_stores_nothing(
    anonymous: APIClient, committed: Callable, run_jobs: Callable, bomb: Path
) -> None:
    dream_id = _dream(anonymous)
    upload = SimpleUploadedFile("dream.mov", bomb.read_bytes(), content_type="video/quicktime")
    with committed():
        response = anonymous.post(
            "/api/ai/store-video", {"dream_id": dream_id, "file": upload}, format="multipart"
        )
    assert response.status_code == 202, response.content

    with bounded():
        run_jobs()

    job = VideoJob.objects.get()
    assert (job.status, job.error_code) == ("failed", errors.TOO_LARGE)
    assert not VideoAsset.objects.exists()


@pytest.mark.django_db
def test_the_bomb_by_url_fails_fast_and_stores_nothing(
    anonymous: APIClient, committed: Callable, run_jobs: Callable, files, bomb: Path
) -> None:
    files.expect_request("/bomb.mov").respond_with_data(
        bomb.read_bytes(), content_type="video/quicktime"
    )
    dream_id = _dream(anonymous)
    with committed():
        response = anonymous.post(
            "/api/ai/store-video",
            {"dream_id": dream_id, "video_url": files.url_for("/bomb.mov")},
            format="json",
        )
    assert response.status_code == 202, response.content

    with bounded():
        run_jobs()

    job = VideoJob.objects.get()
    assert (job.status, job.error_code) == ("failed", errors.TOO_LARGE)
    assert not VideoAsset.objects.exists()


# --- in a real worker, next to another user's job ------------------------------------------


def _peak_rss_mb(pid: int) -> float:
    """The process's peak RSS so far (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / MB
    raise AssertionError("no VmHWM in /proc status")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_worker_refuses_the_bomb_and_runs_the_next_job_at_once(
    start_worker: Callable, make_user: Callable, bomb: Path
) -> None:
    worker = start_worker()
    upload = SimpleUploadedFile("dream.mov", bomb.read_bytes(), content_type="video/quicktime")
    started = time.monotonic()
    attack = video_ingest_submit(
        owner=Owner(user=make_user()), subject={}, duration=2, upload=upload
    )
    demo = video_job_submit_generation(
        owner=Owner(user=make_user()), prompt="a calm sea", duration=2
    )

    finished = ["succeeded", "failed", "cancelled"]
    wait_for(
        lambda: (
            VideoJob.objects.filter(pk__in=[attack.pk, demo.pk], status__in=finished).count() == 2
        ),
        timeout=60,
    )
    elapsed = time.monotonic() - started
    attack.refresh_from_db()
    demo.refresh_from_db()
    peak = _peak_rss_mb(worker.pid)
    print(f"both jobs done in {elapsed:.1f} s; worker peak RSS {peak:.0f} MB")

    assert (attack.status, attack.error_code) == ("failed", errors.TOO_LARGE)
    assert demo.status == "succeeded", demo.error_message
    assert VideoAsset.objects.count() == 1  # the demo video only
    # Before: the bomb held the worker for ~50 s at ~4 GB. A worker with Django, PyAV
    # and numpy loaded, that has rendered and stored a demo video, is well under this.
    assert elapsed < 30
    assert peak < 400
