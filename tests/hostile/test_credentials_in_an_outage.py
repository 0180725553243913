"""Credentials while PostgreSQL is unreachable: a real outage (a TCP proxy we cut) under the
app running as its own process.

Known users (token or session) and demo visitors keep writing dreams for a while — the
app remembers only what authentication needs, for ``AUTH_OUTAGE_REMEMBER_SECONDS``. A
token deleted or an account deactivated before the outage stops working at once (the
change makes every process sharing the cache forget it), and anything remembered stops
working when the window ends. The remembered facts never include a password hash.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests
from django.conf import global_settings
from django.contrib.auth import get_user_model
from django.db import connection
from rest_framework.authtoken.models import Token

from tests.hostile.fixtures_hostile import postgres_proxy
from tests.hostile.signin_support import Browser, OutageApp, replay
from tests.support.processes import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

WINDOW_SECONDS = 8
PASSWORD = "moonlit lighthouse 47"
DREAM = {"title": "Lighthouse", "content": "A lighthouse sang to the waves."}


@pytest.fixture
def cache_dir(tmp_path, settings) -> Path:
    """One cache for the app process and this test process (a folder both use)."""
    folder = tmp_path / "cache"
    folder.mkdir()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(folder),
        }
    }
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
    server = OutageApp(
        proxy, tmp_path, cache_dir, AUTH_OUTAGE_REMEMBER_SECONDS=str(WINDOW_SECONDS)
    ).start()
    yield server
    server.stop()


@pytest.fixture
def accounts(settings):
    """Users whose passwords the app process can check (the real hasher, not the tests')."""
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    model = get_user_model()
    made = {
        name: model.objects.create_user(username=name, password=PASSWORD)
        for name in ("alice", "bob", "carol", "dave")
    }
    tokens = {name: Token.objects.create(user=user).key for name, user in made.items()}
    return made, tokens


def write(app: OutageApp, token: str) -> requests.Response:
    return requests.post(
        f"{app.url}/api/dreams",
        json=DREAM,
        headers={"Authorization": f"Token {token}"},
        timeout=15,
    )


def test_known_callers_keep_writing_and_revoked_ones_stop(app, proxy, accounts, cache_dir):
    users, tokens = accounts
    # Given, while the database is up: alice signs in on the page, a visitor writes a
    # dream in demo mode, and bob, carol and dave use their tokens
    alice = Browser(app.url)
    assert alice.log_in("alice", PASSWORD).status_code == 302
    assert alice.signed_in_as("alice")
    alice_cookie = alice.session_cookie
    visitor = Browser(app.url)
    assert visitor.post_json("/api/dreams", DREAM).status_code == 201
    for name in ("bob", "carol", "dave"):
        assert write(app, tokens[name]).status_code == 201

    # And the remembered facts hold no password hash
    cached = b"".join(path.read_bytes() for path in cache_dir.rglob("*") if path.is_file())
    for user in users.values():
        user.refresh_from_db()
        assert user.password.encode() not in cached
        assert user.password.split("$")[-1].encode() not in cached

    # When carol is deactivated and dave's token deleted (here, in another process)
    carol = users["carol"]
    carol.is_active = False
    carol.save()
    Token.objects.filter(user=users["dave"]).delete()
    # And then the database becomes unreachable
    proxy.cut()

    # Then bob, alice and the visitor still write dreams (journaled: 202)
    assert write(app, tokens["bob"]).status_code == 202
    assert alice.post_json("/api/dreams", DREAM).status_code == 202
    assert alice.signed_in_as("alice")
    assert visitor.post_json("/api/dreams", DREAM).status_code == 202
    # But carol's and dave's tokens are refused at once
    assert write(app, tokens["carol"]).status_code == 503
    assert write(app, tokens["dave"]).status_code == 503

    # And alice can log out during the outage, which ends her session for good
    assert alice.log_out().status_code == 302
    assert not replay(app.url, alice_cookie).signed_in_as("alice")

    # When the window ends, what was remembered is forgotten
    time.sleep(WINDOW_SECONDS + 0.5)
    assert write(app, tokens["bob"]).status_code == 503
    # While demo mode needs no database at all
    assert visitor.post_json("/api/dreams", DREAM).status_code == 202

    # And once the database is back, bob works again and alice's old cookie stays dead
    proxy.restore()
    wait_for(lambda: write(app, tokens["bob"]).status_code == 201, timeout=30)
    assert not replay(app.url, alice_cookie).signed_in_as("alice")
    assert write(app, tokens["carol"]).status_code == 401
    assert write(app, tokens["dave"]).status_code == 401


def test_a_password_changed_before_the_outage_ends_old_sessions_during_it(app, proxy, accounts):
    users, _ = accounts
    browser = Browser(app.url)
    assert browser.log_in("alice", PASSWORD).status_code == 302
    assert browser.signed_in_as("alice")

    alice = users["alice"]
    alice.set_password("another passphrase 12")
    alice.save()
    proxy.cut()

    # The remembered alice was forgotten with the change: her old session is nobody now,
    # an unknown caller while the database is down
    assert browser.get("/api/dreams").status_code == 503
    assert browser.post_json("/api/dreams", DREAM).status_code == 503
