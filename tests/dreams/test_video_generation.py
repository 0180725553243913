"""A dream's video generated end to end through the dream API, with a fake RunwayML on loopback.

The dream follows its job (``dreams.receivers``, ``dream_video_sync``) from ``queued`` to
``ready`` or ``failed``. The fake speaks RunwayML's wire format (pytest-httpserver); the
output it "generates" is a real MP4 that our ingest copies into storage before the job
is marked succeeded. The state machine itself is tested in ``tests/videos/jobs/``.
"""

from __future__ import annotations

import json
from pathlib import Path

import av
import pytest
from werkzeug import Response

from tests.support.fakes import TASK, expect_statuses, runway_task
from videos.models import VideoAsset, VideoJob

pytestmark = pytest.mark.django_db


def _create_dream(client, committed, **extra) -> dict:
    with committed():
        response = client.post(
            "/api/dreams/with-video",
            {"title": "The tide", "content": "A calm sea rose into the sky.", **extra},
            format="json",
        )
    assert response.status_code == 201, response.content
    return response.json()


def test_demo_generation_stores_a_playable_video(auth_client, committed, run_jobs, settings):
    # Given no API key: the demo renderer makes the video locally.
    body = _create_dream(auth_client, committed, video_duration=3, ratio="720:1280")
    assert body["video_job"]["provider"] == "demo"
    assert body["dream"]["video_status"] == "queued"

    run_jobs()

    job = auth_client.get(f"/api/videos/jobs/{body['video_job']['id']}").json()
    assert job["status"] == "succeeded" and job["progress"] == 1.0
    dream = auth_client.get(f"/api/dreams/{body['dream']['id']}").json()
    assert dream["video_status"] == "ready"
    assert dream["video_url"].endswith(f"/media/dreams/{dream['id']}/video.mp4")
    video = auth_client.get(dream["video_url"])
    assert video.status_code == 200 and video["Content-Type"] == "video/mp4"
    path = Path(settings.MEDIA_ROOT) / "check.mp4"
    path.write_bytes(b"".join(video.streaming_content))
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == (144, 256)
        assert abs(float(container.duration / 1_000_000) - 3) < 0.1
    thumb = auth_client.get(dream["thumbnail_url"])
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"


def test_runway_job_goes_through_every_state_and_keeps_our_copy(
    auth_client, committed, run_jobs, runway
):
    runway.expect_ordered_request("/v1/text_to_video", method="POST").respond_with_json(
        {"id": TASK}
    )
    expect_statuses(
        runway,
        runway_task("PENDING"),
        runway_task("THROTTLED"),
        runway_task("RUNNING", progress=0.5),
        runway_task("SUCCEEDED", output=[runway.url_for("/output/video.mp4")]),
    )
    body = _create_dream(auth_client, committed, video_duration=5, seed=42)

    run_jobs()

    create = next(req for req, _ in runway.log if req.path == "/v1/text_to_video")
    assert create.headers["Authorization"] == "Bearer key_test_secret"
    assert create.headers["X-Runway-Version"] == "2024-11-06"
    sent = json.loads(create.data)
    assert sent["model"] == "gen4.5" and sent["ratio"] == "1280:720"
    assert sent["duration"] == 5 and sent["seed"] == 42
    assert "calm sea" in sent["promptText"].lower()
    job = VideoJob.objects.get(pk=body["video_job"]["id"])
    assert job.status == "succeeded" and job.provider_task_id == TASK
    assert job.submitted_at and job.provider_finished_at and job.finished_at
    assert job.asset.source_kind == "runway"
    assert job.asset.source_url.endswith("/output/video.mp4")
    dream = auth_client.get(f"/api/dreams/{body['dream']['id']}").json()
    # The URL is ours, not the provider's (which expires in 24-48 h).
    assert "/output/" not in dream["video_url"] and dream["video_status"] == "ready"
    assert auth_client.get(dream["video_url"]).status_code == 200


