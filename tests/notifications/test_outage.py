"""The header's bell while PostgreSQL is unreachable: pages still render, without a count.

A real outage: the app runs as its own process, talking to the test database through a
TCP proxy we cut (as ``tests/hostile/test_credentials_in_an_outage.py`` does).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import global_settings
from django.contrib.auth import get_user_model
from django.db import connection

from notifications.services import notification_create
from tests.hostile.fixtures_hostile import postgres_proxy
from tests.hostile.signin_support import Browser, OutageApp

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

PASSWORD = "moonlit lighthouse 47"


@pytest.fixture
def cache_dir(tmp_path) -> Path:
    folder = tmp_path / "cache"
    folder.mkdir()
    return folder


@pytest.fixture
def proxy():
    if connection.vendor != "postgresql":
        pytest.skip("an outage of a networked database: run on PostgreSQL")
    proxy = postgres_proxy()
    yield proxy
    proxy.cut()


@pytest.fixture
def app(proxy, tmp_path, cache_dir):
    server = OutageApp(proxy, tmp_path, cache_dir).start()
    yield server
    server.stop()


def test_a_signed_in_journal_renders_without_a_count_while_the_database_is_away(
    app, proxy, settings
):
    # Given alice, signed in, with an unread notification (the app checks her password)
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    alice = get_user_model().objects.create_user("alice", password=PASSWORD)
    notification_create(recipient=alice, kind="dream_approved", title="“Owls” was approved")
    browser = Browser(app.url)
    assert browser.log_in("alice", PASSWORD).status_code == 302
    assert 'aria-label="Notifications, 1 unread"' in browser.get("/journal/").text

    # When the database becomes unreachable
    proxy.cut()

    # Then her journal still renders, its bell without a count
    page = browser.get("/journal/")
    assert page.status_code == 200
    assert "out of reach for a moment" in page.text
    assert 'aria-label="Notifications"' in page.text
