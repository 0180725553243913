"""Which video provider runs a job: chosen by settings, built once per process."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.conf import settings

from videos.providers.base import VideoProvider
from videos.sources import GENERATORS, VideoSource

__all__ = ["default_provider_name", "get_provider", "provider_class"]


def default_provider_name() -> VideoSource:
    """``runway`` or ``demo``: VIDEO_PROVIDER, where ``auto`` means runway when a key is set.

    Raises:
        ValueError: VIDEO_PROVIDER is none of auto, runway, demo.
    """
    choice = settings.VIDEO_PROVIDER
    if choice == "auto":
        return VideoSource.RUNWAY if settings.RUNWAYML_API_SECRET else VideoSource.DEMO
    if choice not in GENERATORS:
        raise ValueError(f"VIDEO_PROVIDER must be auto, runway or demo, not {choice!r}")
    return VideoSource(choice)


def provider_class(name: str) -> type[VideoProvider] | None:
    """The class of provider ``name`` (its policy, unbuilt); ``None`` for a non-provider."""
    # Each provider module loads on first use: the demo needs numpy, RunwayML requests.
    if name == VideoSource.RUNWAY:
        from videos.providers.runway import RunwayProvider

        return RunwayProvider
    if name == VideoSource.DEMO:
        from videos.providers.demo import DemoProvider

        return DemoProvider
    return None


def get_provider(name: str) -> VideoProvider:
    """The provider called ``name`` (a :class:`VideoSource` value), configured from settings.

    The same settings give the same instance, so connections are pooled per process.

    Raises:
        ValueError: ``name`` is not a provider, or its settings are unusable (for example
            no RunwayML key).
    """
    # Settings are part of the key so tests that override them get a fresh provider.
    if name == VideoSource.RUNWAY:
        return _runway(
            settings.RUNWAYML_API_SECRET,
            settings.RUNWAYML_BASE_URL,
            settings.RUNWAYML_MODEL,
            float(settings.VIDEO_POLL_SECONDS),
            bool(settings.VIDEO_FALLBACK_TO_DEMO),
        )
    if name == VideoSource.DEMO:
        return _demo(Path(settings.VIDEO_DEMO_WORKDIR), int(settings.VIDEO_DEMO_MAX_WIDTH))
    raise ValueError(f"Unknown video provider {name!r}")


@cache
def _runway(
    secret: str, base_url: str, model: str, poll_seconds: float, fallback_to_demo: bool
) -> VideoProvider:
    from videos.providers.runway import RunwayProvider

    return RunwayProvider(
        api_secret=secret,
        base_url=base_url,
        model=model,
        poll_seconds=poll_seconds,
        fallback_to_demo=fallback_to_demo,
    )


@cache
def _demo(workdir: Path, max_width: int) -> VideoProvider:
    from videos.providers.demo import DemoProvider

    return DemoProvider(workdir=workdir, max_width=max_width)
