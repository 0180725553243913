"""Every endpoint that starts a generation judges model, ratio, duration, audio and style
together for the model: a bad combination is a 400 naming the field and what is allowed,
with no job saved and nothing enqueued; a good one is stored on the job and sent on."""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest
from django.tasks import task_backends

from dreams.models import Dream
from tests.support.fakes import TASK, expect_statuses, runway_task
from videos.catalog import style_by_id
from videos.models import VideoJob

pytestmark = pytest.mark.django_db

DREAM = {"title": "The tide", "content": "A calm sea rose into the sky."}
GENERATE = "/api/ai/generate-video"
WITH_VIDEO = "/api/dreams/with-video"

BAD = [
    # (choices, field, the message's words)
    ({"ratio": "1104:832"}, "ratio", "gen4.5 accepts 1280:720 or 720:1280."),
    ({"ratio": "1584:672"}, "ratio", "gen4.5 accepts 1280:720 or 720:1280."),
    ({"ratio": "1080:1920"}, "ratio", "gen4.5 accepts 1280:720 or 720:1280."),
    ({"model": "veo3.1", "ratio": "960:960"}, "ratio", "veo3.1 accepts 1280:720, 720:1280"),
    ({"model": "veo3.1", "duration": 5}, "duration", "veo3.1 accepts 4, 6 or 8 seconds."),
    ({"model": "veo3.1_fast", "duration": 10}, "duration", "veo3.1_fast accepts 4, 6 or 8"),
    ({"duration": 11}, "duration", "gen4.5 accepts 2 to 10 seconds."),
    ({"duration": 1}, "duration", "gen4.5 accepts 2 to 10 seconds."),
    ({"audio": True}, "audio", "gen4.5 makes no sound"),
    ({"audio": False}, "audio", "gen4.5 makes no sound"),
    ({"model": "sora"}, "model", "Unknown model; choose gen4.5, veo3.1 or veo3.1_fast."),
    ({"model": ""}, "model", ""),
    ({"model": 7}, "model", ""),
    ({"style": "sepia"}, "style", "Choose none, cinematic, watercolour, anime, noir or surreal."),
    ({"audio": "loud"}, "audio", ""),
]


def _body(endpoint: str, choices: dict) -> dict:
    if endpoint == GENERATE:
        return {"prompt": "A lighthouse in fog", **choices}
    renamed = {("video_duration" if k == "duration" else k): v for k, v in choices.items()}
    return {**DREAM, **renamed}


@pytest.mark.parametrize("endpoint", [GENERATE, WITH_VIDEO])
@pytest.mark.parametrize(("choices", "field", "words"), BAD)
def test_bad_combinations_are_a_400_naming_the_field(
    auth_client, committed, endpoint, choices, field, words
):
    with committed():
        response = auth_client.post(endpoint, _body(endpoint, choices), format="json")

    assert response.status_code == 400, response.content
    named = "video_duration" if endpoint == WITH_VIDEO and field == "duration" else field
    assert words in " ".join(response.json()[named])
    assert not VideoJob.objects.exists() and not Dream.objects.exists()
    assert list(task_backends["default"].results) == []


