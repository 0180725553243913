"""Budgets for writes that cost us something: per client, and one pool for all anonymous callers.

A client is an account, else its socket address (DRF's ``NUM_PROXIES`` says how many
trusted proxies to look past; 0 means ``X-Forwarded-For`` is ignored). Anonymous
callers also share one budget per scope: a new demo session (or address) costs an
attacker nothing, money spent on their videos costs us. Rates live in
``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` as ``<scope>`` and ``anon_<scope>``.
"""

from __future__ import annotations

from rest_framework.throttling import BaseThrottle, ScopedRateThrottle


class ClientRateThrottle(ScopedRateThrottle):
    """The view's ``throttle_scope`` budget, per account or per client address."""


class AnonymousPoolThrottle(ScopedRateThrottle):
    """One ``anon_<scope>`` budget shared by every anonymous caller; accounts pass."""

    def allow_request(self, request, view) -> bool:
        if request.user is not None and request.user.is_authenticated:
            return True
        scope = getattr(view, self.scope_attr, None)
        if not scope:
            return True
        view_scope = f"anon_{scope}"
        if view_scope not in self.THROTTLE_RATES:
            return True
        self.scope = view_scope
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super(ScopedRateThrottle, self).allow_request(request, view)

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": "all"}


class CostlyWriteThrottle(BaseThrottle):
    """The client's budget first, then the anonymous pool, in that order.

    One class rather than two in ``throttle_classes``: DRF asks every throttle even after
    one refused, so a client over its own limit would keep spending everyone's pool.
    """

    def __init__(self) -> None:
        self._throttles = (ClientRateThrottle(), AnonymousPoolThrottle())
        self._refused_by: BaseThrottle | None = None

    def allow_request(self, request, view) -> bool:
        for throttle in self._throttles:
            if not throttle.allow_request(request, view):
                self._refused_by = throttle
                return False
        return True

    def wait(self) -> float | None:
        return self._refused_by.wait() if self._refused_by is not None else None


#: What a costly write uses: its client's budget, then the anonymous pool.
WRITE_THROTTLES = (CostlyWriteThrottle,)
