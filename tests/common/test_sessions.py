"""``common.sessions``: signed-cookie sessions with an id that ending the session revokes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from django.contrib.sessions.backends.signed_cookies import SessionStore as PlainSignedStore
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import OperationalError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from common import sessions
from common.sessions import SID, SessionStore

pytestmark = pytest.mark.django_db


def saved(**data) -> str:
    """A session with ``data``, as its cookie value."""
    store = SessionStore()
    store.update(data)
    store.save()
    return store.session_key


def loaded(cookie: str) -> dict:
    return dict(SessionStore(cookie).items())


class CountingCache:
    """The cache, counting what the session store asks of it."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __getattr__(self, name):
        attr = getattr(cache, name)
        if callable(attr):

            def counted(*args, **kwargs):
                self.calls.append(name)
                return attr(*args, **kwargs)

            return counted
        return attr


def test_every_saved_session_gets_an_id():
    cookie = saved(demo_owner="k1")

    data = loaded(cookie)

    assert data["demo_owner"] == "k1"
    assert isinstance(data[SID], str) and len(data[SID]) >= 20
    assert loaded(saved(demo_owner="k2"))[SID] != data[SID]


def test_an_empty_session_gets_no_id():
    store = SessionStore()
    store.save()

    assert SID not in dict(SessionStore(store.session_key).items())


def test_loading_a_live_session_costs_one_cache_read_and_no_query(
    django_assert_num_queries, monkeypatch
):
    cookie = saved(demo_owner="k1")
    counting = CountingCache()
    monkeypatch.setattr(sessions, "cache", counting)

    with django_assert_num_queries(0):
        data = loaded(cookie)

    assert data["demo_owner"] == "k1"
    assert counting.calls == ["get"]


def test_flush_revokes_the_id_in_the_cache_and_the_database():
    cookie = saved(demo_owner="k1", other="x")
    sid = loaded(cookie)[SID]

    store = SessionStore(cookie)
    store.flush()

    assert loaded(cookie) == {}
    row = Session.objects.get(session_key="revoked:" + sid)
    age = (row.expire_date - timezone.now()).total_seconds()
    assert 30 * 24 * 3600 - 60 < age <= 30 * 24 * 3600
    cache.clear()
    assert loaded(cookie) == {}  # the database remembers


def test_after_a_cache_loss_a_live_session_costs_one_query_once(django_assert_num_queries):
    cookie = saved(demo_owner="k1")
    cache.clear()

    with django_assert_num_queries(1):
        assert loaded(cookie)["demo_owner"] == "k1"
    with django_assert_num_queries(0):
        assert loaded(cookie)["demo_owner"] == "k1"


def test_cycle_key_keeps_the_data_under_a_new_id_and_revokes_the_old():
    cookie = saved(demo_owner="k1")
    old_sid = loaded(cookie)[SID]

    store = SessionStore(cookie)
    store.cycle_key()
    new_cookie = store.session_key

    assert loaded(cookie) == {}
    new = loaded(new_cookie)
    assert new["demo_owner"] == "k1"
    assert new[SID] != old_sid


def test_a_revoked_session_is_emptied_and_its_cookie_deleted(client):
    cookie = saved(demo_owner="k1")
    SessionStore(cookie).flush()
    client.cookies["sessionid"] = cookie

    response = client.get(reverse("journal"))

    assert response.cookies["sessionid"].value == ""
    assert response.cookies["sessionid"]["max-age"] == 0


def test_an_outage_with_a_cold_cache_keeps_sessions(monkeypatch):
    cookie = saved(demo_owner="k1")
    cache.clear()

    def unreachable(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(Session.objects, "filter", unreachable)

    assert loaded(cookie)["demo_owner"] == "k1"
    assert cache.get(sessions._cache_key(loaded(cookie)[SID])) is None  # nothing assumed


def test_revoking_during_an_outage_still_revokes_in_the_cache(monkeypatch):
    cookie = saved(demo_owner="k1")

    def unreachable(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(Session.objects, "bulk_create", unreachable)
    SessionStore(cookie).flush()

    assert loaded(cookie) == {}


def test_a_cookie_from_before_session_ids_keeps_demo_data_but_signs_nobody_in(user):
    old = PlainSignedStore()
    old.update(
        {
            "demo_owner": "k1",
            "_auth_user_id": str(user.pk),
            "_auth_user_backend": "common.authentication.ResilientModelBackend",
            "_auth_user_hash": user.get_session_auth_hash(),
        }
    )
    old.save()
    client = Client()
    client.cookies["sessionid"] = old.session_key

    response = client.get(reverse("journal"))

    assert not response.context["user"].is_authenticated
    reissued = response.cookies["sessionid"].value
    data = loaded(reissued)
    assert data["demo_owner"] == "k1"
    assert "_auth_user_id" not in data
    assert data[SID]


def test_a_forged_or_garbled_cookie_is_an_empty_session():
    assert loaded("x" * 40) == {}
    assert loaded(saved(demo_owner="k1") + "tampered") == {}


def test_clearsessions_removes_only_expired_revocations():
    Session.objects.create(
        session_key="revoked:old", session_data="revoked", expire_date=timezone.now() - timedelta(1)
    )
    Session.objects.create(
        session_key="revoked:new", session_data="revoked", expire_date=timezone.now() + timedelta(1)
    )

    SessionStore.clear_expired()

    assert list(Session.objects.values_list("session_key", flat=True)) == ["revoked:new"]


def test_the_async_api_revokes_too():
    cookie = saved(demo_owner="k1")

    async def end() -> None:
        store = SessionStore(cookie)
        assert (await store.aget("demo_owner")) == "k1"
        await store.aflush()

    async_to_sync(end)()

    assert loaded(cookie) == {}


def test_logout_through_the_page_revokes(client, user):
    client.force_login(user)
    cookie = client.cookies["sessionid"].value

    client.post(reverse("logout"))

    assert loaded(cookie) == {}
    replayed = Client()
    replayed.cookies["sessionid"] = cookie
    assert not replayed.get(reverse("journal")).context["user"].is_authenticated
