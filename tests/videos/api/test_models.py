"""GET /api/ai/models: the enabled models with their options, the style presets, the provider."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

URL = "/api/ai/models"


def test_anyone_sees_every_model_with_its_options(api_client, settings):
    settings.RUNWAYML_MODELS, settings.RUNWAYML_MODEL = [], "gen4.5"
    response = api_client.get(URL)

    assert response.status_code == 200
    body = response.json()
    assert body["provider"] == "demo" and body["default_model"] == "gen4.5"
    models = {m["id"]: m for m in body["models"]}
    assert list(models) == ["gen4.5", "veo3.1", "veo3.1_fast"]
    gen = models["gen4.5"]
    assert gen["default"] is True and gen["label"] == "Gen-4.5"
    assert [r["value"] for r in gen["ratios"]] == ["1280:720", "720:1280"]
    assert gen["ratios"][1] == {
        "value": "720:1280",
        "label": "Portrait 9:16 · 720p",
        "width": 720,
        "height": 1280,
    }
    assert gen["durations"] == list(range(2, 11)) and gen["default_duration"] == 4
    assert (gen["audio"], gen["default_audio"], gen["default_ratio"]) == (False, None, "1280:720")
    veo = models["veo3.1"]
    assert veo["default"] is False and veo["durations"] == [4, 6, 8]
    assert [r["value"] for r in veo["ratios"]] == ["1280:720", "720:1280", "1080:1920", "1920:1080"]
    assert (veo["audio"], veo["default_audio"], veo["default_duration"]) == (True, True, 4)


def test_the_style_presets_are_listed_with_a_line_each(api_client):
    styles = api_client.get(URL).json()["styles"]
    assert [s["id"] for s in styles] == [
        "none",
        "cinematic",
        "watercolour",
        "anime",
        "noir",
        "surreal",
    ]
    assert all(s["label"] and s["description"] for s in styles)
    assert [s["id"] for s in styles if s["default"]] == ["none"]


def test_only_the_enabled_models_are_listed(api_client, settings):
    settings.RUNWAYML_MODELS = ["veo3.1_fast", "gen4.5"]
    settings.RUNWAYML_MODEL = "veo3.1_fast"
    body = api_client.get(URL).json()
    assert [m["id"] for m in body["models"]] == ["gen4.5", "veo3.1_fast"]
    assert body["default_model"] == "veo3.1_fast"
    assert [m["id"] for m in body["models"] if m["default"]] == ["veo3.1_fast"]


def test_the_active_provider_is_named(api_client, settings):
    settings.VIDEO_PROVIDER, settings.RUNWAYML_API_SECRET = "auto", "key_test"
    assert api_client.get(URL).json()["provider"] == "runway"


def test_it_is_cacheable_and_revalidates_to_a_304(api_client, django_assert_num_queries):
    with django_assert_num_queries(0):  # static per process: no database at all
        first = api_client.get(URL)
    assert "public" in first["Cache-Control"] and "max-age=300" in first["Cache-Control"]
    again = api_client.get(URL, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again["ETag"] == first["ETag"]


def test_a_bad_token_does_not_hide_the_listing(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert api_client.get(URL).status_code == 200


def test_the_schema_documents_it(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/ai/models"]["get"]
    assert "200" in operation["responses"]
    generate = schema["components"]["schemas"]["GenerateVideoInputRequest"]["properties"]
    assert {"model", "ratio", "duration", "audio", "style", "seed"} <= set(generate)
    enum = generate["model"]["allOf"][0]["$ref"].rsplit("/", 1)[-1]
    assert schema["components"]["schemas"][enum]["enum"] == ["gen4.5", "veo3.1", "veo3.1_fast"]
