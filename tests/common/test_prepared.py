"""Prepared reads give what the ORM gives, compiled once per connection."""

from __future__ import annotations

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from common.authentication import token_with_user
from common.owners import Owner
from common.prepared import PreparedRows
from dreams import selectors
from dreams.models import DemoDream, Dream
from tests.support.factories import DreamFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_rows_and_their_types_are_the_orms(django_user_model):
    # Given dreams with JSON, dates, UUIDs and booleans (SQLite needs converters for them)
    user = UserFactory()
    for n in range(3):
        DreamFactory(owner=user, title=f"Dream {n}", lucid=n == 1, tags=["sea", f"t{n}"])
    prepared = PreparedRows(
        "test.dreams",
        lambda who: (
            Dream.objects.filter(owner_id=who)
            .order_by("-created_at")
            .values("id", "title", "tags", "lucid", "created_at", "analysis")[:2]
        ),
        sentinel=-1,
    )

    # When read twice, for the owner and for nobody
    first = prepared.dicts(user.pk)
    nobody = prepared.dicts(user.pk + 1000)

    # Then they are exactly what the queryset gives
    expected = list(
        Dream.objects.filter(owner_id=user.pk)
        .order_by("-created_at")
        .values("id", "title", "tags", "lucid", "created_at", "analysis")[:2]
    )
    assert first == expected
    assert nobody == []


def test_a_statement_is_compiled_once_and_run_as_one_query():
    user = UserFactory()
    DreamFactory(owner=user)
    built = []

    def titles(who):
        built.append(who)
        return Dream.objects.filter(owner_id=who).values_list("title")

    prepared = PreparedRows("test.titles", titles, sentinel=-1)
    prepared.rows(user.pk)

    with CaptureQueriesContext(connection) as queries:
        prepared.rows(user.pk)
        prepared.rows(user.pk + 1)

    assert built == [-1]  # only the sentinel's queryset was ever built (and compiled)
    assert len(queries) == 2
    assert queries[0]["sql"].replace(str(user.pk), "?") == queries[1]["sql"].replace(
        str(user.pk + 1), "?"
    )


def test_a_sentinel_that_cannot_be_placed_runs_the_queryset_as_usual():
    user = UserFactory()
    DreamFactory(owner=user, title="Plain")
    # The sentinel is never a parameter: compiled SQL cannot be reused for other arguments
    prepared = PreparedRows(
        "test.unplaceable",
        lambda who: Dream.objects.filter(owner_id=user.pk).values_list("title"),
        sentinel=-1,
    )

    assert prepared.rows(user.pk) == [["Plain"]]


def test_the_journals_first_page_is_the_list_selectors():
    # Given an account's journal and a demo visitor's
    user = UserFactory()
    for n in range(5):
        DreamFactory(owner=user, title=f"Mine {n}", tags=[f"t{n}"])
    DreamFactory(title="Someone else's")
    DemoDream.objects.create(session_key="visitor-1", title="Demo", content="A demo dream here.")

    for owner in (Owner(user=user), Owner(session_key="visitor-1")):
        # Then the prepared first page equals the ordinary one, row for row
        assert selectors.dream_journal_first_rows(owner=owner, limit=4) == list(
            selectors.dream_list_rows(owner=owner)[:4]
        )


def test_a_token_reads_back_with_its_user():
    user = UserFactory(username="reader")
    token = Token.objects.create(user=user)

    found = token_with_user(token.key)

    assert (found.key, found.user_id, found.created) == (token.key, user.pk, token.created)
    assert (found.user.username, found.user.password, found.user.date_joined) == (
        "reader",
        user.password,
        user.date_joined,
    )
    assert token_with_user("no-such-token") is None


