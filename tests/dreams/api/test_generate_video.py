"""POST /api/ai/generate-video: a generation job for one of your dreams, or free-standing."""

from __future__ import annotations

import pytest

from videos.models import VideoJob

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


def test_generate_video_endpoint_for_an_existing_dream(auth_client, committed, run_jobs):
    dream = _create_dream(auth_client, committed, generate_video=False)["dream"]
    with committed():
        response = auth_client.post(
            "/api/ai/generate-video",
            {"prompt": "A lighthouse in fog", "duration": 2, "dream_id": dream["id"]},
            format="json",
        )
    assert response.status_code == 202
    run_jobs()
    job = auth_client.get(response.json()["job"]["url"]).json()
    assert job["status"] == "succeeded" and job["dream_id"] == dream["id"]
    refreshed = auth_client.get(f"/api/dreams/{dream['id']}").json()
    assert refreshed["video_prompt"] == "A lighthouse in fog" and refreshed["video_duration"] == 2


def test_generate_video_without_a_dream_serves_the_video_to_its_owner_only(
    auth_client, client_for, committed, run_jobs
):
    with committed():
        response = auth_client.post(
            "/api/ai/generate-video", {"prompt": "Stars", "duration": 2}, format="json"
        )
    run_jobs()
    job = auth_client.get(response.json()["job"]["url"]).json()
    assert job["video_url"] and auth_client.get(job["video_url"]).status_code == 200
    stranger = client_for()
    assert stranger.get(job["url"]).status_code == 404
    assert stranger.get(job["video_url"]).status_code == 404


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"prompt": ""}, "prompt"),
        ({"prompt": "😀" * 501}, "prompt"),  # 1002 UTF-16 code units
        ({"prompt": "x", "duration": 0}, "duration"),
        ({"prompt": "x", "duration": 11}, "duration"),
        ({"prompt": "x", "duration": "4s"}, "duration"),
        ({"prompt": "x", "ratio": "16:9"}, "ratio"),
        ({"prompt": "x", "seed": -1}, "seed"),
    ],
)
def test_generate_video_rejects_bad_input(auth_client, payload, field):
    response = auth_client.post("/api/ai/generate-video", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not VideoJob.objects.exists()


def test_generate_video_for_someone_elses_dream_is_404(auth_client, client_for, committed):
    other = client_for()
    dream = _create_dream(other, committed, generate_video=False)["dream"]
    response = auth_client.post(
        "/api/ai/generate-video", {"prompt": "mine now", "dream_id": dream["id"]}, format="json"
    )
    assert response.status_code == 404


def test_in_flight_cap_answers_429(auth_client, committed, settings):
    settings.VIDEO_MAX_JOBS_IN_FLIGHT = 2
    for _ in range(2):
        _create_dream(auth_client, committed)
    response = auth_client.post("/api/ai/generate-video", {"prompt": "one too many"}, format="json")
    assert response.status_code == 429
    assert "in progress" in response.json()["detail"]


def test_generation_throttle_answers_429(auth_client, settings, monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"video_generation": "2/minute"})
    settings.VIDEO_MAX_JOBS_IN_FLIGHT = 100
    codes = [
        auth_client.post("/api/ai/generate-video", {"prompt": "again"}, format="json").status_code
        for _ in range(3)
    ]
    assert codes == [202, 202, 429]
