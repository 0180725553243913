"""The dream-symbol lexicon: size, families, synonyms and plurals."""

from __future__ import annotations

import pytest

from dreams.analysis import EMOTION_AFFECT, lexicon
from dreams.analysis.lexicon import canonical_symbol, lookup

REQUIRED_FAMILIES = {
    "water", "flight", "falling", "pursuit", "house and rooms", "teeth", "death", "animals",
    "vehicles", "people", "light and dark",
}  # fmt: skip


def test_at_least_two_hundred_symbols_in_the_families_the_issue_names() -> None:
    assert len(lexicon.CANONICAL_FAMILY) >= 200
    assert set(lexicon.SYMBOL_FAMILIES) >= REQUIRED_FAMILIES
    for family in lexicon.SYMBOL_FAMILIES:
        assert sum(f == family for f in lexicon.CANONICAL_FAMILY.values()) >= 2, family


def test_every_family_has_an_affect_and_every_name_is_short_and_lowercase() -> None:
    assert set(lexicon.FAMILY_AFFECT) == set(lexicon.SYMBOL_FAMILIES)
    for valence, arousal in [*lexicon.FAMILY_AFFECT.values(), *lexicon.SYMBOL_AFFECT.values()]:
        assert -1 <= valence <= 1 and 0 <= arousal <= 1
    assert set(lexicon.SYMBOL_AFFECT) <= set(lexicon.CANONICAL_FAMILY)
    assert set(lexicon.SYMBOL_EMOTION) <= set(lexicon.CANONICAL_FAMILY)
    assert set(lexicon.FAMILY_EMOTION) <= set(lexicon.SYMBOL_FAMILIES)
    hinted = {*lexicon.SYMBOL_EMOTION.values(), *lexicon.FAMILY_EMOTION.values()} - {None}
    assert hinted <= set(EMOTION_AFFECT)
    for text, surface in lexicon.SURFACES.items():
        assert text == text.lower().strip() and len(surface.display) <= 50


@pytest.mark.parametrize(
    ("written", "canonical", "family"),
    [
        ("ocean", "ocean", "water"),
        ("waves", "wave", "water"),
        ("staircase", "stairs", "house and rooms"),
        ("corridors", "hallway", "house and rooms"),
        ("tooth", "teeth", "teeth"),
        ("mom", "mother", "people"),
        ("mums", "mother", "people"),
        ("wolves", "wolf", "animals"),
        ("puppies", "dog", "animals"),
        ("knives", "knife", "pursuit"),
        ("children", "child", "people"),
        ("cities", "city", "places"),
        ("boxes", "box", "objects"),
        ("living rooms", "living room", "house and rooms"),
        ("ex-boyfriend", "ex", "people"),
        ("graveyard", "cemetery", "death"),
        ("flashlight", "torch", "light and dark"),
        ("airplanes", "plane", "vehicles"),
    ],
)
def test_synonyms_and_plurals_map_to_the_canonical_symbol(
    written: str, canonical: str, family: str
) -> None:
    surface = lookup(written)

    assert surface is not None
    assert (surface.canonical, surface.family) == (canonical, family)


def test_the_display_form_keeps_the_dreamers_word_singular() -> None:
    assert lookup("moms").display == "mom"
    assert lookup("teeth").display == "teeth"
    assert lookup("staircases").display == "staircase"


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("glass lighthouse", "lighthouse"),
        ("Endless Hallway", "hallway"),
        ("huge black dogs", "dog"),
        ("chocolate cake", "cake"),
        ("vending machine", "vending machine"),
        ("old lanterns", "lantern"),
        ("doll's house", "house"),
        ("", ""),
    ],
)
def test_canonical_symbol(name: str, canonical: str) -> None:
    assert canonical_symbol(name) == canonical


def test_a_symbol_listed_twice_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(lexicon.SYMBOL_FAMILIES, "duplicates", "lake\nlake | mere")

    with pytest.raises(ValueError, match="listed twice"):
        lexicon._build()