def test_the_galleries_first_page_is_the_gallery_selectors():
    # Given gallery dreams, and dreams that are not in the gallery
    for n in range(4):
        DreamFactory(in_gallery=True, title=f"Shown {n}")
    DreamFactory(title="Private")

    # Then the prepared first page (a statement without arguments) is the ordinary one
    pages = selectors.dream_gallery_pages(filters_active=False)
    assert pages.first(3) == list(selectors.dream_gallery_rows()[:3])
    assert selectors.dream_gallery_pages(filters_active=True) is None


def test_json_columns_decode_as_the_orms_even_past_what_orjson_reads():
    # Given analyses orjson decodes, and one it refuses (an integer past 64 bits)
    user = UserFactory()
    DreamFactory(owner=user, title="Plain", analysis={"mood": "calm", "score": 0.25, "n": [1]})
    DreamFactory(owner=user, title="Huge", analysis={"mood": "odd", "n": 2**70})
    DreamFactory(owner=user, title="Empty", analysis={})
    prepared = PreparedRows(
        "test.analyses",
        lambda who: (
            Dream.objects.filter(owner_id=who).order_by("title").values("title", "analysis")
        ),
        sentinel=-1,
    )

    # Then the prepared rows are the queryset's, the big integer exact
    rows = prepared.dicts(user.pk)
    assert rows == list(
        Dream.objects.filter(owner_id=user.pk).order_by("title").values("title", "analysis")
    )
    assert rows[1]["analysis"]["n"] == 2**70


def _walk(client, url: str, *, direction: str) -> tuple[list[str], list[int]]:
    """Every title met following ``direction`` links from ``url``, and each page's queries."""
    titles, queries = [], []
    while url:
        with CaptureQueriesContext(connection) as captured:
            page = client.get(url).json()
        queries.append(len(captured))
        titles += [dream["title"] for dream in page["results"]]
        url = page[direction]
    return titles, queries


def _walk_both_ways(client) -> tuple[list[str], list[str], list[int]]:
    """The gallery walked forwards two by two, then back from the last page."""
    forwards, queries = _walk(client, "/api/dreams/public/gallery?page_size=2", direction="next")
    last = client.get("/api/dreams/public/gallery?page_size=2")
    while (following := last.json()["next"]) is not None:
        last = client.get(following)
    backwards, _ = _walk(client, last.json()["previous"], direction="previous")
    return forwards, backwards, queries


def test_every_gallery_page_is_read_prepared_and_is_the_querysets(client, monkeypatch):
    # Given a gallery where three dreams share a moment (a cursor then needs an offset)
    from django.utils import timezone

    tied = timezone.now() - timezone.timedelta(days=1)
    for n in range(9):
        dream = DreamFactory(in_gallery=True, title=f"G{n}")
        if n in (3, 4, 5):
            Dream.objects.filter(pk=dream.pk).update(created_at=tied)
    DreamFactory(title="Private")
    expected = [row["title"] for row in selectors.dream_gallery_rows()]
    connections["default"].__dict__.pop("_prepared_rows", None)

    # When the API's gallery is walked both ways, prepared, then by its queryset alone
    forwards, backwards, queries = _walk_both_ways(client)
    names = list(connections["default"].__dict__["_prepared_rows"])
    monkeypatch.setattr(selectors, "dream_gallery_pages", lambda filters_active: None)
    assert _walk_both_ways(client)[:2] == (forwards, backwards)

    # Then every dream comes once, in the gallery's order, one query a page, both ways
    # the queryset's pages, and pages after a position (either way) were prepared
    assert forwards == expected
    assert set(queries) == {1}
    assert len(backwards) > 4
    lookups = {name[2] for name in names if name[0] == "dreams.gallery_page" and len(name) == 4}
    assert lookups == {"created_at__lt", "created_at__gt"}


def test_a_cursor_with_a_malformed_position_is_a_400(client):
    import base64

    DreamFactory(in_gallery=True)
    cursor = base64.b64encode(b"p=not-a-moment").decode()

    response = client.get(f"/api/dreams/public/gallery?cursor={cursor}")

    assert response.status_code == 400
