"""POST /api/dreams/with-video: a dream and its generation job in one request."""

from __future__ import annotations

import pytest

from tests.support.contract import DREAM_FIELDS

pytestmark = pytest.mark.django_db

DREAMS = "/api/dreams"
WITH_VIDEO = "/api/dreams/with-video"


def dream_body(title: str = "Flying over the sea", **extra) -> dict:
    return {"title": title, "content": "I flew over a calm sea at dawn.", **extra}


def dream_url(dream_id) -> str:
    return f"{DREAMS}/{dream_id}"


def test_with_video_creates_the_dream_and_its_generation_job(auth_client):
    response = auth_client.post(
        WITH_VIDEO,
        {
            "title": "Chased in the forest",
            "content": "A monster chased me through a dark forest and I was terrified.",
            "video_duration": 6,
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"dream", "video_job"}
    dream, job = body["dream"], body["video_job"]
    assert set(dream) == DREAM_FIELDS
    assert dream["storage"] == "dreams"
    assert dream["video_status"] == "queued"
    assert dream["video_duration"] == 6
    # The analysis was computed locally and the prompt built from the dream
    assert "fear" in dream["analysis"]["emotions"]
    assert dream["analysis"]["keywords"]
    assert dream["video_prompt"]
    # And the job is for this dream, not started yet
    assert job["kind"] == "generate"
    assert job["status"] == "queued"
    assert job["dream_id"] == dream["id"]
    assert job["video_url"] is None
    assert job["error"] is None
    # And the dream is in the journal
    assert auth_client.get(dream_url(dream["id"])).json()["video_status"] == "queued"


def test_with_video_uses_the_clients_prompt_and_analysis(auth_client):
    analysis = {"emotions": ["joy"], "keywords": ["kite"]}

    response = auth_client.post(
        WITH_VIDEO,
        dream_body(analysis=analysis, video_prompt="A red kite over dunes", is_public=True),
        format="json",
    )

    dream = response.json()["dream"]
    assert dream["analysis"] == analysis
    assert dream["video_prompt"] == "A red kite over dunes"
    assert dream["is_public"] is True


def test_with_video_without_generation_has_no_job(auth_client):
    response = auth_client.post(WITH_VIDEO, dream_body(generate_video=False), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["video_job"] is None
    assert body["dream"]["video_status"] == "none"
    assert body["dream"]["analysis"]["keywords"]
    assert "emotions" in body["dream"]["analysis"]


def test_with_video_in_demo_mode(api_client):
    response = api_client.post(WITH_VIDEO, dream_body(), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["dream"]["storage"] == "demo_dreams"
    assert body["video_job"]["dream_id"] == body["dream"]["id"]
    assert api_client.get(dream_url(body["dream"]["id"])).status_code == 200


@pytest.mark.parametrize(
    "bad, field",
    [
        ({"title": ""}, "title"),
        ({"video_duration": 11}, "video_duration"),
        ({"ratio": "1:1"}, "ratio"),
        ({"seed": -1}, "seed"),
        ({"analysis": ["fear"]}, "analysis"),
    ],
)
def test_with_video_validates_its_input(auth_client, bad, field):
    response = auth_client.post(WITH_VIDEO, {**dream_body(), **bad}, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert auth_client.get(DREAMS).json()["results"] == []


def test_with_video_refuses_more_jobs_than_allowed_in_flight(auth_client, settings):
    settings.VIDEO_MAX_JOBS_IN_FLIGHT = 1
    assert auth_client.post(WITH_VIDEO, dream_body(), format="json").status_code == 201

    response = auth_client.post(WITH_VIDEO, dream_body("Another"), format="json")

    assert response.status_code == 429
    assert response.json()["detail"]


def test_with_video_refused_for_too_many_jobs_saves_no_dream(auth_client, settings):
    # Given a user already at the in-flight limit
    settings.VIDEO_MAX_JOBS_IN_FLIGHT = 1
    first = auth_client.post(WITH_VIDEO, dream_body("First"), format="json").json()

    # When another create-with-video is refused
    response = auth_client.post(WITH_VIDEO, dream_body("Refused"), format="json")
    assert response.status_code == 429

    # Then the refused dream was not saved behind the client's back
    ids = [d["id"] for d in auth_client.get(DREAMS).json()["results"]]
    assert ids == [first["dream"]["id"]]
