"""Insights (``dreams.insights``, ``GET /api/insights``, the ``/insights/`` page): the numbers
on hand-built journals, their windows and edge cases, whose dreams count, a constant number
of queries, bad input, and charts that escape what users wrote.

Browser rendering (desktop and 360 px): ``test_browser_insights.py``.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from common.owners import DEMO_SESSION_FIELD, Owner
from dreams import charts
from dreams.insights import (
    MONTHS,
    QUERY_COUNT,
    RECURRING_MIN_DREAMS,
    TOP_TERMS,
    WEEKS_DEFAULT,
    dream_insights,
)
from tests.support.database import database_unreachable
from tests.support.factories import DemoDreamFactory, DreamFactory

pytestmark = pytest.mark.django_db

API = "/api/insights"
PAGE = "/insights/"
TODAY = date(2025, 3, 12)  # a Wednesday; its week began on Monday 10 March


def dream(owner, on: date, **fields):
    fields.setdefault("analysis", {})
    return DreamFactory(owner=owner, dreamt_on=on, **fields)


def days_ago(*offsets: int, today: date = TODAY) -> list[date]:
    return [today - timedelta(days=n) for n in offsets]


def insights_of(user, **kwargs):
    return dream_insights(owner=Owner(user=user), today=kwargs.pop("today", TODAY), **kwargs)


# --- Weekly series ---------------------------------------------------------------------------


def test_weeks_run_monday_to_sunday_and_count_dreams_lucid_dreams_and_nightmares(user):
    # Given dreams on the Sunday before this week and on this week's Monday and Wednesday
    dream(user, date(2025, 3, 9), lucid=True)
    dream(user, date(2025, 3, 10), nightmare=True)
    dream(user, date(2025, 3, 12), lucid=True, nightmare=True)
    dream(user, date(2025, 3, 12))

    found = insights_of(user)

    # Then the last week is this one (from Monday) and the Sunday falls in the week before
    assert len(found.weekly) == WEEKS_DEFAULT
    this_week, last_week = found.weekly[-1], found.weekly[-2]
    assert (this_week.start, this_week.dreams, this_week.lucid, this_week.nightmares) == (
        date(2025, 3, 10),
        3,
        1,
        2,
    )
    assert (last_week.start, last_week.dreams, last_week.lucid) == (date(2025, 3, 3), 1, 1)
    assert this_week.lucid_rate == pytest.approx(1 / 3, abs=1e-4)
    assert this_week.nightmare_rate == pytest.approx(2 / 3, abs=1e-4)
    # A week without dreams has no rate rather than a 0 %
    assert found.weekly[0].dreams == 0
    assert found.weekly[0].lucid_rate is None


def test_the_weekly_window_is_the_last_n_weeks_and_dreams_before_it_are_left_out(user):
    dream(user, date(2025, 2, 17))  # the Monday four weeks back: inside a 4-week window
    dream(user, date(2025, 2, 16))  # the Sunday before it: outside
    dream(user, date(2025, 3, 13))  # tomorrow (a writer ahead of our clock): this week

    found = insights_of(user, weeks=4)

    assert [week.start for week in found.weekly] == [
        date(2025, 2, 17),
        date(2025, 2, 24),
        date(2025, 3, 3),
        date(2025, 3, 10),
    ]
    assert [week.dreams for week in found.weekly] == [1, 0, 0, 1]
    assert found.window_dreams == 2
    assert found.totals.dreams == 3  # the totals are the whole journal


def test_weeks_outside_the_bounds_are_refused(user):
    with pytest.raises(ValueError, match="weeks"):
        insights_of(user, weeks=3)
    with pytest.raises(ValueError, match="weeks"):
        insights_of(user, weeks=53)


# --- Streaks ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offsets", "current", "longest"),
    [
        pytest.param([], 0, 0, id="no dreams"),
        pytest.param([0], 1, 1, id="only today"),
        pytest.param([0, 1, 2], 3, 3, id="today and the two days before"),
        pytest.param([1, 2], 2, 2, id="up to yesterday: not broken before tonight's dream"),
        pytest.param([2, 3, 4, 5], 0, 4, id="last dream two days ago: broken"),
        pytest.param([0, 0, 0, 1, 1], 2, 2, id="several dreams a day count once"),
        pytest.param([0, 1, 5, 6, 7, 8, 9], 2, 5, id="an older run is the longest"),
        pytest.param([-1, 0, 1], 3, 3, id="a dream dated tomorrow carries the streak"),
        pytest.param([0, 2, 4, 6], 1, 1, id="every other day: runs of one"),
    ],
)
def test_streaks_count_consecutive_days_with_a_dream(user, offsets, current, longest):
    for day in days_ago(*offsets):
        dream(user, day)

    streaks = insights_of(user).streaks

    assert (streaks.current, streaks.longest) == (current, longest)


def test_streaks_say_when_they_started_and_ended(user):
    for day in days_ago(0, 1, 10, 11, 12, 13):
        dream(user, day)

    streaks = insights_of(user).streaks

    assert streaks.current_from == TODAY - timedelta(days=1)
    assert (streaks.longest_from, streaks.longest_to) == (
        TODAY - timedelta(days=13),
        TODAY - timedelta(days=10),
    )


def test_a_streak_crosses_months_and_years(user):
    for day in (date(2024, 12, 30), date(2024, 12, 31), date(2025, 1, 1), date(2025, 1, 2)):
        dream(user, day)

    streaks = insights_of(user, today=date(2025, 1, 3)).streaks

    assert (streaks.current, streaks.longest) == (4, 4)


# --- Emotions and symbols ----------------------------------------------------------------------


def test_top_emotions_count_dreams_per_month_over_the_last_six_months(user):
    # Given emotions in March and February, one listed twice, one in other letter cases
    dream(user, date(2025, 3, 1), analysis={"emotions": ["joy", "joy", "fear"]})
    dream(user, date(2025, 3, 5), analysis={"emotions": [" Joy ", "calm"]})
    dream(user, date(2025, 2, 20), analysis={"emotions": ["joy"]})
    dream(user, date(2024, 10, 3), analysis={"emotions": ["fear"]})  # the window's first month
    dream(user, date(2024, 9, 30), analysis={"emotions": ["wonder"]})  # before the window

    found = insights_of(user)

    assert found.months == (
        date(2024, 10, 1),
        date(2024, 11, 1),
        date(2024, 12, 1),
        date(2025, 1, 1),
        date(2025, 2, 1),
        date(2025, 3, 1),
    )
    emotions = {term.name: (term.dreams, term.monthly) for term in found.emotions}
    assert emotions == {
        "joy": (3, (0, 0, 0, 0, 1, 2)),
        "fear": (2, (1, 0, 0, 0, 0, 1)),
        "calm": (1, (0, 0, 0, 0, 0, 1)),
    }
    # Most frequent first
    assert [term.name for term in found.emotions] == ["joy", "fear", "calm"]


def test_only_the_top_emotions_are_kept(user):
    for n in range(TOP_TERMS + 3):
        for _ in range(n + 1):
            dream(user, TODAY, analysis={"emotions": [f"feeling-{n:02d}"]})

    names = [term.name for term in insights_of(user).emotions]

    assert len(names) == TOP_TERMS
    assert names[0] == f"feeling-{TOP_TERMS + 2:02d}"


def test_symbols_carry_their_family_and_old_dreams_lend_their_keywords(user):
    dream(
        user,
        TODAY,
        analysis={"symbols": [{"name": "Sea", "family": "water"}, {"name": "door"}]},
    )
    # Analysed before symbols existed: its keywords stand in
    dream(user, TODAY, analysis={"keywords": ["sea", "lighthouse"]})
    # Analysed with symbols and none found: its keywords do not stand in
    dream(user, TODAY, analysis={"symbols": [], "keywords": ["umbrella"]})

    symbols = {t.name: (t.dreams, t.family) for t in insights_of(user).symbols}

    assert symbols == {"sea": (2, "water"), "door": (1, ""), "lighthouse": (1, "")}


def test_malformed_analyses_are_skipped_not_fatal(user):
    for analysis in (
        [],
        "a string",
        42,
        {"emotions": "joy", "symbols": "sea"},
        {"emotions": [1, None, {"label": "joy"}, ["x"], "", "   "]},
        {"symbols": [7, None, {"name": 3}, {"family": "water"}, {"name": "  "}, ["sea"]]},
        {"emotions": ["calm"], "symbols": [{"name": "moon", "family": 5}, "stairs"]},
    ):
        dream(user, TODAY, analysis=analysis)

    found = insights_of(user)

    assert found.totals.dreams == 7
    assert [(t.name, t.dreams) for t in found.emotions] == [("calm", 1)]
    assert {(t.name, t.family) for t in found.symbols} == {("moon", ""), ("stairs", "")}


def test_a_symbol_recurs_once_it_is_in_three_dreams_of_the_whole_journal(user):
    assert RECURRING_MIN_DREAMS == 3
    for day in days_ago(400, 30, 2):  # the first one long before the months window
        dream(user, day, analysis={"symbols": [{"name": "stairs", "family": "house"}]})
    for day in days_ago(3, 4):
        dream(user, day, analysis={"symbols": [{"name": "fox", "family": "animals"}]})
    # Named twice in one dream: still one dream
    dream(user, TODAY, analysis={"symbols": [{"name": "fox"}, {"name": "fox"}]})

    recurring = insights_of(user).recurring_symbols

    assert [(s.name, s.family, s.dreams) for s in recurring] == [
        ("fox", "animals", 3),
        ("stairs", "house", 3),
    ]
    stairs = recurring[1]
    assert (stairs.first_dreamt_on, stairs.last_dreamt_on) == (
        TODAY - timedelta(days=400),
        TODAY - timedelta(days=2),
    )


def test_two_dreams_are_not_yet_a_recurring_symbol(user):
    for day in days_ago(1, 2):
        dream(user, day, analysis={"symbols": [{"name": "stairs"}]})

    assert insights_of(user).recurring_symbols == ()


# --- Totals, ownership ---------------------------------------------------------------------------


def test_totals_count_public_and_gallery_dreams(user):
    dream(user, TODAY, is_public=True)  # public, waiting for a moderator
    DreamFactory(owner=user, dreamt_on=TODAY, in_gallery=True)
    dream(user, TODAY, lucid=True)
    dream(user, TODAY - timedelta(days=40), nightmare=True)
    # hidden from the gallery while a moderator reviews reports: public, not in the gallery
    DreamFactory(owner=user, dreamt_on=TODAY, in_gallery=True, hidden_by_reports=True)

    totals = insights_of(user).totals

    assert (totals.dreams, totals.public, totals.in_gallery) == (5, 3, 1)
    assert (totals.lucid, totals.nightmares) == (1, 1)
    assert (totals.lucid_rate, totals.nightmare_rate) == (0.2, 0.2)
    assert (totals.first_dreamt_on, totals.last_dreamt_on) == (TODAY - timedelta(days=40), TODAY)


def test_other_peoples_dreams_and_demo_dreams_never_count(user, make_user):
    dream(user, TODAY, analysis={"emotions": ["calm"]})
    stranger = make_user("bob")
    for day in days_ago(0, 1, 2, 3):
        dream(stranger, day, lucid=True, is_public=True, analysis={"emotions": ["fear"]})
    DemoDreamFactory(dreamt_on=TODAY, analysis={"emotions": ["fear"], "symbols": ["x"]})

    found = insights_of(user)

    assert (found.totals.dreams, found.totals.lucid, found.totals.public) == (1, 0, 0)
    assert found.streaks.longest == 1
    assert [term.name for term in found.emotions] == ["calm"]


def test_a_demo_session_gets_the_insights_of_its_own_demo_dreams(user):
    DemoDreamFactory(session_key="mine", dreamt_on=TODAY, analysis={"emotions": ["joy"]})
    DemoDreamFactory(session_key="mine", dreamt_on=TODAY - timedelta(days=1), analysis={})
    DemoDreamFactory(session_key="theirs", dreamt_on=TODAY)
    dream(user, TODAY)

    found = dream_insights(owner=Owner(session_key="mine"), today=TODAY)

    assert found.totals.dreams == 2
    assert found.streaks.current == 2
    assert [term.name for term in found.emotions] == ["joy"]


def test_an_empty_journal_has_empty_insights(user):
    found = insights_of(user)

    assert found.is_empty
    assert found.streaks.current == found.streaks.longest == 0
    assert (found.emotions, found.symbols, found.recurring_symbols) == ((), (), ())
    assert [week.dreams for week in found.weekly] == [0] * WEEKS_DEFAULT
    assert len(found.months) == MONTHS


def test_no_owner_means_empty_insights_without_a_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        found = dream_insights(owner=None, today=TODAY)

    assert found.is_empty


# --- A constant number of queries ---------------------------------------------------------------


def _journal(owner, count: int) -> None:
    analyses = [
        {"emotions": ["joy", "fear"], "symbols": [{"name": "sea", "family": "water"}]},
        {"emotions": ["calm"], "keywords": ["door", "sea"]},
        {"emotions": ["wonder"], "symbols": [{"name": "fox", "family": "animals"}]},
    ]
    for n in range(count):
        dream(owner, TODAY - timedelta(days=n * 3), analysis=analyses[n % 3], lucid=n % 4 == 0)


@pytest.mark.parametrize("count", [5, 50])
def test_insights_take_the_same_few_queries_for_any_journal(user, count, django_assert_num_queries):
    _journal(user, count)

    with django_assert_num_queries(QUERY_COUNT):
        found = insights_of(user, weeks=52)

    assert found.totals.dreams == count


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_endpoint_and_the_page_take_as_many_queries_for_5_dreams_as_for_50(
    client_for, client, user
):
    api = client_for(user)
    client.force_login(user)
    _journal(user, 5)
    few = (_queries(api, API), _queries(client, PAGE))

    DreamFactory.create_batch(45, owner=user, analysis={"emotions": ["calm"]})
    many = (_queries(api, f"{API}?weeks=52"), _queries(client, f"{PAGE}?weeks=52"))

    assert many == few


# --- The API --------------------------------------------------------------------------------------


def test_the_endpoint_answers_numbers_and_series(client_for, user):
    today = timezone.localdate()
    dream(user, today, lucid=True, analysis={"emotions": ["joy"], "symbols": [{"name": "sea"}]})
    dream(user, today - timedelta(days=1), nightmare=True, is_public=True)

    response = client_for(user).get(API, {"weeks": 4})

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {
        "today",
        "totals",
        "streaks",
        "weekly",
        "months",
        "emotions",
        "symbols",
        "recurring_symbols",
    }
    assert body["today"] == today.isoformat()
    assert body["totals"]["dreams"] == 2
    assert body["totals"]["public"] == 1
    assert body["totals"]["lucid_rate"] == 0.5
    assert body["streaks"]["current"] == 2
    assert len(body["weekly"]) == 4
    this_week = body["weekly"][-1]
    assert this_week["week_start"] == (today - timedelta(days=today.weekday())).isoformat()
    assert this_week["lucid"] == 1 and this_week["lucid_rate"] > 0
    assert body["weekly"][0] == {
        "week_start": (today - timedelta(days=today.weekday(), weeks=3)).isoformat(),
        "dreams": 0,
        "lucid": 0,
        "nightmares": 0,
        "lucid_rate": None,
        "nightmare_rate": None,
    }
    assert sum(week["dreams"] for week in body["weekly"]) == 2
    assert len(body["months"]) == MONTHS
    assert body["emotions"] == [{"name": "joy", "dreams": 1, "monthly": [0, 0, 0, 0, 0, 1]}]
    assert body["symbols"][0]["family"] == ""


@pytest.mark.parametrize("weeks", ["abc", "0", "3", "53", "1.5", "-4", "1e3"])
def test_bad_weeks_are_a_400_with_drf_field_errors(auth_client, weeks):
    response = auth_client.get(API, {"weeks": weeks})

    assert response.status_code == 400
    assert set(response.json()) == {"weeks"}


def test_an_empty_weeks_is_the_default(auth_client):
    response = auth_client.get(API, {"weeks": ""})

    assert response.status_code == 200
    assert len(response.json()["weekly"]) == WEEKS_DEFAULT


def test_an_anonymous_visitor_without_a_demo_journal_gets_zeros(api_client):
    response = api_client.get(API)

    assert response.status_code == 200
    assert response.json()["totals"]["dreams"] == 0
    assert "sessionid" not in response.cookies  # reading makes no demo session


def test_a_demo_visitor_gets_the_insights_of_their_demo_journal(api_client):
    created = api_client.post(
        "/api/dreams", {"title": "Demo", "content": "Floating over a town."}, format="json"
    )
    assert created.status_code == 201
    session = SessionStore(session_key=api_client.cookies["sessionid"].value).load()
    DemoDreamFactory(session_key=session[DEMO_SESSION_FIELD], dreamt_on=timezone.localdate())
    DemoDreamFactory(dreamt_on=timezone.localdate())  # someone else's demo dream

    response = api_client.get(API)

    assert response.status_code == 200
    assert response.json()["totals"]["dreams"] == 2


def test_the_schema_documents_the_endpoint(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()

    operation = schema["paths"]["/api/insights"]["get"]
    assert [p["name"] for p in operation["parameters"]] == ["weeks"]
    assert {"200", "400"} <= set(operation["responses"])
    assert "recurring_symbols" in schema["components"]["schemas"]["Insights"]["properties"]


# --- The page and its charts ---------------------------------------------------------------------


HOSTILE = '<script>alert("x")</script>'


def test_charts_escape_what_users_wrote():
    svg = charts.bar_list(
        chart_id="c",
        title=f"Title {HOSTILE}",
        description=f"About {HOSTILE}",
        rows=[(HOSTILE, 3, "<b>family</b>")],
    )
    spark = charts.spark_columns(
        chart_id='x" onload="evil',
        title=HOSTILE,
        description=HOSTILE,
        name=HOSTILE,
        total=1,
        labels=["Jan"],
        values=[1],
        maximum=1,
    )

    for drawn in (svg, spark):
        assert "<script" not in drawn
        assert "&lt;script&gt;" in drawn
        assert 'onload="' not in drawn
    assert "<b>" not in svg


def test_the_page_escapes_emotions_and_symbols(client, user):
    dream(
        user,
        timezone.localdate(),
        analysis={"emotions": [HOSTILE], "symbols": [{"name": HOSTILE, "family": "<i>f</i>"}]},
    )
    client.force_login(user)

    page = client.get(PAGE).content.decode()

    assert "alert(" in page  # it is shown...
    assert HOSTILE not in page  # ...as text
    assert "<i>f</i>" not in page


def test_the_page_draws_every_chart_with_a_table_beside_it(client, user):
    today = timezone.localdate()
    for n in range(6):
        dream(
            user,
            today - timedelta(days=n),
            lucid=n % 2 == 0,
            analysis={"emotions": ["joy"], "symbols": [{"name": "sea", "family": "water"}]},
        )
    client.force_login(user)

    response = client.get(PAGE)

    assert response.status_code == 200
    page = response.content.decode()
    # Charts: weekly, rates, one small multiple per emotion and per symbol, recurring symbols
    svgs = re.findall(r'<svg class="chart [^"]*"[^>]*role="img"[^>]*>', page)
    assert len(svgs) == 5
    for svg in svgs:
        labelled = re.search(r'aria-labelledby="([^"]+)"', svg).group(1)
        assert f'id="{labelled}"' in page
    for caption in (
        "Dreams per week, newest first",
        "Lucid dreams and nightmares per week, newest first",
        "Emotions: dreams per month",
        "Symbols: dreams per month",
        "Recurring symbols, most frequent first",
    ):
        assert f">{caption}</caption>" in page
    assert "6 <span" in page  # six nights in a row
    assert 'href="/insights/" aria-current="page"' in page


def test_an_empty_journal_gets_a_friendly_page(client, user):
    client.force_login(user)

    page = client.get(PAGE).content.decode()

    assert 'data-testid="empty-insights"' in page
    assert '<svg class="chart' not in page


def test_an_anonymous_visitor_sees_the_empty_page(client):
    response = client.get(PAGE)

    assert response.status_code == 200
    assert b'data-testid="empty-insights"' in response.content


@pytest.mark.django_db(transaction=True)
def test_the_page_stays_up_while_the_database_is_unreachable(client):
    # Given a demo visitor with a journal (their identity lives in the signed session cookie)
    created = client.post(
        "/api/dreams", {"title": "Demo", "content": "A town."}, content_type="application/json"
    )
    assert created.status_code == 201

    with database_unreachable():
        response = client.get(PAGE)
        api = client.get(API)

    assert response.status_code == 200
    assert b"Your journal is out of reach for a moment." in response.content
    assert api.status_code == 503


@pytest.mark.parametrize("weeks", ["26", "nonsense", "999"])
def test_the_page_takes_a_window_and_falls_back_on_a_bad_one(client, user, weeks):
    dream(user, timezone.localdate())
    client.force_login(user)

    page = client.get(PAGE, {"weeks": weeks}).content.decode()

    shown = 26 if weeks == "26" else WEEKS_DEFAULT
    assert f'aria-current="page">{shown} weeks</a>' in page
    assert f"Dreams per week, last {shown} weeks" in page


def test_a_line_chart_breaks_where_a_week_has_no_dreams():
    svg = charts.line_chart(
        chart_id="rates",
        title="Rates",
        description="Rates",
        labels=["a", "b", "c", "d"],
        series=[charts.Series("Lucid", [0.5, None, 0.25, 1.0], "lucid")],
    )

    path = re.search(r'<path d="([^"]+)"', svg).group(1)
    assert path.count("M") == 2 and path.count("L") == 1
    assert svg.count("<circle") == 3


@pytest.mark.parametrize(
    ("value", "ceiling"), [(0, 1), (1, 1), (3, 5), (7, 10), (11, 20), (42, 50), (120, 200)]
)
def test_axes_end_on_a_round_number(value, ceiling):
    assert charts.nice_ceiling(value) == ceiling
