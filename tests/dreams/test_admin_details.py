"""A dream's details in the moderators' admin: listed, filtered, shown, never edited.

Moderators see when a dream was dreamt and what kind it is, can narrow the list by
flag or date, and read the details on a dream's page, which stays view-only: the owner's
words and labels are theirs. PostgreSQL's ``search_vector`` never shows.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from tests.support.factories import DemoDreamFactory, DreamFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:dreams_dream_changelist")
DEMO_CHANGELIST = reverse("admin:dreams_demodream_changelist")


def change_url(dream) -> str:
    return reverse(f"admin:dreams_{dream._meta.model_name}_change", args=[dream.pk])


def listed_titles(response) -> set[str]:
    assert response.status_code == 200
    return {dream.title for dream in response.context["cl"].result_list}


@pytest.fixture
def admin_client(make_user) -> Client:
    client = Client()
    client.force_login(make_user("moderator", is_staff=True, is_superuser=True))
    return client


def test_the_list_shows_when_each_dream_was_dreamt_and_its_kind(admin_client):
    DreamFactory(title="Lucid flight", dreamt_on=date(2024, 5, 17), lucid=True, recurring=True)
    DreamFactory(title="Plain night", dreamt_on=date(2024, 5, 18))

    html = admin_client.get(CHANGELIST).content.decode()

    assert "May 17, 2024" in html and "May 18, 2024" in html
    assert "lucid, recurring" in html
    assert "column-dreamt_on" in html and "column-kind" in html


@pytest.mark.parametrize("flag", ["lucid", "nightmare", "recurring"])
def test_the_list_filters_by_each_flag(admin_client, flag):
    DreamFactory(title="Flagged", **{flag: True})
    DreamFactory(title="Unflagged")

    flagged = admin_client.get(CHANGELIST, {f"{flag}__exact": "1"})
    unflagged = admin_client.get(CHANGELIST, {f"{flag}__exact": "0"})

    assert listed_titles(flagged) == {"Flagged"}
    assert listed_titles(unflagged) == {"Unflagged"}


def test_the_list_narrows_by_the_night_dreamt(admin_client):
    DreamFactory(title="Old night", dreamt_on=date(2019, 12, 31))
    DreamFactory(title="New night", dreamt_on=date(2024, 1, 2))

    by_year = admin_client.get(CHANGELIST, {"dreamt_on__year": "2019"})
    by_range = admin_client.get(
        CHANGELIST, {"dreamt_on__gte": "2024-01-01", "dreamt_on__lt": "2024-02-01"}
    )

    assert listed_titles(by_year) == {"Old night"}
    assert listed_titles(by_range) == {"New night"}
    assert 'href="?dreamt_on__year=2019"' in admin_client.get(CHANGELIST).content.decode()


def test_demo_dreams_list_and_filter_their_details_the_same_way(admin_client):
    DemoDreamFactory(title="Demo nightmare", nightmare=True, dreamt_on=date(2023, 3, 3))
    DemoDreamFactory(title="Demo calm")

    html = admin_client.get(DEMO_CHANGELIST).content.decode()
    filtered = admin_client.get(DEMO_CHANGELIST, {"nightmare__exact": "1"})

    assert "March 3, 2023" in html and "nightmare" in html
    assert listed_titles(filtered) == {"Demo nightmare"}


def test_a_dreams_page_shows_its_details_read_only(admin_client):
    dream = DreamFactory(
        dreamt_on=date(2024, 2, 29),
        lucid=True,
        clarity=4,
        sleep_quality=2,
        tags=["flying", "the sea"],
    )

    html = admin_client.get(change_url(dream)).content.decode()

    assert "The night" in html
    assert "Feb. 29, 2024" in html
    assert "flying, the sea" in html
    for name in ("dreamt_on", "lucid", "nightmare", "recurring", "clarity", "sleep_quality"):
        assert f'name="{name}"' not in html  # shown, not an input
        assert f"field-{name}" in html


def test_a_moderator_cannot_change_an_owners_details(admin_client):
    dream = DreamFactory(lucid=False, clarity=None, tags=["mine"])

    response = admin_client.post(
        change_url(dream), {"lucid": "on", "clarity": "5", "tags": '["theirs"]', "_save": "1"}
    )

    assert response.status_code == 403
    dream.refresh_from_db()
    assert (dream.lucid, dream.clarity, dream.tags) == (False, None, ["mine"])


@pytest.mark.parametrize("dream_factory", [DreamFactory, DemoDreamFactory])
def test_the_search_vector_never_appears(admin_client, dream_factory):
    dream = dream_factory(title="Searchable", tags=["glass"])
    changelist = DEMO_CHANGELIST if dream_factory is DemoDreamFactory else CHANGELIST

    pages = [
        admin_client.get(changelist).content.decode(),
        admin_client.get(changelist, {"q": "Searchable"}).content.decode(),
        admin_client.get(change_url(dream)).content.decode(),
    ]

    for html in pages:
        assert "search_vector" not in html
        assert "search vector" not in html.lower()
