"""``common.authentication``: callers remembered for an outage (briefly, and only the facts
authentication needs), forgotten when they change; and the django-axes wiring."""

from __future__ import annotations

import json
import pickle
import time

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.cache import cache
from django.db import OperationalError
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from common import authentication
from common.authentication import (
    ResilientModelBackend,
    ResilientTokenAuthentication,
    _token_cache_key,
    _user_cache_key,
    lockout_response,
    lockout_username,
)
from tests.support.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _unreachable(*args, **kwargs):
    raise OperationalError("connection refused")


@pytest.fixture
def outage(monkeypatch):
    """The database stops answering the lookups authentication makes."""

    def start() -> None:
        monkeypatch.setattr(authentication, "token_with_user", _unreachable)
        monkeypatch.setattr(ResilientModelBackend, "_stored_user", _unreachable)

    return start


@pytest.fixture
def token(user) -> str:
    return Token.objects.create(user=user).key


def by_token(key: str):
    return ResilientTokenAuthentication().authenticate_credentials(key)


def test_only_the_facts_authentication_needs_are_remembered(user, token):
    by_token(token)

    facts = cache.get(_user_cache_key(user.pk))
    assert set(facts) == {"id", "username", "is_active", "is_staff", "is_superuser", "session_hash"}
    assert facts["session_hash"] == user.get_session_auth_hash()
    assert cache.get(_token_cache_key(token)) == user.pk
    stored = pickle.dumps(facts) + pickle.dumps(cache.get(_token_cache_key(token)))
    assert user.password.encode() not in stored
    assert token.encode() not in pickle.dumps(_token_cache_key(token))


def test_a_known_token_stands_in_during_an_outage(user, token, outage):
    by_token(token)
    outage()

    stand_in, no_token = by_token(token)

    assert no_token is None
    assert (stand_in.pk, stand_in.username, stand_in.is_active) == (user.pk, "alice", True)
    assert stand_in.is_authenticated
    assert stand_in.password == ""  # never the hash


def test_an_unknown_token_during_an_outage_is_the_outage(token, outage):
    outage()

    with pytest.raises(OperationalError):
        by_token(token)


def test_the_api_answers_503_for_an_unknown_caller_during_an_outage(token, outage):
    outage()
    client = Client(headers={"Authorization": f"Token {token}"})

    assert client.get("/api/dreams").status_code == 503


def test_deactivating_a_user_forgets_them_at_once(user, token, outage):
    by_token(token)

    user.is_active = False
    user.save()
    outage()

    with pytest.raises(OperationalError):
        by_token(token)


def test_deleting_a_token_forgets_it_at_once(user, token, outage):
    by_token(token)

    Token.objects.filter(key=token).delete()
    outage()

    with pytest.raises(OperationalError):
        by_token(token)


def test_a_refused_token_is_forgotten(user, token, outage):
    by_token(token)
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)  # no signal

    with pytest.raises(AuthenticationFailed):
        by_token(token)  # the database says no, and the cache forgets
    outage()
    with pytest.raises(OperationalError):
        by_token(token)


def test_without_signals_the_window_ends_it(user, token, outage, settings):
    settings.AUTH_OUTAGE_REMEMBER_SECONDS = 1
    by_token(token)
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)  # no signal
    outage()

    assert by_token(token)[0].pk == user.pk  # within the window
    time.sleep(1.2)
    with pytest.raises(OperationalError):
        by_token(token)


def test_the_window_defaults_to_ten_minutes():
    from django.conf import settings

    assert settings.AUTH_OUTAGE_REMEMBER_SECONDS == 600


def test_a_signed_in_session_stands_in_during_an_outage(client, user, outage):
    client.force_login(user)
    assert client.get(reverse("journal")).context["user"] == user  # remembered
    outage()

    page = client.get(reverse("journal"))

    assert page.status_code == 200
    assert page.context["user"].is_authenticated
    assert page.context["user"].pk == user.pk


def test_a_new_password_forgets_the_user_and_ends_old_sessions(client, user, outage, monkeypatch):
    client.force_login(user)
    client.get(reverse("journal"))
    old_cookie = client.cookies["sessionid"].value

    user.set_password("a brand new passphrase")
    user.save()

    # Forgotten at once: during an outage now, nobody stands in for them
    assert cache.get(_user_cache_key(user.pk)) is None
    with monkeypatch.context() as patched:
        patched.setattr(ResilientModelBackend, "_stored_user", _unreachable)
        with pytest.raises(OperationalError):
            ResilientModelBackend().get_user(user.pk)
    # And the old cookie is nobody, with the database up or down
    replayed = Client()
    replayed.cookies["sessionid"] = old_cookie
    assert not replayed.get(reverse("journal")).context["user"].is_authenticated
    outage()
    replayed.cookies["sessionid"] = old_cookie
    assert not replayed.get(reverse("journal")).context["user"].is_authenticated


# --- django-axes wiring ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "given, expected",
    [
        ("alice", "alice"),
        ("al\x00ice", "alice"),
        ("x" * 10_000, "x" * 150),
        ("", None),
        (None, None),
        (["alice"], None),
    ],
)
def test_usernames_are_made_safe_to_store(given, expected):
    assert lockout_username(RequestFactory().post("/"), {"username": given}) == expected


def test_a_username_is_read_from_the_form_without_credentials():
    request = RequestFactory().post("/login/", {"username": "luna"})

    assert lockout_username(request) == "luna"


def test_signing_in_without_a_request_is_not_refused(user):
    # A test client's login(), a management command: no client to count or lock
    assert authenticate(username="alice", password=PASSWORD) == user
    assert Client().login(username="alice", password=PASSWORD)


def test_the_lockout_answer_is_json_under_the_api():
    request = RequestFactory().post("/api/auth/token")

    response = lockout_response(request)

    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    body = json.loads(response.content)
    assert body == {"detail": "Too many failed attempts, try again in 15 minutes."}
