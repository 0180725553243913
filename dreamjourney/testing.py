"""Helpers for tests that drive real processes: poll with a deadline, never a bare sleep."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_for[T](predicate: Callable[[], T], *, timeout: float = 60.0, interval: float = 0.1) -> T:
    """Return ``predicate()``'s first truthy value; AssertionError when the deadline passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")
