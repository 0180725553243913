"""POST /api/ai/store-video: copying a video made elsewhere (URL or upload) into our storage
for a dream, and dreams created or edited with a ``video_url``.

Who may watch the stored video: ``tests/dreams/test_media.py``; ranges and conditional
requests: ``tests/videos/test_serving.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dreams.models import Dream
from videos.models import VideoAsset, VideoJob

pytestmark = pytest.mark.django_db


def _dream(client, **extra) -> dict:
    response = client.post(
        "/api/dreams", {"title": "Owls", "content": "Owls read to me.", **extra}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def _stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "videos"
    return sorted(p for p in root.rglob("*.mp4")) if root.exists() else []


def test_store_video_by_url_keeps_the_bytes(auth_client, committed, run_jobs, files, video_bytes):
    dream = _dream(auth_client)
    with committed():
        response = auth_client.post(
            "/api/ai/store-video",
            {
                "dream_id": dream["id"],
                "video_url": files.url_for("/dream.mp4"),
                "video_prompt": "Owls in a library",
                "video_duration": 2,
            },
            format="json",
        )
    assert response.status_code == 202
    body = response.json()
    assert body["video_job"]["kind"] == "ingest" and body["video_job"]["provider"] == "url"
    assert body["dream"]["video_status"] in {"queued", "ingesting"}

    run_jobs()

    stored = auth_client.get(f"/api/dreams/{dream['id']}").json()
    assert stored["video_status"] == "ready" and stored["video_prompt"] == "Owls in a library"
    served = auth_client.get(stored["video_url"])
    assert b"".join(served.streaming_content) == video_bytes
    assert auth_client.get(stored["thumbnail_url"])["Content-Type"] == "image/jpeg"


def test_repeating_store_video_makes_no_second_copy(
    auth_client, committed, run_jobs, files, settings
):
    dream = _dream(auth_client)
    payload = {"dream_id": dream["id"], "video_url": files.url_for("/dream.mp4")}
    with committed():
        first = auth_client.post("/api/ai/store-video", payload, format="json").json()
    run_jobs()
    with committed():
        second = auth_client.post("/api/ai/store-video", payload, format="json").json()
    run_jobs()

    assert first["video_job"]["id"] == second["video_job"]["id"]
    assert VideoJob.objects.count() == 1 and VideoAsset.objects.count() == 1
    assert len(_stored_files(settings)) == 1


def test_the_same_upload_twice_is_stored_once(
    auth_client, committed, run_jobs, video_bytes, settings
):
    for _ in range(2):
        dream = _dream(auth_client)
        upload = SimpleUploadedFile("mine.mp4", video_bytes, content_type="video/mp4")
        with committed():
            response = auth_client.post(
                "/api/ai/store-video", {"dream_id": dream["id"], "file": upload}, format="multipart"
            )
        assert response.status_code == 202
        assert response.json()["video_job"]["provider"] == "upload"
        run_jobs()

    assert VideoAsset.objects.count() == 1
    assert len(_stored_files(settings)) == 1
    assert Dream.objects.filter(video_status="ready").count() == 2
    # The staged upload is removed once the copy is made.
    assert not list((Path(settings.MEDIA_ROOT) / "staging").glob("*"))


def test_an_upload_that_is_not_a_video_fails_clearly(auth_client, committed, run_jobs):
    dream = _dream(auth_client)
    upload = SimpleUploadedFile("x.mp4", b"<html>nope</html>", content_type="video/mp4")
    with committed():
        response = auth_client.post(
            "/api/ai/store-video", {"dream_id": dream["id"], "file": upload}, format="multipart"
        )
    run_jobs()
    job = auth_client.get(response.json()["video_job"]["url"]).json()
    assert job["status"] == "failed" and job["error"]["code"] == "not_a_video"
    assert auth_client.get(f"/api/dreams/{dream['id']}").json()["video_status"] == "failed"


def test_create_and_update_with_video_url_go_through_ingest(
    auth_client, committed, run_jobs, files
):
    with committed():
        dream = _dream(auth_client, video_url=files.url_for("/dream.mp4"))
    run_jobs()
    assert auth_client.get(f"/api/dreams/{dream['id']}").json()["video_status"] == "ready"

    with committed():
        response = auth_client.put(
            f"/api/dreams/{dream['id']}",
            {"title": "Owls", "content": "Owls.", "video_url": files.url_for("/dream.mp4?v=2")},
            format="json",
        )
    assert response.status_code == 200
    run_jobs()
    assert VideoJob.objects.filter(kind="ingest").count() == 2
    assert VideoAsset.objects.count() == 1  # same bytes


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"video_url": "ftp://example.com/x.mp4"},
        {"video_url": "file:///etc/passwd"},
        {"video_url": "not a url"},
        {"video_url": "https://example.com/" + "a" * 2100},
        {"video_duration": 11, "video_url": "https://example.com/x.mp4"},
    ],
)
def test_store_video_rejects_bad_input(auth_client, payload):
    dream = _dream(auth_client)
    response = auth_client.post(
        "/api/ai/store-video", {"dream_id": dream["id"], **payload}, format="json"
    )
    assert response.status_code == 400
    assert not VideoJob.objects.exists()


def test_store_video_for_someone_elses_dream_is_404(auth_client, client_for):
    dream = _dream(client_for())
    response = auth_client.post(
        "/api/ai/store-video",
        {"dream_id": dream["id"], "video_url": "https://example.com/x.mp4"},
        format="json",
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x.mp4",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/x.mp4",
        "http://[::ffff:10.0.0.1]/x.mp4",
        "http://10.1.2.3/x.mp4",
    ],
)
def test_store_video_rejects_private_addresses(auth_client, settings, url):
    settings.VIDEO_INGEST_ALLOW_HTTP = True  # only the address guard is under test
    dream = _dream(auth_client)
    response = auth_client.post(
        "/api/ai/store-video", {"dream_id": dream["id"], "video_url": url}, format="json"
    )
    assert response.status_code == 400
    assert "video_url" in response.json()
    assert not VideoJob.objects.exists()


def test_a_name_resolving_to_a_private_address_fails_the_job(
    auth_client, committed, run_jobs, settings
):
    # "localhost" is a name (not an IP literal): it is only caught when resolved, in the job.
    settings.VIDEO_INGEST_ALLOW_HTTP = True
    dream = _dream(auth_client)
    with committed():
        response = auth_client.post(
            "/api/ai/store-video",
            {"dream_id": dream["id"], "video_url": "http://localhost:8000/x.mp4"},
            format="json",
        )
    assert response.status_code == 202
    run_jobs()
    job = auth_client.get(response.json()["video_job"]["url"]).json()
    assert job["status"] == "failed" and job["error"]["code"] == "url_not_allowed"
    assert not VideoAsset.objects.exists()
