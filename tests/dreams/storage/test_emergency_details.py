"""A dream's details survive the emergency journal: written while the database is down,
shown as written, and replayed into the table with every detail.

The database is made really unreachable (``tests.support.database``), as in
``test_emergency.py``.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from dreams.models import Dream
from dreams.storage.replay import emergency_replay
from tests.support.database import database_unreachable

pytestmark = pytest.mark.django_db(transaction=True)

DREAMS = "/api/dreams"
DETAILS = {
    "dreamt_on": "2024-02-29",
    "lucid": True,
    "nightmare": True,
    "recurring": True,
    "clarity": 2,
    "sleep_quality": 5,
    "tags": ["Flying", "#the  Sea", "flying"],
}
STORED = {**DETAILS, "tags": ["flying", "the sea"]}


@pytest.mark.parametrize("endpoint", [DREAMS, f"{DREAMS}/with-video"])
def test_a_dream_written_during_an_outage_keeps_all_its_details_through_replay(
    auth_client, user, endpoint
):
    assert auth_client.get(DREAMS).status_code == 200  # the app knows the token
    body = {"title": "Leap year", "content": "The calendar had one day too many.", **DETAILS}

    # Given the database is unreachable, when a dream with every detail is written
    with database_unreachable():
        response = auth_client.post(endpoint, body, format="json")
        listed = auth_client.get(DREAMS)

    # Then it is kept in the emergency journal and shown with its details as written
    assert response.status_code == 202, response.content
    written = response.json().get("dream", response.json())
    assert written["storage"] == "emergency"
    assert {name: written[name] for name in STORED} == STORED
    shown = listed.json()["results"][0]
    assert {name: shown[name] for name in STORED} == STORED

    # When the database is back and the journal is replayed
    assert emergency_replay().replayed == 1

    # Then the dream is in its table with every detail
    dream = Dream.objects.get(pk=written["id"])
    assert dream.dreamt_on == date(2024, 2, 29)
    assert (dream.lucid, dream.nightmare, dream.recurring) == (True, True, True)
    assert (dream.clarity, dream.sleep_quality) == (2, 5)
    assert dream.tags == ["flying", "the sea"]
    api = auth_client.get(f"{DREAMS}/{dream.pk}").json()
    assert api["storage"] == "dreams"
    assert {name: api[name] for name in STORED} == STORED
    # And its page shows them to its owner
    client = Client()
    client.force_login(user)
    page = client.get(reverse("dream-page", kwargs={"dream_id": dream.pk})).content.decode()
    assert "Thursday 29 February 2024" in page
    assert "Nightmare" in page and "the sea" in page
