"""``/healthz`` (liveness) and ``/readyz`` (readiness, storage tier, journal backlog)."""

from __future__ import annotations

import pytest

from dreams.storage import journal
from tests.support.database import database_unreachable


@pytest.fixture(autouse=True)
def _fresh_pending_count():
    journal.pending_changed()
    yield
    journal.pending_changed()


def test_healthz_answers_without_the_database(client):
    # No django_db mark: a query would fail the test.
    response = client.get("/healthz")

    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_when_everything_answers(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "storage": "ok", "tasks": "ok"},
        "tier": "dreams",
        "emergency_waiting": 0,
    }


@pytest.mark.django_db(transaction=True)
def test_readyz_during_an_outage_is_degraded_but_ready(client, auth_client):
    assert auth_client.get("/api/dreams").status_code == 200  # a caller the app knows

    with database_unreachable():
        assert (
            auth_client.post(
                "/api/dreams", {"title": "Kept", "content": "Offline."}, format="json"
            ).status_code
            == 202
        )
        response = client.get("/readyz")

    assert response.status_code == 200  # still takes dreams: keep it in the load balancer
    body = response.json()
    assert (body["status"], body["tier"], body["emergency_waiting"]) == ("degraded", "emergency", 1)
    assert body["checks"]["database"].startswith("error: ")
    assert body["checks"]["storage"] == body["checks"]["tasks"] == "ok"


class _BrokenStorage:
    def exists(self, name: str) -> bool:
        raise PermissionError("the bucket refuses us")


@pytest.mark.django_db
def test_readyz_is_unavailable_when_storage_fails(client, monkeypatch):
    monkeypatch.setattr("dreamjourney.health.default_storage", _BrokenStorage())

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["checks"]["storage"] == "error: PermissionError"
