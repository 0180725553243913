"""The emergency tier in this process, on any database: SQLite as well as PostgreSQL.

The main database is made really unreachable (``tests.support.database``: the connection
points where nothing answers, no mock); the journal is its own SQLite file. A dream
posted meanwhile is accepted (202, ``storage: emergency``), listed and found by id, and
lands in its table exactly once, with its id, when the database is back and
``emergency_replay`` runs (the replayer thread is off in tests: ``EMERGENCY_AUTO_REPLAY``).

The same tier against real network faults and real processes (a TCP proxy cut under a
running server, SIGKILL, concurrent replays) is in ``test_outage.py`` (PostgreSQL only).
"""

from __future__ import annotations

from datetime import datetime

import pytest

from dreams.models import DemoDream, Dream
from dreams.storage import journal
from dreams.storage.replay import emergency_replay
from tests.support.database import database_unreachable
from videos.models import VideoJob

pytestmark = pytest.mark.django_db(transaction=True)

DREAMS = "/api/dreams"


def _body(title: str = "Lighthouse", **extra) -> dict:
    return {"title": title, "content": "A lighthouse sang to the waves.", **extra}


@pytest.fixture
def known_client(auth_client):
    """``auth_client`` once the app has seen its token while the database was up."""
    assert auth_client.get(DREAMS).status_code == 200
    return auth_client


def test_a_dream_written_during_an_outage_is_kept_shown_and_replayed_once_with_its_id(
    known_client, user
):
    # Given the database is unreachable
    with database_unreachable():
        # When a signed-in user writes a dream
        response = known_client.post(DREAMS, _body(), format="json")

        # Then it is accepted into the emergency journal
        assert response.status_code == 202, response.content
        body = response.json()
        assert body["storage"] == "emergency" and body["title"] == "Lighthouse"
        # And it is listed (the list is the journal alone) and found by its id
        listed = known_client.get(DREAMS)
        assert listed.status_code == 200
        assert [d["id"] for d in listed.json()["results"]] == [body["id"]]
        one = known_client.get(f"{DREAMS}/{body['id']}")
        assert one.status_code == 200 and one.json()["storage"] == "emergency"
        # And nothing can be replayed while the database is away
        assert emergency_replay().replayed == 0
        assert journal.emergency_pending_count() == 1

    # When the database is back, it is not in the table until the replay runs
    assert not Dream.objects.filter(pk=body["id"]).exists()
    first = emergency_replay()

    # Then it lands once, with its own id, owner, text and creation time
    assert (first.replayed, first.already_there, first.unreplayable) == (1, 0, 0)
    dream = Dream.objects.get(pk=body["id"])
    assert (dream.owner, dream.title, dream.content) == (user, body["title"], body["content"])
    assert dream.created_at == datetime.fromisoformat(body["created_at"])
    assert known_client.get(f"{DREAMS}/{body['id']}").json()["storage"] == "dreams"
    assert journal.emergency_pending_count() == 0

    # And replaying again writes nothing more
    second = emergency_replay()
    assert (second.replayed, second.already_there) == (0, 0)
    assert Dream.objects.filter(title="Lighthouse").count() == 1


def test_a_demo_visitors_dream_is_kept_and_replayed_into_demo_dreams(api_client):
    with database_unreachable():
        response = api_client.post(DREAMS, _body("Demo"), format="json")
        assert response.status_code == 202, response.content
        dream_id = response.json()["id"]
        assert response.json()["storage"] == "emergency"
        listed = api_client.get(DREAMS).json()["results"]
        assert [d["id"] for d in listed] == [dream_id]

    assert emergency_replay().replayed == 1
    assert DemoDream.objects.filter(pk=dream_id, title="Demo").count() == 1
    assert not Dream.objects.filter(pk=dream_id).exists()
    assert api_client.get(f"{DREAMS}/{dream_id}").json()["storage"] == "demo_dreams"


def test_a_dream_with_a_video_request_gets_its_job_once_replayed(known_client):
    with database_unreachable():
        response = known_client.post(f"{DREAMS}/with-video", _body("Tide"), format="json")
        assert response.status_code == 202, response.content
        body = response.json()
        assert body["video_job"] is None
        assert body["dream"]["storage"] == "emergency"
        assert body["dream"]["video_status"] == "queued"

    emergency_replay()
    emergency_replay()

    assert VideoJob.objects.filter(dream_id=body["dream"]["id"]).count() == 1


def test_bad_input_is_still_refused_during_an_outage(known_client):
    with database_unreachable():
        response = known_client.post(DREAMS, _body(title=""), format="json")

    assert response.status_code == 400 and "title" in response.json()
    assert journal.emergency_pending_count() == 0


def test_a_dream_already_in_its_table_answers_503_during_an_outage(known_client):
    dream_id = known_client.post(DREAMS, _body("Stored"), format="json").json()["id"]

    with database_unreachable():
        response = known_client.get(f"{DREAMS}/{dream_id}")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"


def test_an_unknown_token_answers_503_during_an_outage(client_for, make_user):
    stranger = client_for(make_user())  # a valid token the app has not seen yet

    with database_unreachable():
        response = stranger.post(DREAMS, _body(), format="json")

    assert response.status_code == 503
    assert journal.emergency_pending_count() == 0
