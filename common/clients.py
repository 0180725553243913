"""Who is on the other end of a request (its address), and how often an address may act.

``client_address`` is the one answer to "which address is this client?" for every
limit we keep by address: the sign-in lockouts (django-axes, via
``AXES_CLIENT_IP_CALLABLE``), the sign-up quota, and, with the same ``NUM_PROXIES``
setting, DRF's throttles. Behind no proxy (``NUM_PROXIES = 0``, the default) it is the
socket address and ``X-Forwarded-For`` is ignored entirely: anyone can write that header.
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from rest_framework import exceptions, status

from common.redis_cache import CacheUnavailable

TOO_MANY_TEMPLATE = "registration/too_many_attempts.html"
#: What a quota answers while its counter is out of reach (the shared cache is down).
OUTAGE_RETRY_SECONDS = 30.0


def _valid_address(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address: the socket's, or the one our trusted proxies saw.

    With ``NUM_PROXIES = n > 0`` the client is the n-th address from the right of
    ``X-Forwarded-For`` (each trusted proxy appends the address it was called from), as
    DRF's throttles count it; the addresses to its left are whatever the client wrote.
    A value that is not an IP address falls back to the socket address. ``None`` when
    even that is unknown (a request made up in code).
    """
    meta = request.META
    proxies = int(getattr(settings, "NUM_PROXIES", 0) or 0)
    if proxies > 0:
        hops = meta.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if hops != [""]:
            forwarded = _valid_address(hops[-min(proxies, len(hops))])
            if forwarded:
                return forwarded
    return _valid_address(meta.get("REMOTE_ADDR"))


# --- Saying no ----------------------------------------------------------------------------


def minutes_text(seconds: float) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


class TooManyRequests(exceptions.APIException):
    """429 with ``Retry-After`` (DRF's handler sends ``wait`` as that header)."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = "Too many requests. Try again later."
    default_code = "too_many_requests"

    def __init__(self, detail: str, *, wait_seconds: float) -> None:
        super().__init__(detail)
        self.wait = max(1, math.ceil(wait_seconds))


def too_many_response(
    request: HttpRequest, *, title: str, message: str, wait_seconds: float
) -> HttpResponse:
    """A 429 for a page (our styled page) or for the API (``{"detail": …}``)."""
    wait = max(1, math.ceil(wait_seconds))
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": message}, status=429)
    else:
        context = {"title": title, "message": message}
        response = render(request, TOO_MANY_TEMPLATE, context, status=429)
    response["Retry-After"] = str(wait)
    return response


# --- A quota per address ------------------------------------------------------------------

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """``"5/hour"`` → ``(5, 3600)``, as DRF reads its throttle rates."""
    count, period = rate.split("/")
    return int(count), _PERIODS[period.strip()[0]]


def counted_within(key: str, rate: str) -> bool:
    """Count one event under ``key``: is it within ``rate`` (``"20/hour"``) in the window
    the key's first event opened? Counted atomically in the cache, shared between
    processes with Redis; ``False`` while the cache is unreachable (nothing counts, so
    nothing is allowed)."""
    limit, period = parse_rate(rate)
    cache.add(key, 0, period)
    try:
        count = cache.incr(key)
    except ValueError:  # the window ended between add and incr
        cache.set(key, 1, period)
        count = 1
    except CacheUnavailable:
        return False
    return count <= limit


class AddressQuota:
    """At most N events per client address per period (the rate in setting ``setting``).

    Counted in the cache (shared between processes when ``CACHE_URL`` points at Redis)
    with an atomic increment, so concurrent requests cannot all slip under the limit.
    A window opens with an address's first event and lasts one period. Only events
    that happened count: ``take`` a slot before acting, ``give_back`` if the action
    failed.
    """

    def __init__(self, scope: str, *, setting: str) -> None:
        self.scope = scope
        self.setting = setting

    def _key(self, request: HttpRequest) -> str:
        address = client_address(request) or "unknown"
        return f"quota:{self.scope}:" + hashlib.sha256(address.encode()).hexdigest()

    def take(self, request: HttpRequest) -> float:
        """Take a slot: 0 when taken, else the seconds until the window reopens."""
        limit, period = parse_rate(getattr(settings, self.setting))
        key = self._key(request)
        now = time.time()
        cache.add(f"{key}:start", now, period)
        cache.add(key, 0, period)
        try:
            count = cache.incr(key)
        except ValueError:  # the window ended between add and incr
            cache.set(key, 1, period)
            count = 1
        except CacheUnavailable:  # nothing counts: refuse rather than let everyone in
            return OUTAGE_RETRY_SECONDS
        if count <= limit:
            return 0
        self._decrement(key)  # a refusal is not an event
        start = cache.get(f"{key}:start") or now
        return max(1.0, start + period - now)

    def give_back(self, request: HttpRequest) -> None:
        self._decrement(self._key(request))

    @staticmethod
    def _decrement(key: str) -> None:
        # The window ended, or the cache is down: nothing to give back.
        with contextlib.suppress(ValueError, CacheUnavailable):
            cache.decr(key)
