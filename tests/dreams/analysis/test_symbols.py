"""Symbols: noun phrases from the lexicon first, then YAKE filtered to noun-like phrases."""

from __future__ import annotations

import pytest

from dreams.analysis import extract_symbols


def names(title: str, content: str, limit: int = 8) -> list[str]:
    return [s.name for s in extract_symbols(title=title, content=content, limit=limit)]


def test_modifiers_before_a_symbol_are_kept() -> None:
    result = names("", "A huge black dog ran down an endless hallway to a glass lighthouse.")

    assert result == ["huge black dog", "endless hallway", "glass lighthouse"]


def test_a_noun_before_a_symbol_qualifies_it() -> None:
    assert names("", "We ate a chocolate cake at the birthday party.") == [
        "chocolate cake",
        "birthday party",
    ]
    assert names("", "I took the night train.") == ["night train"]


def test_a_possessive_is_a_symbol_of_its_own() -> None:
    assert names("", "I walked to my grandmother's house.") == ["grandmother", "house"]


def test_synonyms_merge_and_keep_the_first_word_used() -> None:
    symbols = extract_symbols(
        title="", content="My mom was in the kitchen. Then my mother left the kitchen.", limit=8
    )

    assert [(s.name, s.canonical, s.score) for s in symbols] == [
        ("mom", "mother", 2.0),
        ("kitchen", "kitchen", 2.0),
    ]


def test_a_later_mention_with_modifiers_names_the_symbol() -> None:
    assert names("", "The lighthouse was tall. It was a glass lighthouse.") == ["glass lighthouse"]


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        ("I couldn't bear it any longer.", "bear"),
        ("I went home and slept.", "home"),
        ("Last night I dreamed of nothing.", "night"),
        ("The room was light and airy.", "light"),
        ("I had to face the truth.", "face"),
        ("I stood at the foot of the stairs.", "foot"),
        ("It was a dark figure in the doorway.", "darkness"),
    ],
)
def test_words_that_are_not_nouns_here_are_not_symbols(text: str, absent: str) -> None:
    assert absent not in {s.canonical for s in extract_symbols(title="", content=text)}


@pytest.mark.parametrize(
    ("text", "present"),
    [
        ("A light shone in the window.", "light"),
        ("I could see the dark.", "darkness"),
        ("My watch had stopped.", "clock"),
        ("Fish jumped out of the water.", "fish"),
        ("I went back to my childhood home.", "home"),
    ],
)
def test_ambiguous_words_count_where_a_noun_stands(text: str, present: str) -> None:
    assert present in {s.canonical for s in extract_symbols(title="", content=text)}


def test_statistics_find_what_the_lexicon_lacks_as_noun_phrases() -> None:
    result = names(
        "The vending machine",
        "A vending machine in the station kept eating my coins. The vending machine "
        "laughed at me, then a typewriter started typing by itself.",
    )

    assert "vending machine" in result
    assert "typewriter" in result
    assert {"station", "coin"} <= set(result)


def test_statistics_keep_no_verbs_adverbs_adjectives_or_fragments() -> None:
    """The motifs the issue complained about: "lighthouse made", "turned", "grew", "bigger"."""
    result = names(
        "",
        "The lighthouse made a sound. It turned and grew bigger, inside and outside, "
        "suddenly and slowly. Everything felt strange, steep and terribly wrong.",
        limit=20,
    )

    assert result == ["lighthouse"]


def test_the_dreamers_own_body_in_passing_is_not_a_symbol() -> None:
    assert names("", "I rubbed my face and looked at my hands.") == []
    assert names("", "A woman with no face held out her hands.") == ["woman", "face", "hand"]


def test_limit_and_empty_text() -> None:
    assert names("", "A cat, a dog, a bird and a horse.", limit=2) == ["cat", "dog"]
    assert names("", "A cat.", limit=0) == []
    assert names("", "") == []
