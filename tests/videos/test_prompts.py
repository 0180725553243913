"""Tests for the text-to-video prompt builder and its UTF-16 helpers."""

from __future__ import annotations

import random

import pytest

from tests.support.prompts import assert_well_formed
from videos.prompts import build_video_prompt, truncate_utf16, utf16_len

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # man ZWJ woman ZWJ girl: 8 units
FLAG_JP = "\U0001f1ef\U0001f1f5"
THUMBS_MEDIUM = "\U0001f44d\U0001f3fd"  # thumbs up + skin tone modifier
E_ACUTE = "e\u0301"  # e + combining acute accent

FEAR_ANALYSIS = {
    "emotions": ["fear", "anxiety"],
    "keywords": ["dark forest", "monster", "grandmother's house"],
    "mood": "fear",
    "source": "local",
}


# --- utf16_len --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "units"),
    [("", 0), ("abc", 3), ("😀", 2), ("夢", 1), ("é", 1), (E_ACUTE, 2), (FAMILY, 8), (FLAG_JP, 4)],
)
def test_utf16_len(text: str, units: int) -> None:
    assert utf16_len(text) == units


# --- truncate_utf16 ---------------------------------------------------------------------


def test_text_that_fits_is_unchanged() -> None:
    assert truncate_utf16("hello 😀", 8) == "hello 😀"


def test_cut_prefers_a_word_boundary_and_adds_an_ellipsis() -> None:
    assert truncate_utf16("The quick brown fox jumps", 12) == "The quick…"


def test_cut_without_spaces_cuts_between_characters() -> None:
    result = truncate_utf16("夢" * 50, 10)

    assert result == "夢" * 9 + "…"


def test_non_positive_limit_gives_empty_string() -> None:
    assert truncate_utf16("anything", 0) == ""
    assert truncate_utf16("anything", -5) == ""


