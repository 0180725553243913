"""Domain errors the API maps to HTTP answers without knowing the app that raised them."""

from __future__ import annotations


class LimitExceeded(Exception):
    """A per-owner limit was reached (too much in flight); the API answers 429 with the message."""


class ServiceBusy(Exception):
    """A shared resource is full for now; the API answers 503 with ``Retry-After``."""

    retry_after_seconds = 30


class ProviderFailure(Exception):
    """An outside service (a video generator, an LLM) failed, in our words.

    ``code`` is one of the caller's own error codes, never the service's raw text;
    ``retryable`` failures (rate limits, 5xx, timeouts, network) may be tried again later,
    ``retry_after`` is the service's own hint in seconds when it gave one, and
    ``status_code`` the HTTP status it answered (``None``: no answer at all).
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        retryable: bool = False,
        retry_after: float | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.retryable = retryable
        self.retry_after = retry_after
        self.status_code = status_code
