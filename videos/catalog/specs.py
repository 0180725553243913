"""The RunwayML text-to-video models we support, as RunwayML's SDK declares them.

Each model's ratios, durations and extras are copied from the official ``runwayml``
SDK's ``text_to_video_create_params`` types (checked by
``tests/videos/test_catalog_sdk.py``, which fails when the two disagree). Pure data:
no Django, so the demo renderer and the provider can import it anywhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: The largest seed RunwayML accepts (an unsigned 32-bit integer).
MAX_SEED = 4_294_967_295

#: What a request gets when it names no ratio or duration and its model has no other
#: preference; valid for every model below (a catalog test holds it to that).
DEFAULT_RATIO = "1280:720"
DEFAULT_DURATION_SECONDS = 4

#: The model a fresh install generates with (``RUNWAYML_MODEL``'s default).
DEFAULT_MODEL_ID = "gen4.5"


@dataclass(frozen=True, kw_only=True)
class VideoModel:
    """One text-to-video model: what it accepts and what we ask of it by default.

    ``ratios`` are RunwayML's pixel strings ("1280:720"); ``durations`` the whole
    seconds it accepts; ``audio`` whether it takes the optional ``audio`` flag (a sound
    track, which costs more), ``seed`` whether it takes ``seed``.
    """

    id: str
    label: str
    description: str
    ratios: tuple[str, ...]
    durations: tuple[int, ...]
    default_ratio: str
    default_duration: int
    audio: bool = False
    seed: bool = False
    default_audio: bool | None = None  # None: the model has no audio option

    def __post_init__(self) -> None:
        # A typo here would only show up as RunwayML refusing jobs: fail at import.
        if self.default_ratio not in self.ratios:
            raise ValueError(f"{self.id}: default ratio {self.default_ratio} not offered")
        if self.default_duration not in self.durations:
            raise ValueError(f"{self.id}: default duration {self.default_duration} not offered")
        if (self.default_audio is None) == self.audio:
            raise ValueError(f"{self.id}: default_audio must be set exactly when audio is")

    def closest_duration(self, seconds: int) -> int:
        """The accepted duration nearest ``seconds`` (the shorter one on a tie)."""
        return min(self.durations, key=lambda d: (abs(d - seconds), d))


_PORTRAIT_AND_LANDSCAPE = ("1280:720", "720:1280")

MODELS: tuple[VideoModel, ...] = (
    VideoModel(
        id="gen4.5",
        label="Gen-4.5",
        description="Runway's own model: any length from 2 to 10 seconds, silent.",
        ratios=_PORTRAIT_AND_LANDSCAPE,
        durations=tuple(range(2, 11)),
        default_ratio="1280:720",
        default_duration=4,
        seed=True,
    ),
    VideoModel(
        id="veo3.1",
        label="Veo 3.1",
        description="Google's Veo 3.1: 4, 6 or 8 seconds, up to 1080p, with sound if you like.",
        ratios=(*_PORTRAIT_AND_LANDSCAPE, "1080:1920", "1920:1080"),
        durations=(4, 6, 8),
        default_ratio="1280:720",
        default_duration=4,
        audio=True,
        seed=True,
        default_audio=True,
    ),
    VideoModel(
        id="veo3.1_fast",
        label="Veo 3.1 Fast",
        description="Veo 3.1's quicker, cheaper variant: 4, 6 or 8 seconds, sound optional.",
        ratios=(*_PORTRAIT_AND_LANDSCAPE, "1080:1920", "1920:1080"),
        durations=(4, 6, 8),
        default_ratio="1280:720",
        default_duration=4,
        audio=True,
        seed=True,
        default_audio=True,
    ),
)

MODEL_IDS: tuple[str, ...] = tuple(m.id for m in MODELS)
_BY_ID = {m.id: m for m in MODELS}

#: Every ratio some model accepts, in catalog order (the demo renderer draws them all).
ALL_RATIOS: tuple[str, ...] = tuple(dict.fromkeys(r for m in MODELS for r in m.ratios))
#: The bounds of any model's durations: what a dream's stored duration may be.
MIN_DURATION_SECONDS = min(d for m in MODELS for d in m.durations)
MAX_DURATION_SECONDS = max(d for m in MODELS for d in m.durations)


def model_by_id(model_id: str) -> VideoModel | None:
    """The catalog's model called ``model_id``, or None."""
    return _BY_ID.get(model_id)


def ratio_size(ratio: str) -> tuple[int, int]:
    """``"1280:720"`` as ``(1280, 720)``. Raises ValueError for anything else."""
    width, _, height = ratio.partition(":")
    if not (width.isascii() and width.isdigit() and height.isascii() and height.isdigit()):
        raise ValueError(f"ratio must look like 1280:720, not {ratio!r}")
    return int(width), int(height)


def ratio_label(ratio: str) -> str:
    """How people read a ratio: ``"1280:720"`` -> ``"Landscape 16:9 · 720p"``."""
    width, height = ratio_size(ratio)
    divisor = math.gcd(width, height)
    shape = "Square" if width == height else "Landscape" if width > height else "Portrait"
    return f"{shape} {width // divisor}:{height // divisor} · {min(width, height)}p"
