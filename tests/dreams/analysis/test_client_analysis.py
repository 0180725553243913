"""An analysis sent by a client: the new keys (symbols, mood, valence, arousal, reflection,
video_prompt) are accepted within their bounds and refused with a 400 naming them."""

from __future__ import annotations

import json

import pytest
from rest_framework import serializers

from dreams.analysis import analyse_dream
from dreams.api.serializers import validate_analysis

DREAMS = "/api/dreams"

FULL = {
    "emotions": ["fear", "wonder"],
    "keywords": ["glass lighthouse", "sea"],
    "symbols": [{"name": "glass lighthouse", "family": "places"}, {"name": "sea"}],
    "mood": "eerie",
    "valence": -0.4,
    "arousal": 1,
    "reflection": "r" * 2000,
    "video_prompt": "😀" * 500,  # 1000 UTF-16 units
    "source": "llm",
}


def test_the_local_analysis_is_a_valid_client_analysis() -> None:
    analysis = analyse_dream(title="Lighthouse", content="A glass lighthouse by the sea. " * 50)

    assert validate_analysis(analysis) == analysis


def test_every_key_at_its_limit_is_accepted() -> None:
    at_limits = {
        **FULL,
        "symbols": [{"name": "n" * 50, "family": "f" * 50}] * 20,
        "mood": "m" * 30,
        "valence": -1.0,
        "arousal": 0,
    }

    assert validate_analysis(at_limits) == at_limits


@pytest.mark.parametrize(
    ("analysis", "key"),
    [
        ({"symbols": "sea"}, "symbols"),
        ({"symbols": ["sea"]}, "symbols"),
        ({"symbols": [{"family": "water"}]}, "symbols"),
        ({"symbols": [{"name": "  "}]}, "symbols"),
        ({"symbols": [{"name": 3}]}, "symbols"),
        ({"symbols": [{"name": "sea", "family": ["water"]}]}, "symbols"),
        ({"symbols": [{"name": "s" * 51}]}, "symbols"),
        ({"symbols": [{"name": "sea", "family": "f" * 51}]}, "symbols"),
        ({"symbols": [{"name": "sea"}] * 21}, "symbols"),
        ({"mood": "m" * 31}, "mood"),
        ({"mood": ["eerie"]}, "mood"),
        ({"valence": 1.01}, "valence"),
        ({"valence": "0.5"}, "valence"),
        ({"valence": True}, "valence"),
        ({"valence": None}, "valence"),
        ({"arousal": -0.1}, "arousal"),
        ({"arousal": float("inf")}, "arousal"),
        ({"reflection": "r" * 2001}, "reflection"),
        ({"reflection": 5}, "reflection"),
        ({"video_prompt": "😀" * 500 + "x"}, "video_prompt"),
        ({"video_prompt": {"text": "x"}}, "video_prompt"),
    ],
)
def test_out_of_bounds_keys_are_refused_naming_the_key(analysis: dict, key: str) -> None:
    with pytest.raises(serializers.ValidationError) as raised:
        validate_analysis(analysis)

    detail = raised.value.detail
    assert key in detail, detail
    assert any(ch.isalpha() for ch in json.dumps(detail[key]))


def test_the_16_kb_cap_still_holds() -> None:
    with pytest.raises(serializers.ValidationError, match="16 KB"):
        validate_analysis({"reflection": "é" * 1500, "notes": "n" * 14_000})


@pytest.mark.django_db
def test_the_api_accepts_and_returns_a_full_analysis(auth_client) -> None:
    body = {"title": "Lighthouse", "content": "A glass lighthouse.", "analysis": FULL}

    response = auth_client.post(DREAMS, body, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["analysis"] == FULL


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("analysis", "key"),
    [
        ({"symbols": [{"name": "s" * 51}]}, "symbols"),
        ({"valence": 2}, "valence"),
        ({"video_prompt": "p" * 1001}, "video_prompt"),
    ],
)
def test_the_api_answers_400_naming_the_key(auth_client, analysis: dict, key: str) -> None:
    body = {"title": "Lighthouse", "content": "A glass lighthouse.", "analysis": analysis}

    response = auth_client.post(DREAMS, body, format="json")

    assert response.status_code == 400, response.content
    assert key in response.json()["analysis"]
    assert auth_client.get(DREAMS).json()["results"] == []


@pytest.mark.django_db
def test_a_dream_without_analysis_gets_the_local_one(auth_client) -> None:
    response = auth_client.post(
        DREAMS,
        {"title": "Chased", "content": "A monster chased me through a dark forest. Terrified."},
        format="json",
    )

    analysis = response.json()["analysis"]
    assert analysis["emotions"][0] == "fear"
    assert {"name": "dark forest", "family": "nature"} in analysis["symbols"]
    assert analysis["mood"] == "terrified"
    assert -1 <= analysis["valence"] < 0 <= analysis["arousal"] <= 1
