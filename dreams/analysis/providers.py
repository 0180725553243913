"""The contract every dream analyst honours, and which analyst runs (``ANALYSIS_PROVIDER``).

An analyst reads a dream's title and text and returns a :class:`DreamAnalysis`, a frozen
dataclass, or raises :class:`AnalysisError`. Like the video providers
(``videos.providers.base``) analysts never sleep and never retry by themselves: the
background task (``dreams.tasks``) decides what a ``retryable`` error means.

* ``local`` (:class:`LocalAnalyst`): ``analyse_dream``, offline, in-process, never fails.
  It runs in the request for every new dream, whatever the setting.
* ``openai`` (:class:`dreams.analysis.llm.OpenAIAnalyst`): any OpenAI-compatible
  chat-completions API (OpenAI, Ollama, vLLM, LM Studio), asked in the background; its
  answer replaces the local reading, which stays when it fails.

A :class:`DreamAnalysis` field left ``None`` means "this analyst did not say": the stored
analysis then keeps that field from the local reading (:meth:`DreamAnalysis.over`).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar

from django.conf import settings

from common.exceptions import ProviderFailure
from dreams.analysis import analyse_dream

__all__ = [
    "PROVIDERS",
    "AnalysisError",
    "AnalysisProvider",
    "DreamAnalysis",
    "LocalAnalyst",
    "Symbol",
    "analysis_provider_name",
    "get_analysis_provider",
    "llm_analysis_enabled",
]

#: The values ``ANALYSIS_PROVIDER`` may take.
PROVIDERS = ("local", "openai")

# Error codes an analyst raises (``AnalysisError.code``).
RATE_LIMITED = "rate_limited"  # 429: try again later
UNAVAILABLE = "unavailable"  # 5xx, connection failed: try again later
TIMED_OUT = "timed_out"  # no (complete) answer in time: try again later
REFUSED = "refused"  # the model declined (content filter, refusal): never retried
INVALID_RESPONSE = "invalid_response"  # not JSON, or not the schema: never retried
TOO_LARGE = "too_large"  # the answer is over the size cap: never retried
AUTH_FAILED = "auth_failed"  # 401/403: the operator's key or model access is wrong
INVALID_REQUEST = "invalid_request"  # 400/404/422: the request can never succeed as sent
FAILED = "failed"  # anything else


class AnalysisError(ProviderFailure):
    """An analyst could not analyse the dream.

    ``code`` is one of this module's codes; ``message`` is our own plain words, safe to
    log: it never holds the API key or the dream (``common.exceptions.ProviderFailure``).
    """

    def __init__(self, code: str, message: str, retryable: bool = False, **details) -> None:
        super().__init__(code, message, retryable=retryable, **details)


@dataclass(frozen=True, kw_only=True)
class Symbol:
    """A thing, place or figure of the dream (``"glass lighthouse"``) and its family."""

    name: str
    family: str

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "family": self.family}


@dataclass(frozen=True, kw_only=True)
class DreamAnalysis:
    """One analyst's reading of a dream. ``None``: the analyst did not say.

    ``valence`` is -1 (dark) .. 1 (bright), ``arousal`` 0 (calm) .. 1 (intense);
    ``reflection`` is a short text for the dreamer (shown to the owner only);
    ``video_prompt`` a cinematic text-to-video prompt. ``source`` names the analyst.
    """

    emotions: tuple[str, ...] | None = None
    keywords: tuple[str, ...] | None = None
    mood: str | None = None
    valence: float | None = None
    arousal: float | None = None
    symbols: tuple[Symbol, ...] | None = None
    reflection: str | None = None
    video_prompt: str | None = None
    source: str = "local"

    def as_dict(self) -> dict[str, Any]:
        """The fields this analyst set, as stored in a dream's ``analysis`` (JSON)."""
        out: dict[str, Any] = {}
        for name in ("emotions", "keywords"):
            value = getattr(self, name)
            if value is not None:
                out[name] = list(value)
        for name in ("mood", "valence", "arousal", "reflection", "video_prompt"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.symbols is not None:
            out["symbols"] = [symbol.as_dict() for symbol in self.symbols]
        out["source"] = self.source
        return out

    def over(self, base: Mapping[str, Any]) -> dict[str, Any]:
        """``base`` (the local reading) with every field this analysis set replaced."""
        return {**base, **self.as_dict()}

    @classmethod
    def from_local(cls, data: Mapping[str, Any]) -> DreamAnalysis:
        """Read ``analyse_dream``'s dict: our own code, so lenient (odd values are skipped)."""

        def strings(value: Any) -> tuple[str, ...] | None:
            if not isinstance(value, list | tuple):
                return None
            return tuple(item for item in value if isinstance(item, str))

        def number(value: Any, low: float, high: float) -> float | None:
            if isinstance(value, bool) or not isinstance(value, int | float):
                return None
            if not math.isfinite(value):
                return None
            return float(min(max(value, low), high))

        symbols = data.get("symbols")
        mood = data.get("mood")
        return cls(
            emotions=strings(data.get("emotions")),
            keywords=strings(data.get("keywords")),
            mood=mood if isinstance(mood, str) else None,
            valence=number(data.get("valence"), -1.0, 1.0),
            arousal=number(data.get("arousal"), 0.0, 1.0),
            symbols=(
                tuple(
                    Symbol(name=item["name"], family=item.get("family") or "")
                    for item in symbols
                    if isinstance(item, Mapping)
                    and isinstance(item.get("name"), str)
                    and isinstance(item.get("family", ""), str)
                )
                if isinstance(symbols, list | tuple)
                else None
            ),
            source="local",
        )


class AnalysisProvider(ABC):
    """One analyst behind the contract: :meth:`analyse` a dream, or raise ``AnalysisError``."""

    #: Which analyst this is (an ``ANALYSIS_PROVIDER`` value).
    name: ClassVar[str]
    #: True when the analyst calls out over the network: it runs in a background task,
    #: never in a request.
    remote: ClassVar[bool] = False

    @abstractmethod
    def analyse(self, title: str, content: str) -> DreamAnalysis:
        """Read the dream.

        Raises:
            AnalysisError: the dream could not be analysed (see ``retryable``).
        """


class LocalAnalyst(AnalysisProvider):
    """The offline analyzer (``dreams.analysis.analyse_dream``); it never raises."""

    name: ClassVar[str] = "local"

    def analyse(self, title: str, content: str) -> DreamAnalysis:
        return DreamAnalysis.from_local(analyse_dream(title=title, content=content))


def analysis_provider_name() -> str:
    """``local`` or ``openai``, from ``ANALYSIS_PROVIDER`` (case and spaces ignored).

    Raises:
        ValueError: ANALYSIS_PROVIDER is neither.
    """
    choice = str(settings.ANALYSIS_PROVIDER or "local").strip().lower()
    if choice not in PROVIDERS:
        raise ValueError(f"ANALYSIS_PROVIDER must be one of {', '.join(PROVIDERS)}, not {choice!r}")
    return choice


def llm_analysis_enabled() -> bool:
    """True when new and edited dreams are also read by the LLM analyst, in the background."""
    return analysis_provider_name() != "local"


def get_analysis_provider() -> AnalysisProvider:
    """The analyst ``ANALYSIS_PROVIDER`` names, configured from the ``ANALYSIS_*`` settings.

    The same settings give the same instance, so connections are pooled per process.

    Raises:
        ValueError: the settings are unusable (an unknown provider, a base URL that is
            not http(s), a key that cannot go in a header, a non-positive limit).
    """
    if analysis_provider_name() == "local":
        return _local()
    return _openai(
        str(settings.ANALYSIS_BASE_URL),
        str(settings.ANALYSIS_MODEL),
        str(settings.ANALYSIS_API_KEY or ""),
        float(settings.ANALYSIS_TIMEOUT_SECONDS),
        int(settings.ANALYSIS_MAX_INPUT_CHARS),
        int(settings.ANALYSIS_MAX_RESPONSE_BYTES),
    )


@cache
def _local() -> AnalysisProvider:
    return LocalAnalyst()


@cache
def _openai(
    base_url: str,
    model: str,
    api_key: str,
    timeout: float,
    max_input_chars: int,
    max_response_bytes: int,
) -> AnalysisProvider:
    # Loaded on first use: only the LLM analyst needs requests.
    from dreams.analysis.llm import OpenAIAnalyst

    return OpenAIAnalyst(
        base_url,
        model,
        api_key,
        timeout=timeout,
        max_input_chars=max_input_chars,
        max_response_bytes=max_response_bytes,
    )
