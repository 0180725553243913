"""Which video provider runs a job: chosen by settings, built once per process."""

from __future__ import annotations

from functools import cache

from django.conf import settings

from videos.providers.base import VideoProvider


def default_provider_name() -> str:
    """``runway`` or ``demo``: VIDEO_PROVIDER, where ``auto`` means runway when a key is set."""
    choice = settings.VIDEO_PROVIDER
    if choice == "auto":
        return "runway" if settings.RUNWAYML_API_SECRET else "demo"
    if choice not in {"runway", "demo"}:
        raise ValueError(f"VIDEO_PROVIDER must be auto, runway or demo, not {choice!r}")
    return choice


@cache
def _build(name: str, secret: str, base_url: str, model: str) -> VideoProvider:
    if name == "runway":
        from videos.providers.runway import RunwayProvider

        return RunwayProvider(api_secret=secret, base_url=base_url, model=model)
    if name == "demo":
        from videos.providers.demo import DemoProvider

        return DemoProvider(
            workdir=settings.VIDEO_DEMO_WORKDIR, max_width=settings.VIDEO_DEMO_MAX_WIDTH
        )
    raise ValueError(f"Unknown video provider {name!r}")


def get_provider(name: str) -> VideoProvider:
    # Settings are part of the key so tests that override them get a fresh provider.
    return _build(
        name, settings.RUNWAYML_API_SECRET, settings.RUNWAYML_BASE_URL, settings.RUNWAYML_MODEL
    )
