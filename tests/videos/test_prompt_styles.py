"""Style presets in the prompt: the phrase is added whole, within RunwayML's 1000 UTF-16 units."""

from __future__ import annotations

import pytest

from videos.catalog import STYLES, style_by_id
from videos.prompts import PROMPT_LIMIT, build_video_prompt, styled_prompt, utf16_len


@pytest.mark.parametrize("style", [s for s in STYLES if s.phrase], ids=lambda s: s.id)
def test_a_style_adds_its_phrase_after_the_prompt(style):
    assert styled_prompt("A lighthouse in fog.", style.id) == f"A lighthouse in fog. {style.phrase}"


@pytest.mark.parametrize("style", ["none", "", "sepia"])
def test_no_style_leaves_the_prompt_alone(style):
    assert styled_prompt("A lighthouse in fog.", style) == "A lighthouse in fog."


@pytest.mark.parametrize("prompt", ["a" * 1000, "🌙" * 500, "word " * 300])
def test_a_full_prompt_is_cut_to_make_room_for_the_whole_phrase(prompt):
    noir = style_by_id("noir").phrase
    styled = styled_prompt(prompt, "noir")
    assert styled.endswith(f"… {noir}")
    assert utf16_len(styled) <= PROMPT_LIMIT


def test_the_builders_prompt_takes_a_style_and_styling_twice_is_once():
    built = build_video_prompt(
        title="The tide", content="A calm sea rose into the sky." * 80, analysis=None
    )
    once = styled_prompt(built, "anime")
    assert utf16_len(once) <= PROMPT_LIMIT and once.endswith(style_by_id("anime").phrase)
    assert styled_prompt(once, "anime") == once
