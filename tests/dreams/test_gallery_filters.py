"""The gallery narrowed by mood and symbol, in the API and on the page: what each filter
finds, what it refuses (400 naming the field), what it costs in queries, and how the
shared gallery cache keys filtered pages. Cards show an excerpt and the mood."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from dreams.gallery import GALLERY_MOODS
from tests.support.caching import redis_cache, redis_prefix
from tests.support.factories import DreamFactory

GALLERY = "/api/dreams/public/gallery"


def shared(mood: str = "", keywords: tuple[str, ...] = (), **fields):
    analysis = {"emotions": ["wonder"], "keywords": list(keywords), "mood": mood}
    return DreamFactory(in_gallery=True, analysis=analysis, **fields)


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [dream["title"] for dream in response.json()["results"]]


@pytest.mark.django_db
class TestTheApi:
    def test_mood_and_symbol_narrow_the_gallery_and_combine(self):
        shared("joyful", ("moon", "the sea"), title="A")
        shared("Joyful", ("Moon",), title="B")  # a writer's own spelling
        shared("serene", ("moon",), title="C")
        shared("joyful", ("moonlight",), title="D")  # not the whole item
        DreamFactory(analysis={"mood": "joyful", "keywords": ["moon"]}, title="private")
        api = APIClient()

        assert titles(api.get(GALLERY, {"mood": "joyful"})) == ["D", "B", "A"]
        assert titles(api.get(GALLERY, {"symbol": "moon"})) == ["C", "B", "A"]
        assert titles(api.get(GALLERY, {"symbol": "  MOON "})) == ["C", "B", "A"]
        assert titles(api.get(GALLERY, {"symbol": "the  sea"})) == ["A"]
        assert titles(api.get(GALLERY, {"mood": "joyful", "symbol": "moon"})) == ["B", "A"]
        assert titles(api.get(GALLERY, {"mood": "", "symbol": ""})) == ["D", "C", "B", "A"]
        assert titles(api.get(GALLERY, {"symbol": "%"})) == []  # LIKE's wildcard is a letter

    def test_the_next_page_keeps_the_filters(self):
        for n in range(5):
            shared("eerie", title=f"eerie {n}")
            shared("joyful", title=f"joyful {n}")
        api = APIClient()

        first = api.get(GALLERY, {"mood": "eerie", "page_size": 3}).json()
        second = api.get(first["next"]).json()

        assert "mood=eerie" in first["next"]
        seen = [d["title"] for d in first["results"] + second["results"]]
        assert seen == [f"eerie {n}" for n in reversed(range(5))]

    def test_an_unknown_mood_is_a_400_naming_the_moods_allowed(self):
        response = APIClient().get(GALLERY, {"mood": "sleepy"})

        assert response.status_code == 400
        message = response.json()["mood"][0]
        assert "sleepy" in message
        assert all(word in message for word in GALLERY_MOODS)

    def test_a_symbol_over_50_characters_is_a_400(self):
        response = APIClient().get(GALLERY, {"symbol": "x" * 51})

        assert response.status_code == 400
        assert response.json() == {
            "symbol": ["A symbol is at most 50 characters (this one has 51)."]
        }

    def test_a_bad_filter_is_a_400_even_for_a_revalidation(self):
        response = APIClient().get(GALLERY, {"mood": "nope"}, HTTP_IF_NONE_MATCH="*")

        assert response.status_code == 400

    @pytest.mark.parametrize("count", [3, 25])
    def test_a_filtered_page_is_one_query_however_many_dreams(
        self, count, django_assert_num_queries
    ):
        for _ in range(count):
            shared("tense", ("stairs",))
        api = APIClient()

        with django_assert_num_queries(1):
            response = api.get(GALLERY, {"mood": "tense", "symbol": "stairs"})

        assert len(response.json()["results"]) == min(count, 20)


@pytest.fixture
def shared_cache(settings):
    with redis_prefix("gallery-filters") as prefix:
        settings.CACHES = {"default": redis_cache(prefix)}
        yield prefix


@pytest.mark.django_db(transaction=True)
class TestTheSharedCache:
    def test_each_filter_is_an_entry_of_its_own_served_without_sql(
        self, shared_cache, django_assert_num_queries
    ):
        shared("joyful", ("moon",), title="Joy")
        shared("eerie", ("moon",), title="Eerie")
        api = APIClient()
        first = {q: titles(api.get(GALLERY + q)) for q in ("?mood=joyful", "?mood=eerie", "")}

        with django_assert_num_queries(0):
            again = {q: titles(api.get(GALLERY + q)) for q in ("?mood=joyful", "?mood=eerie", "")}

        assert (
            again
            == first
            == {
                "?mood=joyful": ["Joy"],
                "?mood=eerie": ["Eerie"],
                "": ["Eerie", "Joy"],
            }
        )

    def test_another_spelling_is_answered_by_the_view_and_never_stored(
        self, shared_cache, django_assert_num_queries
    ):
        shared("joyful", ("moon",), title="Joy")
        api = APIClient()
        titles(api.get(GALLERY, {"symbol": "Moon"}))

        with django_assert_num_queries(1):  # not from the cache: the view reads it again
            assert titles(api.get(GALLERY, {"symbol": "Moon"})) == ["Joy"]
        with django_assert_num_queries(0):  # nothing reached the database: refused first
            assert api.get(GALLERY, {"mood": "sleepy"}).status_code == 400

    def test_a_new_dream_shows_in_the_filtered_page_at_once(self, shared_cache):
        shared("joyful", title="First")
        api = APIClient()
        assert titles(api.get(GALLERY, {"mood": "joyful"})) == ["First"]

        shared("joyful", title="Second")

        assert titles(api.get(GALLERY, {"mood": "joyful"})) == ["Second", "First"]

    def test_the_page_keeps_filtered_cards_apart(self, shared_cache):
        shared("joyful", ("moon",), title="Joy")
        shared("eerie", ("fog",), title="Fog")
        client = Client()
        client.get("/gallery/")

        joyful = client.get("/gallery/?mood=joyful").content.decode()
        foggy = client.get("/gallery/?symbol=fog").content.decode()

        assert "Joy</a>" in joyful and "Fog</a>" not in joyful
        assert "Fog</a>" in foggy and "Joy</a>" not in foggy


@pytest.mark.django_db
class TestThePage:
    def test_cards_show_an_excerpt_cut_at_a_word_and_the_mood(self):
        text = "I walked into a library where every book was a door, " * 5
        shared("enchanted", title="Library", content=text)

        html = Client().get("/gallery/").content.decode()

        assert '<span class="mood">enchanted</span>' in html
        excerpt = html.split('<p class="card-excerpt">')[1].split("</p>")[0]
        assert excerpt.startswith("I walked into a library where every book was a door,")
        assert excerpt.endswith("…") and len(excerpt) <= 140
        assert text.startswith(excerpt[:-1])
        assert text[len(excerpt) - 1] == " " or excerpt[-2] in ",."  # ended on a word

    def test_mood_chips_count_the_gallery_and_link_to_its_filter(self):
        shared("joyful")
        shared("joyful")
        shared("eerie")
        shared("neutral")

        html = Client().get("/gallery/").content.decode()

        assert 'data-mood-chip="joyful"' in html and 'data-mood-chip="eerie"' in html
        assert 'data-mood-chip="serene"' not in html  # none in the gallery
        assert 'data-mood-chip="neutral"' not in html
        assert 'href="/gallery/?mood=joyful"' in html
        assert '<span class="visually-hidden">, 2 dreams</span>' in html
        assert '<span class="visually-hidden">, 1 dream</span>' in html

    def test_a_filter_narrows_the_page_and_its_next_link_keeps_it(self):
        for n in range(14):
            shared("joyful", ("moon",), title=f"Moon {n}")
        shared("eerie", ("moon",), title="Fog")

        html = Client().get("/gallery/", {"mood": "joyful", "symbol": "moon"}).content.decode()

        assert "Fog</a>" not in html and "Moon 13</a>" in html
        assert "mood=joyful&amp;symbol=moon&amp;cursor=" in html
        assert 'aria-current="true"><span class="mood">joyful' in html
        assert "Symbol: moon" in html  # the symbol's chip, to remove it

    def test_an_unknown_mood_on_the_page_is_said_politely_and_left_out(self):
        shared("joyful", title="Joy")

        response = Client().get("/gallery/", {"mood": "sleepy"})

        assert response.status_code == 200
        html = response.content.decode()
        assert "Unknown mood “sleepy”" in html and "Joy</a>" in html

    def test_the_page_links_the_atom_feed(self):
        html = Client().get("/gallery/").content.decode()

        assert (
            '<link rel="alternate" type="application/atom+xml" title="DreamJourney gallery"'
            ' href="/gallery/feed.atom">' in html
        )

    @pytest.mark.parametrize("count", [2, 20])
    def test_the_page_costs_the_same_queries_however_many_dreams(
        self, count, django_assert_max_num_queries
    ):
        for _ in range(count):
            shared("tense", ("stairs",))
        client = Client()

        with django_assert_max_num_queries(2):  # the cards and the mood chips
            response = client.get("/gallery/", {"mood": "tense"})

        cards = response.content.decode().count('<a class="stretched" href="/dreams/')
        assert cards == min(count, 12)
