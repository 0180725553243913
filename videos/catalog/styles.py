"""Style presets: a look a generation may ask for, defined once.

The prompt builder adds a preset's ``phrase`` to the prompt a model receives
(``videos.prompts.styled_prompt``); the demo renderer grades its frames to the same
look (``videos.demo_renderer.grade``); ``GET /api/ai/models`` lists them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class StylePreset:
    """One look: ``id`` as the API names it, ``label`` and ``description`` for people,
    ``phrase`` for the model (empty for the default: the prompt's own style stands)."""

    id: str
    label: str
    description: str
    phrase: str


DEFAULT_STYLE = "none"

STYLES: tuple[StylePreset, ...] = (
    StylePreset(
        id=DEFAULT_STYLE,
        label="Dreamlike",
        description="The dream as it is: soft light, a slow drifting camera.",
        phrase="",
    ),
    StylePreset(
        id="cinematic",
        label="Cinematic",
        description="A widescreen film look: rich contrast, warm highlights, letterbox.",
        phrase=(
            "Style: cinematic film still, anamorphic widescreen, shallow depth of field, "
            "rich contrast, warm highlights."
        ),
    ),
    StylePreset(
        id="watercolour",
        label="Watercolour",
        description="Soft, pale washes of colour bleeding into paper.",
        phrase=(
            "Style: watercolour painting, soft pale washes, bleeding edges, visible paper texture."
        ),
    ),
    StylePreset(
        id="anime",
        label="Anime",
        description="Hand-drawn animation: flat bands of bold, saturated colour.",
        phrase="Style: anime, hand-drawn cel animation, clean outlines, flat saturated colours.",
    ),
    StylePreset(
        id="noir",
        label="Noir",
        description="Black and white with hard shadows, like a 1940s crime film.",
        phrase=(
            "Style: film noir, black and white, high contrast, hard shadows, venetian-blind light."
        ),
    ),
    StylePreset(
        id="surreal",
        label="Surreal",
        description="Shifted colours and impossible scale, like a surrealist painting.",
        phrase=(
            "Style: surrealist painting, impossible scale, melting forms, uncanny shifted colours."
        ),
    ),
)

STYLE_IDS: tuple[str, ...] = tuple(s.id for s in STYLES)
_BY_ID = {s.id: s for s in STYLES}


def style_by_id(style_id: str) -> StylePreset | None:
    """The preset called ``style_id``, or None."""
    return _BY_ID.get(style_id)
