"""``client_address`` (the one answer to "which address?") and the per-address quota."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from common.clients import AddressQuota, client_address, minutes_text, parse_rate


def request_from(remote: str | None = "192.0.2.1", xff: str | None = None):
    meta = {}
    if xff is not None:
        meta["HTTP_X_FORWARDED_FOR"] = xff
    request = RequestFactory().get("/", **meta)
    if remote is None:
        del request.META["REMOTE_ADDR"]
    else:
        request.META["REMOTE_ADDR"] = remote
    return request


@pytest.mark.parametrize("xff", [None, "203.0.113.9", "203.0.113.9, 198.51.100.1", "garbage"])
def test_without_a_trusted_proxy_the_socket_address_is_the_client(settings, xff):
    settings.NUM_PROXIES = 0

    assert client_address(request_from(xff=xff)) == "192.0.2.1"


@pytest.mark.parametrize(
    "proxies, xff, expected",
    [
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "10.0.0.1, 203.0.113.9", "203.0.113.9"),
        (1, " 10.0.0.1 ,203.0.113.9 ", "203.0.113.9"),
        (2, "10.0.0.1, 203.0.113.9, 198.51.100.7", "203.0.113.9"),
        (3, "203.0.113.9", "203.0.113.9"),  # fewer hops than proxies: DRF's rule
        (1, "2001:DB8::1", "2001:db8::1"),
        (1, None, "192.0.2.1"),  # no header: the socket
        (1, "", "192.0.2.1"),
        (1, "not-an-address", "192.0.2.1"),
        (1, "10.0.0.1, 203.0.113.9:4711", "192.0.2.1"),
    ],
)
def test_behind_trusted_proxies_the_nth_hop_from_the_right(settings, proxies, xff, expected):
    settings.NUM_PROXIES = proxies

    assert client_address(request_from(xff=xff)) == expected


@pytest.mark.parametrize("proxies", [0, 1, 2])
@pytest.mark.parametrize(
    "xff", [None, "203.0.113.9", "10.0.0.1, 203.0.113.9", "10.0.0.1, 203.0.113.9, 198.51.100.7"]
)
def test_drf_throttles_see_the_same_client(settings, proxies, xff):
    settings.NUM_PROXIES = proxies
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": proxies}
    request = request_from(xff=xff)

    assert SimpleRateThrottle.get_ident(None, Request(request)) == client_address(request)


def test_an_unknown_address_is_none(settings):
    assert client_address(request_from(remote=None)) is None
    assert client_address(request_from(remote="")) is None


def test_the_settings_default_ignores_x_forwarded_for():
    from django.conf import settings

    assert settings.NUM_PROXIES == 0
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == 0


@pytest.mark.parametrize(
    "rate, parsed", [("5/hour", (5, 3600)), ("3/m", (3, 60)), ("10/day", (10, 86400))]
)
def test_rates_read_as_drf_reads_them(rate, parsed):
    assert parse_rate(rate) == parsed


@pytest.mark.parametrize(
    "seconds, text", [(1, "1 minute"), (60, "1 minute"), (61, "2 minutes"), (900, "15 minutes")]
)
def test_minutes_text(seconds, text):
    assert minutes_text(seconds) == text


def test_a_quota_counts_only_what_was_taken_and_kept(settings):
    settings.SIGNUP_RATE = "2/hour"
    quota = AddressQuota("test", setting="SIGNUP_RATE")
    alice, bob = request_from("192.0.2.1"), request_from("192.0.2.2")

    assert quota.take(alice) == 0
    assert quota.take(alice) == 0
    wait = quota.take(alice)
    assert 3590 < wait <= 3600
    assert quota.take(bob) == 0  # per address
    quota.give_back(alice)  # the second attempt failed after all
    assert quota.take(alice) == 0
    assert quota.take(alice) > 0
