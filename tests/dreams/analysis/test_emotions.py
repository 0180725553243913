"""Emotions: the cue lexicon, negation, intensity and what is worth reporting."""

from __future__ import annotations

import pytest

from dreams.analysis import EMOTION_AFFECT, EMOTION_LEXICON, analyse_dream, detect_emotions
from dreams.analysis.emotions import read_emotions
from dreams.analysis.text import tokenize


def reading(text: str):
    return read_emotions(tokenize(text))


def test_the_ten_emotions_each_have_cues_and_a_place_on_the_circumplex() -> None:
    assert set(EMOTION_LEXICON) == set(EMOTION_AFFECT)
    assert len(EMOTION_AFFECT) == 10
    assert all(len(cues) >= 10 for cues in EMOTION_LEXICON.values())


@pytest.mark.parametrize(
    "text",
    [
        "I was not afraid",
        "I wasn't scared at all.",
        "I wasn\u2019t scared at all.",  # curly apostrophe, as phones type it
        "I was never frightened, not even of the dark.",
        "I was not afraid of the dark",
        "There were no monsters.",
        "I didn't feel terrified",
        "Nothing about it felt frightening.",
        "I was not at all afraid.",
    ],
)
def test_negated_fear_is_not_counted(text: str) -> None:
    assert "fear" not in analyse_dream(title="", content=text)["emotions"]


def test_a_negated_fear_counts_a_little_for_calm_and_a_negated_calm_for_anxiety() -> None:
    assert detect_emotions("I wasn't afraid.") == ["calm"]
    assert detect_emotions("I couldn't relax.") == ["anxiety"]
    # A scene that did not happen says nothing about how it felt.
    assert detect_emotions("There were no monsters.") == []


def test_negation_ends_at_a_clause_or_a_real_verb() -> None:
    assert detect_emotions("I was not tired, I was terrified") == ["fear"]
    assert detect_emotions("I couldn't escape the monster, I was so scared") == ["fear"]
    assert detect_emotions("I couldn't stop crying and sobbing") == ["sadness"]
    assert detect_emotions("I wasn't sad but I was furious") == ["anger"]


def test_never_so_is_stronger_not_negated() -> None:
    assert detect_emotions("I have never been so terrified.") == ["fear"]
    assert detect_emotions("I have never felt more at peace.") == ["calm"]


def test_intensity_words_and_degree_words_scale_a_cue() -> None:
    def fear(text: str) -> float:
        return reading(text).scores["fear"]

    assert fear("terrified") > fear("scared")
    assert fear("very scared") > fear("scared") > fear("a bit scared")
    assert fear("kind of scared") < fear("scared")
    assert reading("so terrified").strongest_cue > reading("uneasy").strongest_cue


def test_cues_match_word_prefixes_but_not_unrelated_words() -> None:
    assert detect_emotions("Terrifying. Horrified. Nightmares.") == ["fear"]
    assert detect_emotions("She sat on the saddle of a huge horse and started walking") == []
    assert detect_emotions("A stranger danced with me") == []


def test_a_feeling_named_is_reported_a_lone_scene_is_not() -> None:
    assert detect_emotions("I was slightly uneasy.") == ["anxiety"]
    assert detect_emotions("A monster stood there.") == []
    assert detect_emotions("The monster chased me and I screamed.") == ["fear"]
    assert detect_emotions("I felt trapped.") == ["fear"]


def test_emotions_ranked_by_strength_and_capped_at_five() -> None:
    assert detect_emotions("happy, laughing, smiling, but scared") == ["joy", "fear"]

    everything = (
        "happy scared sad angry surprised love calm anxious wonder confused scared scared sad"
    )
    emotions = detect_emotions(everything)
    assert emotions[:2] == ["fear", "sadness"]
    assert len(emotions) == 5


def test_a_weak_emotion_beside_a_strong_one_is_dropped() -> None:
    assert detect_emotions("I was terrified, absolutely terrified, and a bit curious.") == ["fear"]


def test_phrases_that_mean_something_else() -> None:
    assert detect_emotions("I had to calm down.") == []
    assert detect_emotions("An overwhelming tenderness and love.") == ["love"]


@pytest.mark.parametrize("text", ["", "   ", "😀", "夢", "'", None, 42])
def test_no_text_no_emotions(text: object) -> None:
    assert detect_emotions(text) == []  # type: ignore[arg-type]
