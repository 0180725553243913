"""The model catalog: its facts hold together, the settings choose models, and one check
judges a generation's model, ratio, duration, audio, seed and style together."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from videos.catalog import (
    ALL_RATIOS,
    DEFAULT_DURATION_SECONDS,
    DEFAULT_MODEL_ID,
    DEFAULT_RATIO,
    DEFAULT_STYLE,
    MAX_DURATION_SECONDS,
    MIN_DURATION_SECONDS,
    MODEL_IDS,
    MODELS,
    STYLE_IDS,
    STYLES,
    GenerationChoice,
    GenerationChoiceError,
    check_model_settings,
    default_model,
    enabled_models,
    generation_choice,
    model_by_id,
    ratio_label,
)
from videos.demo_renderer.grade import GRADED_STYLES


def test_the_catalog_offers_gen45_and_veo():
    assert {"gen4.5", "veo3.1", "veo3.1_fast"} <= set(MODEL_IDS)
    assert model_by_id("gen4.5").ratios == ("1280:720", "720:1280")
    assert model_by_id("gen4.5").durations == tuple(range(2, 11))
    assert model_by_id("veo3.1").durations == (4, 6, 8) and model_by_id("veo3.1").audio


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.id)
def test_the_shared_defaults_suit_every_model(model):
    # Services fall back on these; no model may refuse them.
    assert DEFAULT_RATIO in model.ratios and DEFAULT_DURATION_SECONDS in model.durations
    assert MIN_DURATION_SECONDS <= min(model.durations) <= max(model.durations)
    assert max(model.durations) <= MAX_DURATION_SECONDS
    assert set(model.ratios) <= set(ALL_RATIOS)


def test_the_retired_ratios_are_gone():
    assert not {"1104:832", "832:1104", "960:960", "1584:672"} & set(ALL_RATIOS)


def test_every_style_but_the_default_has_a_phrase_and_a_demo_look():
    assert DEFAULT_STYLE in STYLE_IDS
    assert {"cinematic", "watercolour", "anime", "noir", "surreal"} <= set(STYLE_IDS)
    for style in STYLES:
        assert bool(style.phrase) == (style.id != DEFAULT_STYLE), style.id
        assert style.label and style.description
    assert set(STYLE_IDS) - {DEFAULT_STYLE} == GRADED_STYLES


def test_ratio_labels_read_as_people_say_them():
    assert ratio_label("1280:720") == "Landscape 16:9 · 720p"
    assert ratio_label("720:1280") == "Portrait 9:16 · 720p"
    assert ratio_label("1080:1920") == "Portrait 9:16 · 1080p"


def test_closest_duration_snaps_to_what_the_model_takes():
    veo = model_by_id("veo3.1")
    assert [veo.closest_duration(s) for s in (2, 5, 7, 10)] == [4, 4, 6, 8]


# --- settings ------------------------------------------------------------------------------


def test_every_model_is_enabled_by_default_and_gen45_is_the_default(settings):
    settings.RUNWAYML_MODELS, settings.RUNWAYML_MODEL = [], DEFAULT_MODEL_ID
    assert enabled_models() == MODELS
    assert default_model().id == "gen4.5"


def test_the_operator_chooses_models_and_the_default(settings):
    settings.RUNWAYML_MODELS = ["veo3.1_fast", "veo3.1"]
    settings.RUNWAYML_MODEL = "veo3.1_fast"
    assert [m.id for m in enabled_models()] == ["veo3.1", "veo3.1_fast"]  # catalog order
    assert default_model().id == "veo3.1_fast"
    check_model_settings()


def test_a_default_model_that_is_not_enabled_stops_startup(settings):
    settings.RUNWAYML_MODELS = ["veo3.1"]
    settings.RUNWAYML_MODEL = "gen4.5"
    with pytest.raises(ImproperlyConfigured, match="RUNWAYML_MODEL is 'gen4.5'.*veo3.1"):
        check_model_settings()


def test_an_unknown_model_in_the_settings_stops_startup(settings):
    settings.RUNWAYML_MODELS = ["gen4.5", "gen9"]
    with pytest.raises(ImproperlyConfigured, match="gen9.*gen4.5, veo3.1 or veo3.1_fast"):
        check_model_settings()


# --- one generation's choices -------------------------------------------------------------


def test_nothing_chosen_gives_the_default_models_defaults(settings):
    settings.RUNWAYML_MODELS, settings.RUNWAYML_MODEL = [], "gen4.5"
    assert generation_choice() == GenerationChoice(
        model="gen4.5", ratio="1280:720", duration=4, audio=None, style="none"
    )


def test_veo_defaults_to_four_seconds_with_sound():
    choice = generation_choice(model="veo3.1", ratio="1080:1920", style="noir")
    assert (choice.duration, choice.audio, choice.ratio, choice.style) == (
        4,
        True,
        "1080:1920",
        "noir",
    )
    assert generation_choice(model="veo3.1_fast", audio=False, duration=8).audio is False


@pytest.mark.parametrize(
    ("choices", "field", "message"),
    [
        ({"ratio": "1104:832"}, "ratio", "gen4.5 accepts 1280:720 or 720:1280."),
        ({"ratio": "1080:1920"}, "ratio", "gen4.5 accepts 1280:720 or 720:1280."),
        ({"duration": 11}, "duration", "gen4.5 accepts 2 to 10 seconds."),
        ({"model": "veo3.1", "duration": 5}, "duration", "veo3.1 accepts 4, 6 or 8 seconds."),
        (
            {"model": "veo3.1", "ratio": "960:960"},
            "ratio",
            "veo3.1 accepts 1280:720, 720:1280, 1080:1920 or 1920:1080.",
        ),
        (
            {"audio": True},
            "audio",
            "gen4.5 makes no sound: leave audio out, or choose veo3.1 or veo3.1_fast.",
        ),
        (
            {"style": "sepia"},
            "style",
            "Choose none, cinematic, watercolour, anime, noir or surreal.",
        ),
        ({"model": "sora"}, "model", "Unknown model; choose gen4.5, veo3.1 or veo3.1_fast."),
    ],
)
def test_bad_combinations_name_the_field_and_what_is_allowed(choices, field, message, settings):
    settings.RUNWAYML_MODELS, settings.RUNWAYML_MODEL = [], "gen4.5"
    with pytest.raises(GenerationChoiceError) as info:
        generation_choice(**choices)
    assert info.value.errors == {field: message}


def test_a_model_the_site_did_not_enable_is_refused_with_the_enabled_ones(settings):
    settings.RUNWAYML_MODELS, settings.RUNWAYML_MODEL = ["gen4.5", "veo3.1_fast"], "gen4.5"
    with pytest.raises(GenerationChoiceError) as info:
        generation_choice(model="veo3.1")
    assert info.value.errors == {
        "model": "veo3.1 is not enabled on this site; choose gen4.5 or veo3.1_fast."
    }


def test_every_field_at_fault_is_named_at_once():
    with pytest.raises(GenerationChoiceError) as info:
        generation_choice(model="veo3.1", ratio="1584:672", duration=3, style="x")
    assert set(info.value.errors) == {"ratio", "duration", "style"}
