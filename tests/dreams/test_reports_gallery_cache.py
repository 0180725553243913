"""Reports and the gallery's shared cache: a dream hidden by reports, or shown again when a
moderator dismisses them, is gone (or back) on the very next request, from every page.

The shared cache is the machine's Redis (``tests.support.caching``); like
``test_gallery_cache.py`` these tests run outside a test transaction.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from dreams import reports
from dreams.models import Dream
from tests.support.caching import gallery, redis_cache, redis_prefix, titles
from tests.support.factories import DreamFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shared_cache(settings):
    with redis_prefix("reports-cache") as prefix:
        settings.CACHES = {"default": redis_cache(prefix)}
        yield prefix


def report(dream, number: int):
    client = APIClient(REMOTE_ADDR=f"198.51.100.{number}")
    return client.post(f"/api/dreams/{dream.pk}/report", {"reason": "spam"}, format="json")


def test_hiding_and_dismissing_reach_the_cached_gallery_at_once(
    shared_cache, settings, make_user, django_assert_num_queries
):
    settings.REPORTS_HIDE_THRESHOLD = 2
    DreamFactory(in_gallery=True, title="Calm sea")
    reported = DreamFactory(in_gallery=True, title="Loud sign")
    assert titles(gallery()) == ["Loud sign", "Calm sea"]
    with django_assert_num_queries(0):
        assert titles(gallery()) == ["Loud sign", "Calm sea"]  # from the shared cache
    home = Client().get("/gallery/").content
    assert b"Loud sign" in home

    # One report (below the threshold): the cached gallery stays as it is.
    assert report(reported, 1).status_code == 201
    with django_assert_num_queries(0):
        assert titles(gallery()) == ["Loud sign", "Calm sea"]

    # The second: hidden, on the very next request of the API and the pages.
    assert report(reported, 2).status_code == 201
    assert titles(gallery()) == ["Calm sea"]
    assert b"Loud sign" not in Client().get("/gallery/").content
    assert b"Loud sign" not in Client().get("/").content

    # A moderator dismisses the reports: back at once.
    moderator = make_user("mod", is_staff=True, is_superuser=True)
    reports.dreams_reports_resolve(
        dream_ids=[reported.pk], resolution="dismiss", moderator=moderator
    )
    assert titles(gallery()) == ["Loud sign", "Calm sea"]
    assert b"Loud sign" in Client().get("/gallery/").content
    assert Dream.objects.get(pk=reported.pk).open_reports == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite writes one at a time")
def test_reports_sent_at_the_same_instant_count_one_by_one(settings):
    # The sixth report hides the dream: every sender found it in the gallery before the
    # last commit. (With a lower threshold a late sender would rightly get 404: hidden.)
    settings.REPORTS_HIDE_THRESHOLD = 6
    dream = DreamFactory(in_gallery=True)
    barrier = threading.Barrier(6)
    statuses: list = [None] * 6

    def send(number: int) -> None:
        try:
            barrier.wait()
            statuses[number] = report(dream, number + 1).status_code
        finally:
            connection.close()  # each thread has its own connection: give it back

    threads = [threading.Thread(target=send, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert statuses == [201] * 6
    counted = Dream.objects.get(pk=dream.pk)
    assert (counted.open_reports, counted.hidden_by_reports) == (6, True)