@pytest.mark.parametrize("limit", range(1, 12))
def test_cut_never_splits_a_surrogate_pair(limit: int) -> None:
    result = truncate_utf16("😀" * 10, limit)

    assert utf16_len(result) <= limit
    assert result.rstrip("…") == "😀" * ((limit - 1) // 2)
    result.encode("utf-16-le")


@pytest.mark.parametrize("grapheme", [FAMILY, FLAG_JP, THUMBS_MEDIUM, E_ACUTE])
@pytest.mark.parametrize("limit", range(1, 20))
def test_cut_keeps_graphemes_whole(grapheme: str, limit: int) -> None:
    result = truncate_utf16(grapheme * 6, limit)
    body = result.removesuffix("…")

    assert utf16_len(result) <= limit
    assert body == grapheme * (len(body) // len(grapheme))


def test_truncation_invariants_on_random_text() -> None:
    rng = random.Random(1234)
    pieces = ["a", "b", " ", "é", E_ACUTE, "😀", FAMILY, FLAG_JP, THUMBS_MEDIUM, "夢", "\n", "ب"]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        limit = rng.randint(1, 40)
        result = truncate_utf16(text, limit)
        assert utf16_len(result) <= limit
        if utf16_len(text) <= limit:
            assert result == text
        else:
            assert result.endswith("…")
            result.encode("utf-16-le")


# --- build_video_prompt --------------------------------------------------------------


def test_prompt_contains_scene_mood_and_motifs() -> None:
    prompt = build_video_prompt(
        title="Chased through the forest",
        content="A monster chased me between black trees.",
        analysis=FEAR_ANALYSIS,
    )

    assert prompt.startswith("Cinematic dreamlike scene: Chased through the forest")
    assert "A monster chased me between black trees." in prompt
    assert "Mood: fear, anxiety." in prompt
    assert "Motifs: dark forest, monster, grandmother's house." in prompt
    assert prompt.endswith("film grain.")
    assert_well_formed(prompt)


def test_none_analysis_gives_a_prompt_without_mood_or_motifs() -> None:
    prompt = build_video_prompt(title="Flying", content="I flew over the sea.", analysis=None)

    assert "I flew over the sea." in prompt
    assert "Mood:" not in prompt
    assert "Motifs:" not in prompt
    assert_well_formed(prompt)


@pytest.mark.parametrize(
    "analysis",
    [
        {},
        {"emotions": "joy"},
        {"emotions": [None, 3, "calm", "CALM", ""], "keywords": 42},
        {"keywords": [["nested"], {"a": 1}, "sea"], "mood": 7},
        {"mood": "neutral", "emotions": []},
        "not a dict",
        ["fear"],
        {"keywords": ["x" * 5000] * 1000, "emotions": ["y" * 5000] * 1000},
    ],
)
def test_partial_or_malformed_analysis_is_tolerated(analysis: object) -> None:
    prompt = build_video_prompt(
        title="Sea",
        content="I was swimming with whales.",
        analysis=analysis,  # type: ignore[arg-type]
    )

    assert "I was swimming with whales" in prompt
    assert "neutral" not in prompt
    assert_well_formed(prompt)


@pytest.mark.parametrize(
    "content",
    [
        "word " * 4000,
        "a" * 20_000,
        "😀" * 20_000,
        "夢の中で空を飛んでいた。" * 1700,
        "حلمت أنني أطير فوق البحر " * 800,
        FAMILY * 3000,
        FLAG_JP * 5000,
        E_ACUTE * 10_000,
        "\u202e\u200b\x00\x07 spooky \ud83d\ufeff" * 2000,
    ],
)
def test_huge_or_exotic_content_stays_within_the_limit(content: str) -> None:
    prompt = build_video_prompt(title="A long night", content=content, analysis=FEAR_ANALYSIS)

    assert_well_formed(prompt)
    # Moods and motifs survive truncation of the scene.
    assert "Mood: fear, anxiety." in prompt
    assert "dark forest" in prompt


def test_whitespace_collapsed_and_controls_stripped() -> None:
    prompt = build_video_prompt(
        title="  The\tdoor ",
        content="It \n\n opened\x00 by\x1b[31m itself\u202e\u200b.",
        analysis=None,
    )

    assert "scene: The door — It opened by" in prompt
    assert "itself." in prompt
    assert "\u202e" not in prompt
    assert "\u200b" not in prompt
    assert_well_formed(prompt)


@pytest.mark.parametrize(
    ("title", "content", "expected"),
    [
        ("Ocean", "", "Cinematic dreamlike scene: Ocean. "),
        ("Ocean", " \n\t\x00 ", "Cinematic dreamlike scene: Ocean. "),
        ("", "", "Cinematic dreamlike scene: a drifting, half-remembered dream world. "),
        ("...", "!!!", "Cinematic dreamlike scene: a drifting, half-remembered dream world. "),
    ],
)
def test_prompt_is_never_empty(title: str, content: str, expected: str) -> None:
    prompt = build_video_prompt(title=title, content=content, analysis=None)

    assert prompt.startswith(expected)
    assert_well_formed(prompt)


def test_long_title_is_condensed() -> None:
    prompt = build_video_prompt(title="Title " * 2000, content="Short dream.", analysis=None)

    assert "Short dream." in prompt
    assert_well_formed(prompt)


# --- the analysis' symbols, mood and a language model's prompt ------------------------------

LOCAL_ANALYSIS = {
    "emotions": ["fear", "anxiety"],
    "keywords": ["glass lighthouse", "endless hallway", "sea"],
    "symbols": [
        {"name": "glass lighthouse", "family": "places"},
        {"name": "endless hallway", "family": "house and rooms"},
        {"name": "sea", "family": "water"},
    ],
    "mood": "tense",
    "valence": -0.45,
    "arousal": 0.7,
    "source": "local",
}


def test_prompt_uses_the_symbols_and_the_mood_word() -> None:
    prompt = build_video_prompt(
        title="The glass lighthouse", content="I climbed and climbed.", analysis=LOCAL_ANALYSIS
    )

    assert "Mood: tense, fear, anxiety." in prompt
    assert "Motifs: glass lighthouse, endless hallway, sea." in prompt
    assert prompt.endswith(
        "Cold, shadowy light, restless handheld camera, quick cuts, surreal atmosphere, film grain."
    )
    assert_well_formed(prompt)


@pytest.mark.parametrize(
    ("valence", "arousal", "style"),
    [
        (0.6, 0.1, "Warm, glowing light, slow camera drift, surreal atmosphere, film grain."),
        (0.0, 0.5, "Soft light, gliding camera, surreal atmosphere, film grain."),
        (-0.9, 0.9, "Cold, shadowy light, restless handheld camera, quick cuts,"),
        (7, -3, "Warm, glowing light, slow camera drift,"),  # out of range: clamped
        (float("nan"), None, "Soft light, slow camera drift, surreal atmosphere, film grain."),
        (True, "high", "Soft light, slow camera drift, surreal atmosphere, film grain."),
    ],
)
def test_light_follows_valence_and_camera_follows_arousal(
    valence: object, arousal: object, style: str
) -> None:
    analysis = {"valence": valence, "arousal": arousal}

    prompt = build_video_prompt(title="Sea", content="I swam.", analysis=analysis)

    assert style in prompt
    assert_well_formed(prompt)


def test_symbols_win_over_keywords_and_keywords_are_the_fallback() -> None:
    both = {"keywords": ["old word"], "symbols": [{"name": "new symbol", "family": "other"}]}
    only_keywords = {"keywords": ["old word"], "symbols": []}

    assert "Motifs: new symbol." in build_video_prompt(title="T", content="C", analysis=both)
    assert "Motifs: old word." in build_video_prompt(title="T", content="C", analysis=only_keywords)


@pytest.mark.parametrize(
    "symbols",
    [
        "lighthouse",
        [None, 3, ["x"], {"family": "water"}, {"name": 7}],
        [{"name": "x" * 5000, "family": "y" * 5000}] * 1000,
        [{"name": "\u202e\x00 sea \u200b"}],
    ],
)
def test_malformed_symbols_are_tolerated(symbols: object) -> None:
    prompt = build_video_prompt(title="Sea", content="I swam.", analysis={"symbols": symbols})

    assert "I swam." in prompt
    assert "\u202e" not in prompt
    assert_well_formed(prompt)


def test_a_language_models_prompt_is_used_as_it_is() -> None:
    analysis = {**LOCAL_ANALYSIS, "video_prompt": "A glass lighthouse on a black sea, slow dolly."}

    prompt = build_video_prompt(title="T", content="C", analysis=analysis)

    assert prompt == "A glass lighthouse on a black sea, slow dolly."


def test_a_language_models_prompt_is_cleaned_and_cut_to_the_limit() -> None:
    analysis = {"video_prompt": "\u202eA\x00 lighthouse\n\non the sea. " + "😀" * 2000}

    prompt = build_video_prompt(title="T", content="C", analysis=analysis)

    assert prompt.startswith("A lighthouse on the sea. 😀")
    assert prompt.endswith("…")
    assert utf16_len(prompt) <= 1000
    assert_well_formed(prompt)


@pytest.mark.parametrize("video_prompt", ["", "   \n\t", "\u200b\u202e", "...", None, 42, ["x"]])
def test_an_empty_or_unusable_model_prompt_falls_back_to_the_dream(video_prompt: object) -> None:
    analysis = {**LOCAL_ANALYSIS, "video_prompt": video_prompt}

    prompt = build_video_prompt(title="Lighthouse", content="I climbed.", analysis=analysis)

    assert prompt.startswith("Cinematic dreamlike scene: Lighthouse — I climbed.")
    assert_well_formed(prompt)
