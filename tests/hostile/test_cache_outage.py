"""Redis, the shared cache, goes away: requests go on from the database, quotas refuse.

A real Redis behind a real TCP proxy that the test cuts (connection refused).
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token

from common import redis_cache
from common.clients import counted_within
from common.redis_cache import CacheUnavailable
from tests.support.factories import UserFactory
from tests.support.tcp_proxy import TcpProxy

REDIS_DB = 14


@pytest.fixture
def redis_proxy(settings):
    proxy = TcpProxy(("127.0.0.1", 6379)).start()
    settings.CACHES = {
        "default": {
            "BACKEND": "common.redis_cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{proxy.port}/{REDIS_DB}",
            "KEY_PREFIX": "outage-test",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    redis_cache._down_until.clear()
    yield proxy
    if proxy._listener is None:
        proxy.restore()
    redis_cache._down_until.clear()
    cache.clear()
    proxy.cut()
    redis_cache._down_until.clear()


def test_reads_miss_and_writes_drop_while_redis_is_down(redis_proxy):
    # Given a value in the cache
    cache.set("kept", "yes", 60)
    assert cache.get("kept") == "yes"

    # When Redis stops answering
    redis_proxy.cut()

    # Then reads are misses and writes are dropped, never an exception
    assert cache.get("kept", "default") == "default"
    assert cache.get_many(["kept"]) == {}
    assert cache.add("new", 1, 60) is False
    cache.set("new", 1, 60)
    cache.set_many({"a": 1, "b": 2}, 60)
    cache.delete("kept")
    # And a counter cannot be trusted: it says so
    with pytest.raises(CacheUnavailable):
        cache.incr("counter")


def test_the_cache_is_used_again_once_redis_is_back(redis_proxy, monkeypatch):
    monkeypatch.setattr(redis_cache, "OUTAGE_PAUSE_SECONDS", 0.0)
    redis_proxy.cut()
    assert cache.get("x") is None

    # When Redis answers again (and the pause is over)
    redis_proxy.restore()
    cache.set("x", "back", 60)

    # Then the cache works as before
    assert cache.get("x") == "back"


def test_a_missing_counter_still_raises_value_error_as_django_promises(redis_proxy):
    with pytest.raises(ValueError):
        cache.incr("never-set")


@pytest.mark.django_db
def test_signed_in_callers_keep_working_while_redis_is_down(redis_proxy, client):
    # Given a signed-in API caller (their token lookup is remembered in the cache)
    user = UserFactory()
    token = Token.objects.create(user=user)
    headers = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    assert client.get("/api/dreams", **headers).status_code == 200

    # When Redis goes away
    redis_proxy.cut()

    # Then they still read and write their journal (no 500)
    assert client.get("/api/dreams", **headers).status_code == 200
    created = client.post(
        "/api/dreams",
        {"title": "Outage", "content": "The cache was down and I still wrote this."},
        content_type="application/json",
        **headers,
    )
    assert created.status_code == 201
    # And the public gallery is read from the database
    assert client.get("/api/dreams/public/gallery").status_code == 200


@pytest.mark.django_db
def test_sign_ups_pause_rather_than_go_uncounted_while_redis_is_down(redis_proxy, client):
    # When Redis is down, nobody's sign-ups can be counted
    redis_proxy.cut()
    response = client.post(
        "/api/auth/register",
        {"username": "during-outage", "password": "a-long-enough-passphrase-7"},
        content_type="application/json",
    )

    # Then the sign-up is refused for now with a time to come back, not let through
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_mail_quotas_send_nothing_rather_than_go_uncounted(redis_proxy):
    # Given a per-recipient mail budget counted in Redis
    assert counted_within("quota:test-mail", "2/hour") is True

    # When Redis goes away, no mail is counted as allowed (and nothing raises)
    redis_proxy.cut()
    assert counted_within("quota:test-mail", "2/hour") is False