def test_runway_progress_is_reported_while_running(auth_client, committed, runway):
    from django.tasks import task_backends

    runway.expect_request("/v1/text_to_video", method="POST").respond_with_json({"id": TASK})
    runway.expect_request(f"/v1/tasks/{TASK}").respond_with_json(
        runway_task("RUNNING", progress=0.5)
    )
    body = _create_dream(auth_client, committed)
    backend = task_backends["default"]
    for _ in range(2):  # submit, then one poll
        result = backend.results.pop(0)
        with committed():
            result.task.call(*result.args)

    job = auth_client.get(f"/api/videos/jobs/{body['video_job']['id']}").json()
    assert job["status"] == "running" and 0.4 <= job["progress"] < 0.5
    # The next poll is scheduled, not slept for: at least 5 s later.
    [next_poll] = backend.results
    assert (next_poll.task.run_after - next_poll.enqueued_at).total_seconds() >= 4.9


def test_safety_failure_is_not_retried_and_is_explained(auth_client, committed, run_jobs, runway):
    runway.expect_request("/v1/text_to_video", method="POST").respond_with_json({"id": TASK})
    expect_statuses(
        runway, runway_task("FAILED", failure="Blocked", failureCode="SAFETY.INPUT.TEXT")
    )
    body = _create_dream(auth_client, committed)

    run_jobs()

    job = auth_client.get(f"/api/videos/jobs/{body['video_job']['id']}").json()
    assert job["status"] == "failed"
    assert job["error"]["code"] == "safety_rejected"
    assert "content policy" in job["error"]["message"]
    assert sum(1 for req, _ in runway.log if req.path == "/v1/text_to_video") == 1
    dream = auth_client.get(f"/api/dreams/{body['dream']['id']}").json()
    assert dream["video_status"] == "failed"


def test_rate_limit_is_retried_then_succeeds(auth_client, committed, run_jobs, runway):
    runway.expect_ordered_request("/v1/text_to_video", method="POST").respond_with_json(
        {"error": "Too many requests"}, status=429, headers={"Retry-After": "1"}
    )
    runway.expect_ordered_request("/v1/text_to_video", method="POST").respond_with_json(
        {"id": TASK}
    )
    expect_statuses(runway, runway_task("SUCCEEDED", output=[runway.url_for("/output/video.mp4")]))
    body = _create_dream(auth_client, committed)

    run_jobs()

    job = VideoJob.objects.get(pk=body["video_job"]["id"])
    assert job.status == "succeeded" and job.attempts == 1


def test_server_errors_fail_after_the_attempt_budget(
    auth_client, committed, run_jobs, runway, settings
):
    settings.VIDEO_MAX_ATTEMPTS = 3
    runway.expect_request("/v1/text_to_video", method="POST").respond_with_data("oops", status=500)
    body = _create_dream(auth_client, committed)

    run_jobs()

    job = auth_client.get(f"/api/videos/jobs/{body['video_job']['id']}").json()
    assert job["status"] == "failed" and job["error"]["code"] == "provider_unavailable"
    assert sum(1 for req, _ in runway.log if req.path == "/v1/text_to_video") == 3


def test_unreachable_runway_falls_back_to_the_demo_renderer(
    auth_client, committed, run_jobs, settings
):
    settings.VIDEO_PROVIDER = "runway"
    settings.RUNWAYML_API_SECRET = "key_test_secret"
    settings.RUNWAYML_BASE_URL = "http://127.0.0.1:9"  # discard port: connection refused
    settings.VIDEO_FALLBACK_TO_DEMO = True
    body = _create_dream(auth_client, committed)

    run_jobs()

    job = auth_client.get(f"/api/videos/jobs/{body['video_job']['id']}").json()
    assert job["status"] == "succeeded" and job["provider"] == "demo"


def test_cancelled_at_provider_ends_the_job(auth_client, committed, run_jobs, runway):
    runway.expect_request("/v1/text_to_video", method="POST").respond_with_json({"id": TASK})
    expect_statuses(runway, runway_task("CANCELLED"))
    body = _create_dream(auth_client, committed)

    run_jobs()

    job = auth_client.get(f"/api/videos/jobs/{body['video_job']['id']}").json()
    assert job["status"] == "cancelled"
    dream = auth_client.get(f"/api/dreams/{body['dream']['id']}").json()
    assert dream["video_status"] == "none"


