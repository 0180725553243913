"""Throttles hold against forged headers and throwaway identities.

Real HTTP to the live server: every anonymous request comes from a fresh, cookieless
client (a new demo session each time) with a forged ``X-Forwarded-For``; "other machines"
connect from other loopback addresses (127.0.0.2, 127.0.0.3, ...), which the server sees
as different ``REMOTE_ADDR``s. Rates are made small by patching the throttle classes'
rates, as ``tests/dreamjourney/test_security.py`` does. ``X-Forwarded-For`` is only believed
for ``REST_FRAMEWORK["NUM_PROXIES"]`` trusted proxies (default 0: never).
"""

from __future__ import annotations

import itertools

import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from rest_framework.throttling import ScopedRateThrottle

from dreams.models import DemoDream
from tests.hostile.fixtures_hostile import RawClient, Response

pytestmark = pytest.mark.django_db(transaction=True)

# (scope, path, body, success status)
WRITES = {
    "dream_write": ("/api/dreams", {"title": "Throttled?", "content": "Many dreams."}, 201),
    "video_generation": ("/api/ai/generate-video", {"prompt": "a calm sea"}, 202),
}
_forged = (f"203.0.113.{i % 250 + 1}, 198.51.100.{i % 250 + 1}" for i in itertools.count())


@pytest.fixture
def rates(monkeypatch, settings):
    settings.VIDEO_MAX_JOBS_IN_FLIGHT = 1000  # only the throttles are under test

    def set_rates(**scopes: str) -> None:
        table = {
            "dream_write": "1000/hour",
            "anon_dream_write": "1000/hour",
            "video_generation": "1000/hour",
            "anon_video_generation": "1000/hour",
            "video_store": "1000/hour",
            "anon_video_store": "1000/hour",
            "auth": "1000/hour",
            **scopes,
        }
        monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", table)

    return set_rates


def _anonymous(live_server, scope: str, *, source: str = "127.0.0.1", forge=True) -> Response:
    """One write from a brand-new cookieless client, behind a forged X-Forwarded-For."""
    path, body, _ = WRITES[scope]
    client = RawClient(live_server.url, source=source, csrf=False)
    headers = {"X-Forwarded-For": next(_forged)} if forge else {}
    return client.post(path, json=body, headers=headers)


def _assert_throttled(response: Response) -> None:
    assert response.status == 429, (response.status, response.text)
    body = response.json()
    assert set(body) == {"detail"} and "throttled" in body["detail"].lower()
    assert int(response.headers["retry-after"]) > 0


def test_a_rotating_forged_x_forwarded_for_does_not_lift_the_client_limit(live_server, rates):
    rates(dream_write="3/hour", video_generation="3/hour")

    for scope, (_, _, ok) in WRITES.items():
        responses = [_anonymous(live_server, scope) for _ in range(5)]

        assert [r.status for r in responses[:3]] == [ok] * 3, scope
        for refused in responses[3:]:
            _assert_throttled(refused)


def test_behind_a_trusted_proxy_a_forged_left_part_does_not_help(live_server, rates, settings):
    # NUM_PROXIES = 1: the proxy appends the address it saw; what the client wrote before
    # it is ignored, however it rotates.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    rates(dream_write="3/hour")
    path, body, ok = WRITES["dream_write"]

    responses = [
        RawClient(live_server.url, csrf=False).post(
            path, json=body, headers={"X-Forwarded-For": f"{next(_forged)}, 192.0.2.50"}
        )
        for _ in range(5)
    ]

    assert [r.status for r in responses[:3]] == [ok] * 3
    for refused in responses[3:]:
        _assert_throttled(refused)


def test_a_signed_in_client_is_limited_whatever_address_it_claims(live_server, rates):
    rates(dream_write="3/hour", video_generation="3/hour")
    user = get_user_model().objects.create_user("busy", password="pw-busy-123")
    client = RawClient(live_server.url, token=Token.objects.create(user=user).key, csrf=False)

    for scope, (path, body, ok) in WRITES.items():
        statuses = []
        for source in ("127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"):
            client.source = source
            response = client.post(path, json=body, headers={"X-Forwarded-For": next(_forged)})
            statuses.append(response.status)

        assert statuses == [ok] * 3 + [429, 429], scope
        _assert_throttled(response)


def test_fresh_anonymous_clients_from_many_addresses_share_one_pool(live_server, rates):
    rates(anon_dream_write="4/hour", anon_video_generation="4/hour")

    for scope, (_, _, ok) in WRITES.items():
        # Six "machines", each a new demo session behind its own forged address.
        responses = [_anonymous(live_server, scope, source=f"127.0.0.{n}") for n in range(2, 8)]

        assert [r.status for r in responses[:4]] == [ok] * 4, scope
        for refused in responses[4:]:
            _assert_throttled(refused)
    assert DemoDream.objects.count() == 4


def test_a_signed_in_user_is_not_blocked_by_the_anonymous_pool(live_server, rates):
    rates(anon_dream_write="2/hour", anon_video_generation="2/hour")
    for scope in WRITES:
        for n in range(3):
            _anonymous(live_server, scope, source=f"127.0.0.{n + 2}")
        _assert_throttled(_anonymous(live_server, scope, source="127.0.0.9"))

    user = get_user_model().objects.create_user("member", password="pw-member-1")
    member = RawClient(live_server.url, token=Token.objects.create(user=user).key, csrf=False)
    for scope, (path, body, ok) in WRITES.items():
        response = member.post(path, json=body)
        assert response.status == ok, (scope, response.status, response.text)


def test_requests_refused_by_the_client_limit_do_not_spend_the_anonymous_pool(live_server, rates):
    rates(dream_write="2/hour", anon_dream_write="6/hour")
    hammering = [
        _anonymous(live_server, "dream_write", source="127.0.0.2", forge=False) for _ in range(8)
    ]
    assert [r.status for r in hammering] == [201, 201] + [429] * 6

    # Only two dreams were accepted from anyone: the pool of six still has room.
    newcomer = _anonymous(live_server, "dream_write", source="127.0.0.3", forge=False)

    assert newcomer.status == 201, newcomer.text
