"""Symbol searches of the gallery are bounded per client: an unknown symbol reads the whole
gallery, and a hostile visitor could send a new one with every request."""

from __future__ import annotations

import pytest

from dreams.gallery import GALLERY_MOODS

pytestmark = pytest.mark.django_db


def test_symbol_searches_stop_at_the_clients_budget(client, settings):
    # Given a budget of three symbol searches a minute
    settings.GALLERY_SEARCH_RATE = "3/minute"

    # When one client searches again and again, a new symbol each time, API and page alike
    answers = [
        client.get("/api/dreams/public/gallery", {"symbol": "nothing-0"}).status_code,
        client.get("/gallery/", {"symbol": "nothing-1"}).status_code,
        client.get("/api/dreams/public/gallery", {"symbol": "nothing-2"}).status_code,
    ]
    refused_api = client.get("/api/dreams/public/gallery", {"symbol": "nothing-3"})
    refused_page = client.get("/gallery/", {"symbol": "nothing-4"})

    # Then the fourth is refused with a time to come back, and plain browsing goes on
    assert answers == [200, 200, 200]
    assert refused_api.status_code == 429 and int(refused_api["Retry-After"]) > 0
    assert "symbol searches" in refused_api.json()["detail"]
    assert refused_page.status_code == 429
    assert client.get("/api/dreams/public/gallery").status_code == 200
    assert client.get("/gallery/", {"mood": GALLERY_MOODS[0]}).status_code == 200