def test_expired_output_url_fails_with_expired(auth_client, committed, run_jobs, runway):
    runway.expect_request("/v1/text_to_video", method="POST").respond_with_json({"id": TASK})
    expect_statuses(runway, runway_task("SUCCEEDED", output=[runway.url_for("/output/gone.mp4")]))
    runway.expect_request("/output/gone.mp4").respond_with_data("Forbidden", status=403)
    body = _create_dream(auth_client, committed)

    run_jobs()

    job = auth_client.get(f"/api/videos/jobs/{body['video_job']['id']}").json()
    assert job["status"] == "failed" and job["error"]["code"] == "expired"
    assert not VideoAsset.objects.exists()


def _submitted_at_runway(auth_client, committed, runway) -> dict:
    """A dream whose job RunwayML has accepted (and will let us cancel); no poll scheduled."""
    from django.tasks import task_backends

    runway.expect_request("/v1/text_to_video", method="POST").respond_with_json({"id": TASK})
    runway.expect_request(f"/v1/tasks/{TASK}", method="DELETE").respond_with_response(
        Response(status=204)
    )
    body = _create_dream(auth_client, committed)
    submit = task_backends["default"].results.pop(0)
    with committed():
        submit.task.call(*submit.args)
    task_backends["default"].clear()  # drop the scheduled poll: the test acts first
    return body


def test_cancel_stops_the_job_here_and_at_runway(auth_client, committed, run_jobs, runway):
    body = _submitted_at_runway(auth_client, committed, runway)

    with committed():
        response = auth_client.post(f"/api/videos/jobs/{body['video_job']['id']}/cancel")
    run_jobs()

    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert any(req.method == "DELETE" for req, _ in runway.log)
    dream = auth_client.get(f"/api/dreams/{body['dream']['id']}").json()
    assert dream["video_status"] == "none"


def test_a_failed_regeneration_keeps_the_previous_video(
    auth_client, committed, run_jobs, runway, settings
):
    settings.VIDEO_PROVIDER = "demo"
    body = _create_dream(auth_client, committed)
    run_jobs()
    settings.VIDEO_PROVIDER = "runway"
    runway.expect_request("/v1/text_to_video", method="POST").respond_with_json({"id": TASK})
    expect_statuses(runway, runway_task("FAILED", failureCode="INTERNAL.BAD_OUTPUT.CODE01"))

    with committed():
        regen = auth_client.post(
            "/api/ai/generate-video",
            {"prompt": "again", "dream_id": body["dream"]["id"]},
            format="json",
        )
    run_jobs()

    assert auth_client.get(regen.json()["job"]["url"]).json()["status"] == "failed"
    dream = auth_client.get(f"/api/dreams/{body['dream']['id']}").json()
    assert dream["video_status"] == "ready"
    assert auth_client.get(dream["video_url"]).status_code == 200


def test_sending_the_representation_back_does_not_copy_the_video_again(
    auth_client, committed, run_jobs, settings
):
    settings.ALLOWED_HOSTS = ["dreams.example.com", "testserver"]
    host = {"HTTP_HOST": "dreams.example.com"}
    body = _create_dream(auth_client, committed)
    run_jobs()
    dream = auth_client.get(f"/api/dreams/{body['dream']['id']}", **host).json()

    with committed():
        response = auth_client.put(f"/api/dreams/{dream['id']}", dream, format="json", **host)

    assert response.status_code == 200
    assert VideoJob.objects.count() == 1
    assert response.json()["video_status"] == "ready"


def test_deleting_a_dream_stops_its_runway_task(auth_client, committed, run_jobs, runway):
    body = _submitted_at_runway(auth_client, committed, runway)

    with committed():
        assert auth_client.delete(f"/api/dreams/{body['dream']['id']}").status_code == 204
    run_jobs()

    assert any(req.method == "DELETE" for req, _ in runway.log)
    assert not VideoJob.objects.exists()
