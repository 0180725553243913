"""The contract every video provider honours: submit, status, cancel, and its own policy.

Providers are thin wrappers around one external (or local) generator. They
return frozen dataclasses and raise :class:`ProviderError`; they never sleep
and never retry by themselves: retry policy lives in the job state machine,
``videos.jobs``. What differs between providers (how long to wait before
polling, whether a cancelled job must also cancel a remote task, what to free
once the output is stored, who takes over when the provider is unreachable) is
declared by the provider itself on :class:`VideoProvider`, so the job state
machine never asks which provider it is talking to.
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import ClassVar

from common.exceptions import ProviderFailure
from videos.sources import VideoSource

__all__ = [
    "GenerationRequest",
    "ProviderError",
    "SubmitResult",
    "TaskState",
    "TaskStatus",
    "VideoProvider",
    "backoff_delay",
]


class TaskState(StrEnum):
    PENDING = "pending"  # accepted, waiting (RunwayML: PENDING or THROTTLED)
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True, kw_only=True)
class GenerationRequest:
    """What to generate. Providers validate it themselves and raise ``invalid_input``."""

    prompt: str  # as the user or the prompt builder wrote it; the style is added on top
    duration: int  # seconds, one the model accepts (videos.catalog)
    ratio: str  # pixel string "W:H", one the model accepts (videos.catalog)
    seed: int | None = None  # 0..videos.catalog.MAX_SEED; None lets the provider choose
    model: str = ""  # a videos.catalog model id; "" lets the provider use its configured one
    style: str = ""  # a videos.catalog style preset id; "" or "none": no preset
    # Hints for renderers; real providers only read the prompt.
    emotions: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    title: str = ""
    symbols: tuple[str, ...] = ()  # the dream's things and places ("glass lighthouse")
    mood: str = ""  # the word users see ("uneasy", "serene"); renderers pick palette and pace
    # Sound: the model's audio flag where it has one (Veo); the demo renderer's ambient track.
    audio: bool = True


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


class ProviderError(ProviderFailure):
    """A video provider call failed; ``code`` is one of ``videos.errors``, shown to users
    and counted in stats (see ``common.exceptions.ProviderFailure`` for the rest)."""


class VideoProvider(ABC):
    """One video generator behind the contract the job state machine drives.

    ``submit`` starts a task, ``status`` reports on it (and, once SUCCEEDED, where the
    output is), ``cancel`` stops it. The other members are the provider's own policy:
    every provider states its :meth:`poll_delay`; ``remote``, :meth:`cleanup` and
    :meth:`fallback_for` default to a local provider's answers.
    """

    #: Which provider this is; also the ``source`` of the video assets it produces.
    name: ClassVar[VideoSource]
    #: True when tasks run elsewhere: a cancelled job must also cancel the provider's task.
    remote: ClassVar[bool] = False

    @abstractmethod
    def submit(self, request: GenerationRequest, *, idempotency_key: str) -> SubmitResult:
        """Start generating ``request``; return the provider's task id.

        ``idempotency_key`` identifies the attempt on our side (one per job).

        Raises:
            ProviderError: the task could not be started.
        """

    @abstractmethod
    def status(self, task_id: str) -> TaskStatus:
        """Report on ``task_id``; a SUCCEEDED status says where the output is.

        Raises:
            ProviderError: the provider could not be asked, or its answer is unusable.
        """

    @abstractmethod
    def cancel(self, task_id: str) -> None:
        """Stop ``task_id`` (or delete its output); a task that is already gone is no error.

        Raises:
            ProviderError: the provider could not be asked.
        """

    def cleanup(self, task_id: str) -> None:
        """Called once our copy of the output is stored; default: nothing to free."""
        return None

    @abstractmethod
    def poll_delay(self) -> float:
        """Seconds to wait before asking ``status()`` after submit or an unfinished status.

        0 means the output is ready at once: collect it in the same step.
        """

    def fallback_for(self, error: ProviderError) -> VideoSource | None:
        """The provider that should take over a job whose submit raised ``error``, or None.

        Default: None, the error stands.
        """
        return None


def backoff_delay(attempt: int, *, base: float = 2.0, cap: float = 300.0) -> float:
    """Exponential backoff with jitter: a random delay in [base/2, min(cap, base * 2**attempt)]."""
    ceiling = min(cap, base * (2 ** max(0, attempt)))
    return random.uniform(min(base / 2, ceiling), ceiling)