def test_a_model_not_enabled_is_a_400_listing_the_enabled_ones(auth_client, settings):
    settings.RUNWAYML_MODELS = ["gen4.5", "veo3.1_fast"]
    response = auth_client.post(GENERATE, {"prompt": "x", "model": "veo3.1"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "model": ["veo3.1 is not enabled on this site; choose gen4.5 or veo3.1_fast."]
    }
    assert not VideoJob.objects.exists()


def test_left_out_choices_take_the_default_models_defaults(auth_client):
    response = auth_client.post(GENERATE, {"prompt": "Stars"}, format="json")
    assert response.status_code == 202
    job = response.json()["job"]
    assert (job["model"], job["ratio"], job["duration"], job["audio"], job["style"]) == (
        "gen4.5",
        "1280:720",
        4,
        None,
        "none",
    )


def test_the_site_default_model_decides_the_defaults(auth_client, settings):
    settings.RUNWAYML_MODEL = "veo3.1_fast"
    job = auth_client.post(GENERATE, {"prompt": "Stars"}, format="json").json()["job"]
    assert (job["model"], job["duration"], job["audio"]) == ("veo3.1_fast", 4, True)


def test_with_video_stores_the_choices_on_the_job(auth_client):
    body = {
        **DREAM,
        "model": "veo3.1",
        "ratio": "720:1280",
        "video_duration": 6,
        "audio": False,
        "style": "watercolour",
    }
    response = auth_client.post(WITH_VIDEO, body, format="json")
    assert response.status_code == 201, response.content
    job = response.json()["video_job"]
    assert (job["model"], job["ratio"], job["duration"], job["audio"], job["style"]) == (
        "veo3.1",
        "720:1280",
        6,
        False,
        "watercolour",
    )
    stored = VideoJob.objects.get(pk=job["id"])
    assert (stored.model, stored.style, stored.audio) == ("veo3.1", "watercolour", False)


def test_a_veo_job_reaches_runway_exactly_as_its_api_wants(
    auth_client, committed, run_jobs, runway
):
    # Given a fake RunwayML on loopback, and a veo3.1 generation asked for through the API.
    runway.expect_ordered_request("/v1/text_to_video", method="POST").respond_with_json(
        {"id": TASK}
    )
    expect_statuses(runway, runway_task("SUCCEEDED", output=[runway.url_for("/output/video.mp4")]))
    choices = {
        "model": "veo3.1",
        "ratio": "1920:1080",
        "duration": 8,
        "audio": True,
        "style": "cinematic",
        "seed": 99,
    }
    with committed():
        response = auth_client.post(
            GENERATE, {"prompt": "A lighthouse in fog", **choices}, format="json"
        )
    assert response.status_code == 202, response.content

    run_jobs()

    create = next(req for req, _ in runway.log if req.path == "/v1/text_to_video")
    assert json.loads(create.data) == {
        "model": "veo3.1",
        "promptText": f"A lighthouse in fog {style_by_id('cinematic').phrase}",
        "ratio": "1920:1080",
        "duration": 8,
        "audio": True,
        "seed": 99,
    }
    job = auth_client.get(response.json()["job"]["url"]).json()
    assert job["status"] == "succeeded" and job["model"] == "veo3.1"


def test_the_demo_renders_a_veo_portrait_in_noir(auth_client, committed, run_jobs, settings):
    # Given no API key (the demo renderer), a 1080:1920 veo request in the noir style.
    with committed():
        response = auth_client.post(
            WITH_VIDEO,
            {**DREAM, "model": "veo3.1", "ratio": "1080:1920", "style": "noir"},
            format="json",
        )
    assert response.status_code == 201, response.content
    run_jobs()

    dream = auth_client.get(f"/api/dreams/{response.json()['dream']['id']}").json()
    video = auth_client.get(dream["video_url"])
    path = Path(settings.MEDIA_ROOT) / "check.mp4"
    path.write_bytes(b"".join(video.streaming_content))
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        # Portrait 9:16, the long side scaled down to the demo's width, both sides even.
        width, height = stream.codec_context.width, stream.codec_context.height
        assert width % 2 == 0 and height % 2 == 0 and height > width
        assert abs(width / height - 9 / 16) < 0.02
        assert abs(float(container.duration / 1_000_000) - 4) < 0.1  # veo's default, 4 s
        frame = next(container.decode(video=0)).to_ndarray(format="rgb24").astype(int)
    # Noir: no colour left (the channels agree to within rounding).
    assert np.abs(frame - frame.mean(axis=2, keepdims=True)).max() <= 6


def test_a_moderators_regeneration_fits_the_duration_to_the_default_model(
    auth_client, make_user, settings
):
    # Given a dream whose 5-second video came from gen4.5, and veo3.1 the default since.
    from dreams.moderation import dream_video_regenerate

    created = auth_client.post(
        WITH_VIDEO, {**DREAM, "video_duration": 5, "generate_video": False}, format="json"
    )
    dream = Dream.objects.get(pk=created.json()["dream"]["id"])
    settings.RUNWAYML_MODEL = "veo3.1"

    job = dream_video_regenerate(dream=dream, moderator=make_user("mod", is_staff=True))

    assert (job.model, job.duration) == ("veo3.1", 4)  # 5 s is not a veo length


@pytest.mark.django_db(transaction=True)
def test_choices_made_during_an_outage_reach_the_job_once_replayed(auth_client):
    # Given the database goes away after the app has seen this caller's token.
    from dreams.storage.replay import emergency_replay
    from tests.support.database import database_unreachable

    assert auth_client.get("/api/dreams").status_code == 200
    choices = {"model": "veo3.1_fast", "ratio": "720:1280", "video_duration": 8, "style": "anime"}
    with database_unreachable():
        response = auth_client.post(WITH_VIDEO, {**DREAM, **choices}, format="json")
        assert response.status_code == 202, response.content

    emergency_replay()

    job = VideoJob.objects.get(dream_id=response.json()["dream"]["id"])
    assert (job.model, job.ratio, job.duration, job.style, job.audio) == (
        "veo3.1_fast",
        "720:1280",
        8,
        "anime",
        True,
    )


@pytest.mark.django_db(transaction=True)
def test_a_model_disabled_while_the_record_waited_gives_the_default_models_video(
    auth_client, settings
):
    from dreams.storage.replay import emergency_replay
    from tests.support.database import database_unreachable

    assert auth_client.get("/api/dreams").status_code == 200
    with database_unreachable():
        body = {**DREAM, "model": "veo3.1", "video_duration": 6}
        response = auth_client.post(WITH_VIDEO, body, format="json")
        assert response.status_code == 202, response.content
    settings.RUNWAYML_MODELS = ["gen4.5"]

    emergency_replay()

    job = VideoJob.objects.get(dream_id=response.json()["dream"]["id"])
    assert (job.model, job.duration) == ("gen4.5", 6)
