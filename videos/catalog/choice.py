"""Which models this site offers (settings), and one generation's choices checked together.

``RUNWAYML_MODELS`` lists the enabled models (empty: every catalog model) and
``RUNWAYML_MODEL`` names the default, which must be one of them:
``check_model_settings`` (run at startup by ``VideosConfig.ready``) raises
``ImproperlyConfigured`` otherwise. ``generation_choice`` is the one check of a
model, ratio, duration, audio flag, seed and style together; the API, the forms and
the submission service all go through it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from videos.catalog.specs import MODEL_IDS, MODELS, VideoModel, model_by_id
from videos.catalog.styles import DEFAULT_STYLE, STYLE_IDS


def _one_of(items: Sequence[object]) -> str:
    """``["a", "b", "c"]`` -> ``"a, b or c"``."""
    words = [str(item) for item in items]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def enabled_models() -> tuple[VideoModel, ...]:
    """The models this site offers, in catalog order (``RUNWAYML_MODELS``; empty: all).

    Raises:
        ImproperlyConfigured: the setting names a model the catalog does not know.
    """
    from django.conf import settings  # here: the catalog's data must load without Django

    wanted = [name.strip() for name in settings.RUNWAYML_MODELS if name.strip()]
    unknown = [name for name in wanted if name not in MODEL_IDS]
    if unknown:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            f"RUNWAYML_MODELS names {_one_of(unknown)}, which DreamJourney does not support; "
            f"choose from {_one_of(MODEL_IDS)}."
        )
    return tuple(m for m in MODELS if not wanted or m.id in wanted)


def default_model() -> VideoModel:
    """The model a request gets when it names none (``RUNWAYML_MODEL``).

    Raises:
        ImproperlyConfigured: it is not one of the enabled models.
    """
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    enabled = enabled_models()
    chosen = next((m for m in enabled if m.id == settings.RUNWAYML_MODEL), None)
    if chosen is None:
        raise ImproperlyConfigured(
            f"RUNWAYML_MODEL is {settings.RUNWAYML_MODEL!r}, which is not among the enabled "
            f"models (RUNWAYML_MODELS): set it to {_one_of([m.id for m in enabled])}."
        )
    return chosen


def check_model_settings() -> None:
    """Raise ``ImproperlyConfigured`` unless RUNWAYML_MODELS and RUNWAYML_MODEL agree."""
    default_model()


@dataclass(frozen=True, kw_only=True)
class GenerationChoice:
    """A valid combination for one generation; ``audio`` is None for a model without sound."""

    model: str
    ratio: str
    duration: int
    audio: bool | None
    style: str
    seed: int | None = None


class GenerationChoiceError(ValueError):
    """The choices do not go together; ``errors`` maps each field at fault to why."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors


def _durations_text(model: VideoModel) -> str:
    durations = model.durations
    contiguous = list(durations) == list(range(durations[0], durations[-1] + 1))
    if contiguous and len(durations) > 3:
        return f"{durations[0]} to {durations[-1]} seconds"
    return f"{_one_of(durations)} seconds"


def generation_choice(
    *,
    model: str | None = None,
    ratio: str | None = None,
    duration: int | None = None,
    audio: bool | None = None,
    style: str | None = None,
    seed: int | None = None,
) -> GenerationChoice:
    """Check the choices together and fill in what is missing from the model's defaults.

    ``None`` means "not chosen": the default model (``RUNWAYML_MODEL``), its default
    ratio, duration and audio, and the default style. Only enabled models are accepted.

    Raises:
        GenerationChoiceError: naming each field at fault and what it may be, e.g.
            ``{"ratio": "gen4.5 accepts 1280:720 or 720:1280."}``.
        ImproperlyConfigured: the model settings are inconsistent.
    """
    enabled = enabled_models()
    if model is None:
        spec = default_model()
    else:
        spec = next((m for m in enabled if m.id == model), None)
        if spec is None:
            known = model_by_id(model) is not None
            reason = f"{model} is not enabled on this site" if known else "Unknown model"
            raise GenerationChoiceError(
                {"model": f"{reason}; choose {_one_of([m.id for m in enabled])}."}
            )
    errors: dict[str, str] = {}
    if ratio is not None and ratio not in spec.ratios:
        errors["ratio"] = f"{spec.id} accepts {_one_of(spec.ratios)}."
    if duration is not None and duration not in spec.durations:
        errors["duration"] = f"{spec.id} accepts {_durations_text(spec)}."
    if audio is not None and not spec.audio:
        with_sound = [m.id for m in enabled if m.audio]
        hint = f": leave audio out, or choose {_one_of(with_sound)}" if with_sound else ""
        errors["audio"] = f"{spec.id} makes no sound{hint}."
    if seed is not None and not spec.seed:
        errors["seed"] = f"{spec.id} takes no seed."
    if style is not None and style not in STYLE_IDS:
        errors["style"] = f"Choose {_one_of(STYLE_IDS)}."
    if errors:
        raise GenerationChoiceError(errors)
    return GenerationChoice(
        model=spec.id,
        ratio=spec.default_ratio if ratio is None else ratio,
        duration=spec.default_duration if duration is None else duration,
        audio=(spec.default_audio if audio is None else audio) if spec.audio else None,
        style=DEFAULT_STYLE if style is None else style,
        seed=seed,
    )
