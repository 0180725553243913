"""Domain errors the API maps to HTTP answers without knowing the app that raised them."""

from __future__ import annotations


class LimitExceeded(Exception):
    """A per-owner limit was reached (too much in flight); the API answers 429 with the message."""


class ServiceBusy(Exception):
    """A shared resource is full for now; the API answers 503 with ``Retry-After``."""

    retry_after_seconds = 30
