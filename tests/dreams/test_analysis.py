"""Tests for the local dream analysis (emotion lexicon + YAKE keywords)."""

from __future__ import annotations

import json
import socket
import time

import pytest

from dreams import analysis
from dreams.analysis import analyse_dream, detect_emotions
from tests.support.prompts import assert_well_formed
from videos.prompts import build_video_prompt

CHASE_TITLE = "Chased through the forest"
CHASE_DREAM = (
    "I was running through a dark forest at night. A huge monster was chasing me and I was "
    "terrified. The trees were whispering my name. I found my grandmother's old house near "
    "the lake, but the door was locked. I screamed and woke up with my heart pounding. The "
    "monster had glowing red eyes and the moon was enormous."
)


def keyword_words(keywords: list[str]) -> set[str]:
    return {word for keyword in keywords for word in keyword.split()}


# --- emotions -----------------------------------------------------------------


def test_frightening_chase_dream_is_fear_first() -> None:
    result = analyse_dream(title=CHASE_TITLE, content=CHASE_DREAM)

    assert result["emotions"][0] == "fear"
    assert result["mood"] == "fear"
    assert result["source"] == "local"


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
    ],
)
def test_negated_fear_is_not_counted(text: str) -> None:
    result = analyse_dream(title="", content=text)

    assert "fear" not in result["emotions"]


def test_negation_ends_at_a_clause_or_a_real_verb() -> None:
    assert detect_emotions("I was not tired, I was terrified") == ["fear"]
    assert detect_emotions("I couldn't escape the monster") == ["fear"]
    assert detect_emotions("I couldn't stop crying") == ["sadness"]
    assert detect_emotions("I wasn't sad but I was furious") == ["anger"]


def test_cues_match_word_prefixes_but_not_unrelated_words() -> None:
    assert detect_emotions("Terrifying. Horrified. Nightmares.") == ["fear"]
    assert detect_emotions("She sat on the saddle of a huge horse and started walking") == []


def test_emotions_ranked_by_count_and_capped_at_five() -> None:
    assert detect_emotions("happy, laughing, smiling, but a bit scared") == ["joy", "fear"]

    everything = (
        "happy scared sad angry surprised love calm anxious wonder confused scared scared sad"
    )
    emotions = detect_emotions(everything)
    assert emotions[:2] == ["fear", "sadness"]
    assert len(emotions) == 5


def test_no_cues_gives_no_emotions_and_neutral_mood() -> None:
    result = analyse_dream(title="Kitchen", content="I made toast and read the newspaper.")

    assert result["emotions"] == []
    assert result["mood"] == "neutral"


# --- keywords -------------------------------------------------------------------


def test_keywords_include_the_obvious_nouns() -> None:
    result = analyse_dream(title=CHASE_TITLE, content=CHASE_DREAM)
    words = keyword_words(result["keywords"])

    assert {"forest", "monster"} <= words
    assert words & {"lake", "house", "night", "trees"}


def test_keywords_are_lowercase_distinct_short_and_capped() -> None:
    keywords = analyse_dream(title=CHASE_TITLE, content=CHASE_DREAM)["keywords"]

    assert 0 < len(keywords) <= 8
    assert all(k == k.lower() and 0 < len(k) <= 50 for k in keywords)
    assert len({k.casefold() for k in keywords}) == len(keywords)


def test_max_keywords_is_honoured_and_capped_at_twenty() -> None:
    long_dream = CHASE_DREAM + " " + " ".join(f"Castle{i} tower{i} bridge{i}." for i in range(40))

    assert len(analyse_dream(title="", content=CHASE_DREAM, max_keywords=3)["keywords"]) == 3
    assert len(analyse_dream(title="", content=long_dream, max_keywords=50)["keywords"]) == 20
    assert analyse_dream(title="", content=CHASE_DREAM, max_keywords=0)["keywords"] == []


def test_title_words_count_as_keywords() -> None:
    result = analyse_dream(
        title="Lighthouse",
        content="The waves were grey and a gull circled above me while the rain fell.",
    )

    assert "lighthouse" in keyword_words(result["keywords"])


@pytest.mark.parametrize(
    ("title", "content"),
    [
        ("", ""),
        ("   ", "\n\t "),
        ("", "I"),
        ("", "!!! ... ???"),
        ("😀", "😀😀😀🌙✨"),
        ("夢", "夢の中で私は空を飛んでいた。大きな猫が追いかけてきた。"),
        ("", "حلمت أنني أطير فوق البحر"),
        ("", "\x00\x1b[31m\u202e\ud83d"),
        ("Ocean", ""),
    ],
)
def test_odd_text_never_raises(title: str, content: str) -> None:
    result = analyse_dream(title=title, content=content)

    assert set(result) == {"emotions", "keywords", "mood", "source"}
    assert isinstance(result["emotions"], list)
    assert isinstance(result["keywords"], list)
    assert all(isinstance(k, str) and len(k) <= 50 for k in result["keywords"])
    json.dumps(result)  # stored as JSON: no numpy floats or other leftovers


def test_keyword_extractor_failure_gives_no_keywords(monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken:
        def __init__(self, **kwargs: object) -> None:
            raise RuntimeError("boom")

    monkeypatch.setattr(analysis.yake, "KeywordExtractor", Broken)

    result = analyse_dream(title=CHASE_TITLE, content=CHASE_DREAM)

    assert result["keywords"] == []
    assert result["mood"] == "fear"


def test_analysis_never_touches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("network disabled in tests")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    analysis._stopwords.cache_clear()  # make the stopword list load again, under the guard

    result = analyse_dream(title=CHASE_TITLE, content=CHASE_DREAM)

    assert attempts == []
    assert result["keywords"]


def test_twenty_thousand_characters_analyse_fast() -> None:
    sentences = [
        "I wandered through a flooded library where the shelves reached the clouds.",
        "My brother rowed a paper boat between lamps that hummed old songs.",
        "A fox in a velvet coat asked me for the time, and I was strangely calm.",
        "Then the floor tilted and I was falling past windows full of stars.",
    ]
    content = " ".join(f"{s} Room {i}." for i, s in enumerate(sentences * 200))[:20_000]
    assert len(content) == 20_000
    analyse_dream(title="Warm-up", content=content)

    timings = []
    for _ in range(3):
        start = time.perf_counter()
        analyse_dream(title="The flooded library", content=content)
        timings.append(time.perf_counter() - start)

    assert min(timings) < 0.2


# --- what the analysis is for: the video prompt --------------------------------------------


def test_works_with_the_local_analysis() -> None:
    """The video prompt built from a long dream carries its locally computed mood and keywords."""
    title = "Chased through the forest"
    content = "A huge monster chased me through a dark forest and I was terrified. " * 300
    analysis = analyse_dream(title=title, content=content)

    prompt = build_video_prompt(title=title, content=content, analysis=analysis)

    assert "Mood: fear" in prompt
    assert all(keyword in prompt for keyword in analysis["keywords"])
    assert_well_formed(prompt)
