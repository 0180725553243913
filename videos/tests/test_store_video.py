"""Storing videos made elsewhere: store-video (URL and upload), dreams with a video_url,
private and ranged serving, and the ingest/verify commands."""

from __future__ import annotations

import hashlib
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from pytest_httpserver import HTTPServer

from dreams.models import Dream
from videos.models import VideoAsset, VideoJob
from videos.tests.mp4s import make_mp4

pytestmark = pytest.mark.django_db


@pytest.fixture
def video_bytes(tmp_path) -> bytes:
    return make_mp4(tmp_path / "source.mp4", seconds=2).read_bytes()


@pytest.fixture
def files(httpserver: HTTPServer, settings, video_bytes) -> HTTPServer:
    """A loopback file server, let through the SSRF guard for this test only."""
    settings.VIDEO_INGEST_ALLOW_HTTP = True
    settings.VIDEO_INGEST_ALLOWED_ADDRESSES = ["127.0.0.1"]
    httpserver.expect_request("/dream.mp4").respond_with_data(video_bytes, content_type="video/mp4")
    return httpserver


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


# --- Serving ------------------------------------------------------------------------------


@pytest.fixture
def ready_dream(auth_client, committed, run_jobs, files, video_bytes) -> dict:
    with committed():
        dream = _dream(auth_client, video_url=files.url_for("/dream.mp4"))
    run_jobs()
    return auth_client.get(f"/api/dreams/{dream['id']}").json()


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_range_requests_are_answered_exactly(auth_client, ready_dream, video_bytes):
    url, size = ready_dream["video_url"], len(video_bytes)

    full = auth_client.get(url)
    assert full.status_code == 200 and full["Accept-Ranges"] == "bytes"
    assert int(full["Content-Length"]) == size

    first = auth_client.get(url, HTTP_RANGE="bytes=0-99")
    assert first.status_code == 206 and _body(first) == video_bytes[:100]
    assert first["Content-Range"] == f"bytes 0-99/{size}"

    middle = auth_client.get(url, HTTP_RANGE="bytes=1000-1999")
    assert middle.status_code == 206 and _body(middle) == video_bytes[1000:2000]

    suffix = auth_client.get(url, HTTP_RANGE="bytes=-500")
    assert suffix.status_code == 206 and _body(suffix) == video_bytes[-500:]

    open_ended = auth_client.get(url, HTTP_RANGE=f"bytes={size - 10}-")
    assert _body(open_ended) == video_bytes[-10:]

    invalid = auth_client.get(url, HTTP_RANGE=f"bytes={size}-")
    assert invalid.status_code == 416 and invalid["Content-Range"] == f"bytes */{size}"


def test_conditional_requests(auth_client, ready_dream, video_bytes):
    url = ready_dream["video_url"]
    first = auth_client.get(url)
    etag, modified = first["ETag"], first["Last-Modified"]
    assert etag.strip('"') == hashlib.sha256(video_bytes).hexdigest()

    assert auth_client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert auth_client.get(url, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    stale_if_range = auth_client.get(url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"other"')
    assert stale_if_range.status_code == 200
    fresh_if_range = auth_client.get(url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE=etag)
    assert fresh_if_range.status_code == 206
    head = auth_client.head(url)
    assert head.status_code == 200 and int(head["Content-Length"]) == len(video_bytes)


def test_private_videos_are_only_served_to_their_owner(
    auth_client, client_for, api_client, ready_dream
):
    assert client_for().get(ready_dream["video_url"]).status_code == 404
    assert api_client.get(ready_dream["video_url"]).status_code == 404
    assert api_client.get(ready_dream["thumbnail_url"]).status_code == 404


def test_gallery_videos_are_served_to_anyone(auth_client, api_client, ready_dream):
    auth_client.patch(f"/api/dreams/{ready_dream['id']}", {"is_public": True}, format="json")
    Dream.objects.filter(pk=ready_dream["id"]).update(moderation_status="approved")

    assert api_client.get(ready_dream["video_url"]).status_code == 200
    gallery = api_client.get("/api/dreams/public/gallery").json()
    assert [d["id"] for d in gallery["results"]] == [ready_dream["id"]]


# --- Commands -----------------------------------------------------------------------------


def test_ingest_videos_copies_outside_urls_once(user, files):
    Dream.objects.create(
        owner=user,
        title="Old",
        content="From before storage.",
        video_url=files.url_for("/dream.mp4"),
    )
    out = StringIO()
    call_command("ingest_videos", stdout=out)
    assert "succeeded: 1" in out.getvalue()
    dream = Dream.objects.get()
    assert dream.video_status == "ready" and dream.video_asset is not None

    again = StringIO()
    call_command("ingest_videos", stdout=again)
    assert "Nothing to do" in again.getvalue()
    assert VideoAsset.objects.count() == 1


def test_verify_videos_reports_and_repairs(ready_dream, settings, files):
    asset = VideoAsset.objects.get()
    out = StringIO()
    call_command("verify_videos", stdout=out)
    assert "1 ok, 0 repaired, 0 missing" in out.getvalue()

    # Lost from storage, but the source still serves the same bytes: repaired.
    Path(asset.file.path).unlink()
    out = StringIO()
    call_command("verify_videos", stdout=out)
    assert "1 repaired" in out.getvalue()
    assert hashlib.sha256(Path(asset.file.path).read_bytes()).hexdigest() == asset.sha256

    # Corrupt and no way to repair: reported, non-zero exit.
    Path(asset.file.path).write_bytes(b"bit rot")
    with pytest.raises(CommandError):
        call_command("verify_videos", "--no-repair", stdout=StringIO(), stderr=StringIO())
