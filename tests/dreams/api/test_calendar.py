"""``GET /api/dreams/calendar``: a month of the caller's journal, day by day (counts, flags,
the first titles), filtered like the list, bounded, in a constant number of queries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.support.factories import DemoDreamFactory, DreamFactory

pytestmark = pytest.mark.django_db

CALENDAR = "/api/dreams/calendar"


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def test_a_month_lists_the_days_with_dreams_their_counts_flags_and_first_titles(client_for):
    # Given a March with three dreams on the 4th, one on the 20th, one on 1 April
    client = client_for()
    fourth, twentieth = date(2026, 3, 4), date(2026, 3, 20)
    DreamFactory(owner=client.user, dreamt_on=fourth, title="Stairs", lucid=True)
    DreamFactory(owner=client.user, dreamt_on=fourth, title="Teeth", nightmare=True)
    DreamFactory(
        owner=client.user, dreamt_on=fourth, title="Stairs again", recurring=True, lucid=True
    )
    DreamFactory(owner=client.user, dreamt_on=twentieth, title="Sea", nightmare=True)
    DreamFactory(owner=client.user, dreamt_on=date(2026, 4, 1), title="April")
    DreamFactory(dreamt_on=fourth, title="A neighbour's dream", lucid=True)

    # When the owner asks for March
    response = client.get(CALENDAR, {"month": "2026-03"})

    # Then only the days with their own dreams come, in order, newest titles first
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["month"] == "2026-03"
    assert (body["previous_month"], body["next_month"]) == ("2026-02", "2026-04")
    days = body["days"]
    assert [day["date"] for day in days] == ["2026-03-04", "2026-03-20"]
    first = days[0]
    assert (first["count"], first["lucid"], first["nightmare"], first["recurring"]) == (3, 2, 1, 1)
    assert [dream["title"] for dream in first["dreams"]] == ["Stairs again", "Teeth", "Stairs"]
    assert set(first["dreams"][0]) == {"id", "title"}
    assert days[1] == {
        "date": "2026-03-20",
        "count": 1,
        "lucid": 0,
        "nightmare": 1,
        "recurring": 0,
        "dreams": [{"id": days[1]["dreams"][0]["id"], "title": "Sea"}],
    }


def test_a_busy_day_shows_a_few_titles_but_counts_every_dream(client_for):
    client = client_for()
    day = date(2026, 5, 9)
    DreamFactory.create_batch(7, owner=client.user, dreamt_on=day)

    days = client.get(CALENDAR, {"month": "2026-05"}).json()["days"]

    assert len(days) == 1
    assert days[0]["count"] == 7
    assert len(days[0]["dreams"]) == 3


def test_the_default_month_is_this_month(client_for):
    client = client_for()
    today = timezone.localdate()
    DreamFactory(owner=client.user, dreamt_on=today, title="Last night")

    body = client.get(CALENDAR).json()

    assert body["month"] == month_of(today)
    assert [day["date"] for day in body["days"]] == [today.isoformat()]


@pytest.mark.parametrize(
    "params, expected_days",
    [
        ({"lucid": "true"}, ["2026-06-01"]),
        ({"nightmare": "true", "tag": "dog"}, ["2026-06-15"]),
        ({"q": "ocean"}, ["2026-06-01", "2026-06-30"]),
        ({"min_clarity": "4"}, ["2026-06-30"]),
        ({"dreamt_from": "2026-06-10"}, ["2026-06-15", "2026-06-30"]),
        ({"emotion": "fear"}, ["2026-06-15"]),
        ({"has_video": "true"}, []),
    ],
)
def test_the_calendar_takes_the_lists_filters(client_for, params, expected_days):
    client = client_for()
    DreamFactory(owner=client.user, dreamt_on=date(2026, 6, 1), title="Ocean", lucid=True)
    DreamFactory(
        owner=client.user,
        dreamt_on=date(2026, 6, 15),
        title="Dog",
        nightmare=True,
        tags=["dog"],
        analysis={"emotions": ["fear"], "keywords": []},
    )
    DreamFactory(owner=client.user, dreamt_on=date(2026, 6, 30), title="Ocean floor", clarity=5)

    body = client.get(CALENDAR, {"month": "2026-06", **params}).json()

    assert [day["date"] for day in body["days"]] == expected_days


def test_the_first_and_last_months_have_no_way_further(client_for):
    client = client_for()
    last = f"{timezone.localdate().year + 1}-12"

    first_month = client.get(CALENDAR, {"month": "1900-01"}).json()
    last_month = client.get(CALENDAR, {"month": last}).json()

    assert (first_month["previous_month"], first_month["next_month"]) == (None, "1900-02")
    assert last_month["next_month"] is None
    assert last_month["previous_month"] == f"{timezone.localdate().year + 1}-11"


@pytest.mark.parametrize(
    "params, field",
    [
        ({"month": "2026-13"}, "month"),
        ({"month": "2026-00"}, "month"),
        ({"month": "2026-3"}, "month"),
        ({"month": "March"}, "month"),
        ({"month": "1899-12"}, "month"),
        ({"month": "9999-01"}, "month"),
        ({"month": "2026-03\x00"}, "month"),
        ({"month": "２０２６-03"}, "month"),  # full-width digits are not a month
        ({"month": "2026-03", "min_clarity": "6"}, "min_clarity"),
        ({"month": "2026-03", "dreamt_from": "2026-03-09", "dreamt_to": "2026-03-01"}, "dreamt_to"),
        ({"month": "2026-03", "q": "x" * 201}, "q"),
    ],
)
def test_a_bad_month_or_filter_is_a_400_naming_it(client_for, params, field):
    response = client_for().get(CALENDAR, params)

    assert response.status_code == 400, response.content
    assert field in response.json()


def test_next_year_is_in_range_and_the_year_after_is_not(client_for):
    client = client_for()
    year = timezone.localdate().year

    assert client.get(CALENDAR, {"month": f"{year + 1}-01"}).status_code == 200
    assert client.get(CALENDAR, {"month": f"{year + 2}-01"}).status_code == 400


def test_a_demo_visitor_sees_their_session_dreams_only(api_client):
    # Given a demo visitor who wrote a dream (the session is the identity)
    response = api_client.post(
        "/api/dreams",
        {"title": "Demo night", "content": "A dream.", "dreamt_on": "2026-02-03"},
        format="json",
    )
    assert response.status_code == 201, response.content
    DemoDreamFactory(dreamt_on=date(2026, 2, 3), title="Another visitor")

    days = api_client.get(CALENDAR, {"month": "2026-02"}).json()["days"]

    assert [(day["date"], day["count"]) for day in days] == [("2026-02-03", 1)]
    assert days[0]["dreams"][0]["title"] == "Demo night"


def test_a_visitor_without_a_journal_gets_an_empty_month():
    body = APIClient().get(CALENDAR, {"month": "2026-02"}).json()

    assert body["days"] == [] and body["month"] == "2026-02"


def test_the_path_is_not_taken_for_a_dreams_id(auth_client):
    # "calendar" is not a dream: the calendar answers, not the dream lookup's 404
    response = auth_client.get(CALENDAR)

    assert response.status_code == 200
    assert "days" in response.json()


def test_a_month_costs_the_same_queries_however_many_dreams_it_holds(
    client_for, django_assert_num_queries
):
    # Given a month with one dream, then every day full of dreams
    client = client_for()
    month = date(2026, 7, 1)
    DreamFactory(owner=client.user, dreamt_on=month, lucid=True)
    # The token's lookup, the day totals, the days' first titles.
    with django_assert_num_queries(3):
        assert len(client.get(CALENDAR, {"month": "2026-07"}).json()["days"]) == 1

    for offset in range(31):
        DreamFactory.create_batch(
            4, owner=client.user, dreamt_on=month + timedelta(days=offset), nightmare=True
        )

    with django_assert_num_queries(3):
        days = client.get(CALENDAR, {"month": "2026-07", "nightmare": "true"}).json()["days"]
    assert len(days) == 31 and sum(day["count"] for day in days) == 124


def test_the_calendar_is_in_the_openapi_schema(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    operation = schema["paths"]["/api/dreams/calendar"]["get"]
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert {"month", "q", "lucid", "dreamt_from", "min_clarity"} <= names
    assert "200" in operation["responses"] and "400" in operation["responses"]
