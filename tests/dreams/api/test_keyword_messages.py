"""A keyword (or emotion) that is far too long gets a message of its own: which one, and
how long it is, so the editor can show it beside the Keywords field."""

from __future__ import annotations

import pytest

from tests.support.factories import DreamFactory

pytestmark = pytest.mark.django_db


def test_a_300_character_keyword_is_named_with_its_length(auth_client):
    keyword = "labyrinth" * 33 + "abc"  # 300 characters

    response = auth_client.post(
        "/api/dreams",
        {"title": "Maze", "content": "A maze.", "analysis": {"keywords": ["sea", keyword]}},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "analysis": {
            "keywords": "Each keyword is at most 50 characters; “labyrinthlabyrinthla…” has 300."
        }
    }


def test_an_edit_with_a_long_emotion_says_it_is_an_emotion(auth_client, user):
    dream = DreamFactory(owner=user)

    response = auth_client.patch(
        f"/api/dreams/{dream.pk}", {"analysis": {"emotions": ["a" * 51]}}, format="json"
    )

    assert response.status_code == 400
    message = response.json()["analysis"]["emotions"]
    assert message.startswith("Each emotion is at most 50 characters;")
    assert message.endswith("has 51.")
