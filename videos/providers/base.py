"""The contract every video provider honours: submit, status, cancel.

Providers are thin wrappers around one external (or local) generator. They
return frozen dataclasses and raise :class:`ProviderError`; they never sleep
and never retry by themselves: retry policy lives in ``videos.services``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol


class TaskState(StrEnum):
    PENDING = "pending"  # accepted, waiting (RunwayML: PENDING or THROTTLED)
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True, kw_only=True)
class GenerationRequest:
    prompt: str
    duration: int  # seconds, 2..10
    ratio: str  # pixel string, "1280:720"
    seed: int | None = None
    # Hints for the local demo renderer; real providers only read the prompt.
    emotions: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class SubmitResult:
    task_id: str


@dataclass(frozen=True, kw_only=True)
class TaskStatus:
    state: TaskState
    progress: float = 0.0  # 0..1
    # Exactly one of these is set when state is SUCCEEDED: a remote URL to
    # download (expires!) or a local file the provider rendered.
    output_url: str | None = None
    output_file: Path | None = None
    error_code: str | None = None
    error_message: str | None = None


class ProviderError(Exception):
    """A provider call failed.

    ``retryable`` errors (rate limits, 5xx, network) may be tried again later;
    ``retry_after`` is the provider's own hint in seconds, when it gave one.
    ``code`` is one of our own error codes (see ``videos.errors``), never the
    provider's raw text, so it can be shown to users and counted in stats.
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


class VideoProvider(Protocol):
    name: str

    def submit(self, request: GenerationRequest, *, idempotency_key: str) -> SubmitResult: ...

    def status(self, task_id: str) -> TaskStatus: ...

    def cancel(self, task_id: str) -> None: ...


def backoff_delay(attempt: int, *, base: float = 2.0, cap: float = 300.0) -> float:
    """Exponential backoff with jitter: a random delay in [base/2, min(cap, base * 2**attempt)]."""
    ceiling = min(cap, base * (2 ** max(0, attempt)))
    return random.uniform(min(base / 2, ceiling), ceiling)
