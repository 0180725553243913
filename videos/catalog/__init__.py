"""What a generation may ask for, defined once: models, ratios, durations, extras, styles.

``specs`` holds the RunwayML models as the SDK declares them (pure data), ``styles``
the style presets, ``choice`` the site's enabled models (settings) and the one check
of a request's choices together. Everything else imports from here.
"""

from __future__ import annotations

from videos.catalog.choice import (
    GenerationChoice,
    GenerationChoiceError,
    check_model_settings,
    default_model,
    enabled_models,
    generation_choice,
)
from videos.catalog.specs import (
    ALL_RATIOS,
    DEFAULT_DURATION_SECONDS,
    DEFAULT_MODEL_ID,
    DEFAULT_RATIO,
    MAX_DURATION_SECONDS,
    MAX_SEED,
    MIN_DURATION_SECONDS,
    MODEL_IDS,
    MODELS,
    VideoModel,
    model_by_id,
    ratio_label,
    ratio_size,
)
from videos.catalog.styles import DEFAULT_STYLE, STYLE_IDS, STYLES, StylePreset, style_by_id

__all__ = [
    "ALL_RATIOS",
    "DEFAULT_DURATION_SECONDS",
    "DEFAULT_MODEL_ID",
    "DEFAULT_RATIO",
    "DEFAULT_STYLE",
    "MAX_DURATION_SECONDS",
    "MAX_SEED",
    "MIN_DURATION_SECONDS",
    "MODELS",
    "MODEL_IDS",
    "STYLES",
    "STYLE_IDS",
    "GenerationChoice",
    "GenerationChoiceError",
    "StylePreset",
    "VideoModel",
    "check_model_settings",
    "default_model",
    "enabled_models",
    "generation_choice",
    "model_by_id",
    "ratio_label",
    "ratio_size",
    "style_by_id",
]
