"""No orphaned uploads: a staged upload is deleted however its job ends, and leftovers are swept.

Uploads go through ``POST /api/ai/store-video`` on the live server (real multipart over
HTTP) into ``MEDIA_ROOT/staging/``; the job steps run in this process (``TaskTap``), as a
worker runs them (a real worker process: ``test_worker_supervision.py``, which also proves
the supervisor's sweep at start). ``manage.py sweep_media`` is run as a command.
"""

from __future__ import annotations

import hashlib
import tempfile
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from tests.hostile.fixtures_hostile import (
    RawClient,
    TaskTap,
    age,
    files_under,
    multipart,
    staged_files,
)
from videos.models import JobKind, JobStatus, VideoAsset, VideoJob
from videos.sources import VideoSource

pytestmark = pytest.mark.django_db(transaction=True)

# Over FILE_UPLOAD_MAX_MEMORY_SIZE (2.5 MB), so Django spools it to a temp file first.
NOT_A_VIDEO = b"<html><body>definitely not an mp4</body></html>" * 64_000  # ~3 MB
HOURS = 60 * 60


@pytest.fixture
def tasks():
    with TaskTap() as tap:
        yield tap


@pytest.fixture
def temp_dir(tmp_path, monkeypatch) -> Path:
    """This test's own system temp folder (Django's upload spools, ``dj-upload-*`` dirs)."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def visitor(live_server) -> RawClient:
    """An anonymous browser in demo mode."""
    return RawClient(live_server.url)


def _upload(client: RawClient, dream_id: str, data: bytes, *, name: str = "clip.mp4"):
    body, content_type = multipart({"dream_id": dream_id}, {"file": (name, data, "video/mp4")})
    return client.post(
        f"/api/ai/store-video?dream_id={dream_id}", body=body, content_type=content_type
    )


def _job(client: RawClient, job_id: str) -> dict:
    response = client.get(f"/api/videos/jobs/{job_id}")
    assert response.status == 200, response.text
    return response.json()


def test_an_upload_that_is_not_a_video_leaves_nothing_staged(visitor, tasks, temp_dir):
    dream = visitor.new_dream()
    response = _upload(visitor, dream["id"], NOT_A_VIDEO)
    assert response.status == 202, response.text
    job_id = response.json()["video_job"]["id"]
    assert len(staged_files()) == 1  # the bytes wait for the job

    tasks.drain()

    job = _job(visitor, job_id)
    assert job["status"] == "failed" and job["error"]["code"] == "not_a_video"
    assert staged_files() == []
    assert files_under(temp_dir) == []  # no spooled upload, no dj-upload-* copy
    assert not VideoAsset.objects.exists()


def test_an_upload_cancelled_before_the_worker_runs_leaves_nothing_staged(
    visitor, tasks, video_bytes, temp_dir
):
    dream = visitor.new_dream()
    job_id = _upload(visitor, dream["id"], video_bytes).json()["video_job"]["id"]
    assert len(staged_files()) == 1

    cancelled = visitor.post(f"/api/videos/jobs/{job_id}/cancel")

    assert cancelled.status == 200 and cancelled.json()["status"] == "cancelled"
    assert staged_files() == []
    # The step the worker would still run finds a cancelled job and touches nothing.
    tasks.drain()
    assert staged_files() == [] and not VideoAsset.objects.exists()
    assert files_under(temp_dir) == []


def test_an_upload_whose_dream_is_deleted_leaves_nothing_staged(
    visitor, tasks, video_bytes, temp_dir
):
    dream = visitor.new_dream()
    assert _upload(visitor, dream["id"], video_bytes).status == 202
    assert len(staged_files()) == 1

    assert visitor.delete(f"/api/dreams/{dream['id']}").status == 204

    assert staged_files() == []
    assert not VideoJob.objects.exists()
    tasks.drain()  # the queued step finds no job
    assert staged_files() == [] and not VideoAsset.objects.exists()
    assert files_under(temp_dir) == []


def test_an_upload_over_the_in_flight_cap_is_refused_and_not_staged(visitor, settings, video_bytes):
    settings.VIDEO_MAX_JOBS_IN_FLIGHT = 1
    dream = visitor.new_dream()
    assert _upload(visitor, dream["id"], video_bytes).status == 202

    refused = _upload(visitor, dream["id"], video_bytes)

    assert refused.status == 429, refused.text
    assert len(staged_files()) == 1  # only the accepted one
    assert VideoJob.objects.count() == 1


def test_an_invalid_upload_request_stages_nothing(visitor, video_bytes, temp_dir):
    dream = visitor.new_dream()
    body, content_type = multipart(
        {"dream_id": dream["id"], "video_url": "https://videos.example.com/a.mp4"},
        {"file": ("clip.mp4", video_bytes, "video/mp4")},
    )
    response = visitor.post("/api/ai/store-video", body=body, content_type=content_type)

    assert response.status == 400, response.text
    assert staged_files() == [] and not VideoJob.objects.exists()
    assert files_under(temp_dir) == []


def test_a_valid_upload_is_stored_and_unstaged(live_server, tasks, temp_dir, video_bytes):
    user = get_user_model().objects.create_user("uploader", password="pw-uploader-1")
    client = RawClient(live_server.url, token=Token.objects.create(user=user).key, csrf=False)
    dream = client.new_dream()

    accepted = _upload(client, dream["id"], video_bytes)
    assert accepted.status == 202, accepted.text
    assert len(staged_files()) == 1

    tasks.drain()

    job = _job(client, accepted.json()["video_job"]["id"])
    assert job["status"] == "succeeded", job["error"]
    assert staged_files() == []
    asset = VideoAsset.objects.get()
    assert asset.sha256 == hashlib.sha256(video_bytes).hexdigest()
    assert (Path(settings.MEDIA_ROOT) / asset.file.name).read_bytes() == video_bytes
    assert (Path(settings.MEDIA_ROOT) / asset.thumbnail.name).is_file()
    shown = client.get(f"/api/dreams/{dream['id']}").json()
    assert shown["video_status"] == "ready"
    assert client.get(urlsplit(shown["video_url"]).path).body == video_bytes
    assert files_under(temp_dir) == []  # neither Django's spool nor our dj-upload-* copy


@pytest.mark.django_db
def test_sweep_media_removes_old_leftovers_and_keeps_what_is_in_use(temp_dir, user):
    media = Path(settings.MEDIA_ROOT)
    staging = media / "staging"
    staging.mkdir(parents=True)
    workdir = Path(settings.VIDEO_DEMO_WORKDIR)
    workdir.mkdir(parents=True)
    temp = temp_dir  # the sweep looks in the system temp folder

    def plant(path: Path, *, hours: float, folder: bool = False) -> Path:
        if folder:
            path.mkdir()
            (path / "upload.mp4").write_bytes(b"x" * 100)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"x" * 100)
        return age(path, hours * HOURS)

    # Old leftovers of dead processes.
    orphan = plant(staging / "0b6e7d5c-dead.upload", hours=4)
    partial = plant(workdir / ".demo-1234.abcd.part.mp4", hours=4)
    render = plant(workdir / "demo-5678.mp4", hours=4)
    ingest_dir = plant(temp / "dj-ingest-old", hours=4, folder=True)
    upload_dir = plant(temp / "dj-upload-old", hours=4, folder=True)
    # Old, but still needed: a job in flight waits for this upload.
    in_flight = plant(staging / "in-flight.upload", hours=4)
    VideoJob.objects.create(
        kind=JobKind.INGEST,
        provider=VideoSource.UPLOAD,
        status=JobStatus.QUEUED,
        user=user,
        staged_file="staging/in-flight.upload",
    )
    # Young files: another process may be using them right now.
    young = [
        plant(staging / "young.upload", hours=0.1),
        plant(workdir / ".demo-9999.ef01.part.mp4", hours=0.1),
        plant(workdir / "demo-young.mp4", hours=0.1),
        plant(temp / "dj-ingest-young", hours=0.1, folder=True),
    ]
    # Not ours to sweep, however old: stored videos, other files and folders.
    not_ours = [
        plant(media / "videos" / "ab" / "ab12.mp4", hours=400),
        plant(workdir / "notes.txt", hours=400),
        plant(temp / "someone-elses-dir", hours=400, folder=True),
        plant(temp / "dj-ingest-file-not-dir.mp4", hours=400),
    ]

    out = StringIO()
    call_command("sweep_media", stdout=out)

    assert "Swept 1 staged upload(s), 2 demo render(s), 2 temp folder(s)." in out.getvalue()
    for gone in (orphan, partial, render, ingest_dir, upload_dir):
        assert not gone.exists(), gone
    for kept in (in_flight, *young, *not_ours):
        assert kept.exists(), kept


@pytest.mark.django_db
def test_sweep_media_never_follows_a_planted_symlink(temp_dir, tmp_path):
    # Someone with access to the shared temp folder plants links named like our leftovers.
    victim_dir = tmp_path / "precious"
    victim_dir.mkdir()
    (victim_dir / "keep.txt").write_text("mine")
    victim_file = tmp_path / "precious.mp4"
    victim_file.write_bytes(b"stored video")
    workdir = Path(settings.VIDEO_DEMO_WORKDIR)
    workdir.mkdir(parents=True)
    (temp_dir / "dj-ingest-link").symlink_to(victim_dir, target_is_directory=True)
    (workdir / "demo-link.mp4").symlink_to(victim_file)
    for target in (victim_dir, victim_dir / "keep.txt", victim_file):
        age(target, 400 * HOURS)

    call_command("sweep_media", stdout=StringIO())

    assert (victim_dir / "keep.txt").read_text() == "mine"
    assert victim_file.read_bytes() == b"stored video"
