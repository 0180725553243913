"""The journal's finding aids as pages (Django's test client): the filter form and its chips,
suggestions, polite problems, "Load more" with the same filters, and the calendar page."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from common.owners import Owner
from dreams.journal_selectors import (
    dream_filter_choices,
    dream_tag_choices,
)
from dreams.views import PAGE_SIZE
from tests.support.factories import DreamFactory

pytestmark = pytest.mark.django_db

JOURNAL = reverse("journal")
CALENDAR = reverse("journal-calendar")


def page(client, url: str, params: dict | None = None) -> str:
    response = client.get(url, params or {})
    assert response.status_code == 200
    return response.content.decode()


def cards(html: str) -> list[str]:
    """Titles of the dream cards on the page, in order."""
    return [
        unescape(t) for t in re.findall(r'class="stretched" href="/dreams/[^"]+/">([^<]+)<', html)
    ]


def links(html: str, css_class: str) -> dict[str, str]:
    """``{accessible text: href}`` of the links with ``css_class``."""
    found = {}
    for match in re.finditer(
        rf'<a class="{css_class}[^"]*" href="([^"]*)"([^>]*)>(.*?)</a>', html, re.S
    ):
        href, attributes, text = match.groups()
        label = re.search(r'aria-label="([^"]+)"', attributes)
        name = label.group(1) if label else re.sub(r"<[^>]+>", "", text)
        found[unescape(" ".join(name.split()))] = unescape(href)
    return found


def query(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


# --- the journal's filters ----------------------------------------------------------------------


def test_every_active_filter_is_a_chip_that_removes_only_itself(signed_in, user):
    DreamFactory(owner=user, title="Lucid flight", lucid=True, tags=["flying"], clarity=4)
    params = {"q": "flight", "tag": "#Flying", "lucid": "1", "min_clarity": "3"}

    html = page(signed_in, JOURNAL, params)

    chips = links(html, "chip chip-filter")
    assert list(chips) == [
        "Remove filter “flight”",
        "Remove filter #flying",
        "Remove filter Lucid",
        "Remove filter Clarity 3+",
    ]
    assert query(chips["Remove filter Lucid"]) == {
        "q": "flight",
        "tag": "#Flying",
        "min_clarity": "3",
    }
    assert query(chips["Remove filter “flight”"]) == {
        "tag": "#Flying",
        "lucid": "1",
        "min_clarity": "3",
    }
    assert cards(html) == ["Lucid flight"]
    assert links(html, "clear-link")["Clear all"] == JOURNAL


def test_a_day_range_is_one_chip(signed_in, user):
    html = page(signed_in, JOURNAL, {"dreamt_from": "2026-03-04", "dreamt_to": "2026-03-04"})

    chips = links(html, "chip chip-filter")
    assert list(chips) == ["Remove filter On Wed 4 Mar 2026"]
    assert chips["Remove filter On Wed 4 Mar 2026"] == JOURNAL


def test_the_form_shows_the_filters_in_use(signed_in, user):
    html = page(
        signed_in,
        JOURNAL,
        {
            "emotion": "fear",
            "nightmare": "1",
            "min_sleep_quality": "2",
            "dreamt_from": "2026-01-02",
        },
    )

    assert 'name="emotion" type="text" value="fear"' in html
    assert re.search(r'name="nightmare" value="1"\s+checked', html)
    assert re.search(r'<option value="2"\s+selected>2 of 5</option>', html)
    assert 'name="dreamt_from" type="date" value="2026-01-02"' in html
    assert re.search(r'class="count-badge">4<', html)


def test_values_that_cannot_be_used_are_named_and_the_rest_still_apply(signed_in, user):
    DreamFactory(owner=user, title="Lucid flight", lucid=True)
    DreamFactory(owner=user, title="Plain night")

    html = page(signed_in, JOURNAL, {"lucid": "1", "min_clarity": "9", "dreamt_from": "soon"})

    assert "Some filters could not be used" in html
    assert "Clarity: Ensure this value is less than or equal to 5." in html
    assert "From: Date has wrong format." in html
    assert cards(html) == ["Lucid flight"]
    assert list(links(html, "chip chip-filter")) == ["Remove filter Lucid"]
    assert 'value="soon"' in html  # shown back to be corrected
    assert '<details class="filter-panel" data-filter-panel open>' in html


def test_a_backwards_range_is_named_and_left_out(signed_in, user):
    DreamFactory(owner=user, title="Any night")

    html = page(signed_in, JOURNAL, {"dreamt_from": "2026-03-09", "dreamt_to": "2026-03-01"})

    assert "To: Must not be before dreamt_from." in html
    assert cards(html) == ["Any night"]


def test_the_owners_tags_and_emotions_are_offered_most_used_first(signed_in, user):
    DreamFactory(owner=user, tags=["sea", "flying"], analysis={"emotions": ["joy", "fear"]})
    DreamFactory(owner=user, tags=["flying"], analysis={"emotions": ["Fear"]})
    DreamFactory(tags=["secret"], analysis={"emotions": ["envy"]})  # someone else's

    response = signed_in.get("/api/dreams/suggestions")

    assert response.status_code == 200
    assert response.json() == {"tags": ["flying", "sea"], "emotions": ["fear", "joy"]}
    assert response["Cache-Control"] == "private, no-cache"


def test_the_journal_page_leaves_suggestions_to_the_filter_panel(signed_in, user):
    # The first screen never pays for them: the page's datalists are filled on demand
    DreamFactory(owner=user, tags=["sea"], analysis={"emotions": ["joy"]})

    html = page(signed_in, JOURNAL)

    assert '<datalist id="tag-choices" data-suggestions="tags"></datalist>' in html
    assert '<datalist id="emotion-choices" data-suggestions="emotions"></datalist>' in html


def test_visitors_without_a_journal_get_no_suggestions(client):
    response = client.get("/api/dreams/suggestions")

    assert response.status_code == 200
    assert response.json() == {"tags": [], "emotions": []}


def test_suggestions_are_one_bounded_query_each(user, django_assert_num_queries):
    owner = Owner(user=user)
    for n in range(40):
        DreamFactory(owner=user, tags=[f"tag{n % 35}"], analysis={"emotions": [f"e{n}"]})

    with django_assert_num_queries(1):
        tags = dream_tag_choices(owner=owner)
    with django_assert_num_queries(1):
        both = dream_filter_choices(owner=owner, limit=5)

    assert len(tags) == 30 and tags[:5] == ["tag0", "tag1", "tag2", "tag3", "tag4"]
    assert both.tags == tags[:5] and len(both.emotions) == 5


def test_load_more_continues_with_the_same_filters_through_the_api(signed_in, user):
    # Given more lucid dreams than a page holds, and plain ones between them
    for n in range(PAGE_SIZE + 3):
        DreamFactory(owner=user, title=f"Lucid {n:02d}", lucid=True, tags=["night"])
        DreamFactory(owner=user, title=f"Plain {n:02d}", tags=["night"])

    # When the filtered journal is opened
    html = page(signed_in, JOURNAL, {"lucid": "1", "tag": "night", "min_clarity": ""})

    # Then "Load more" keeps the filters, and its cursor continues with the API
    more = unescape(re.search(r'href="([^"]+)" data-load-more', html).group(1))
    params = query(more)
    assert {k: v for k, v in params.items() if k != "cursor"} == {"lucid": "1", "tag": "night"}
    rest = signed_in.get("/api/dreams", params).json()
    assert [d["title"] for d in rest["results"]] == ["Lucid 02", "Lucid 01", "Lucid 00"]
    assert cards(html)[-1] == "Lucid 03"


def test_cards_show_the_night_and_its_flags(signed_in, user):
    today = timezone.localdate()
    DreamFactory(owner=user, title="Old", dreamt_on=date(2019, 12, 3), nightmare=True)
    DreamFactory(owner=user, title="New", dreamt_on=today, lucid=True, recurring=True)

    html = page(signed_in, JOURNAL)

    assert f'datetime="{today:%Y-%m-%d}"' in html
    assert f">{today.strftime('%a')} {today.day} {today.strftime('%b')}</time>" in html
    assert ">Tue 3 Dec 2019</time>" in html
    assert 'class="pill pill-flag pill-lucid">Lucid</span>' in html
    assert 'class="pill pill-flag pill-recurring">Recurring</span>' in html
    assert 'class="pill pill-flag pill-nightmare">Nightmare</span>' in html


def test_the_calendar_link_opens_the_month_of_the_days_in_view(signed_in, user):
    html = page(
        signed_in, JOURNAL, {"dreamt_from": "2025-11-05", "dreamt_to": "2025-11-05", "lucid": "1"}
    )

    link = unescape(re.search(r'href="([^"]+)" data-testid="calendar-link"', html).group(1))
    assert link.startswith(CALENDAR)
    assert query(link) == {"lucid": "1", "month": "2025-11"}


# --- the calendar page ------------------------------------------------------------------------


def test_the_calendar_marks_days_with_dreams_and_links_each_to_its_dreams(signed_in, user):
    DreamFactory(owner=user, title="Stairs", dreamt_on=date(2026, 3, 4), lucid=True)
    DreamFactory(owner=user, title="Teeth", dreamt_on=date(2026, 3, 4), nightmare=True)
    DreamFactory(owner=user, title="April", dreamt_on=date(2026, 4, 1))

    html = page(signed_in, CALENDAR, {"month": "2026-03"})

    assert "<h1>March 2026</h1>" in html
    assert "2 dreams on 1 day." in html
    day = links(html, "cal-count")
    assert list(day) == ["2 dreams on Wednesday 4 March"]
    assert query(day["2 dreams on Wednesday 4 March"]) == {
        "dreamt_from": "2026-03-04",
        "dreamt_to": "2026-03-04",
    }
    assert '<span class="visually-hidden">1 lucid</span>' in html
    assert '<span class="visually-hidden">1 nightmare</span>' in html
    assert "April" not in re.sub(r"<nav.*?</nav>", "", html, flags=re.S)
    # Monday first: 1 March 2026 is a Sunday, so the grid opens on Monday 23 February
    first_cell = re.search(r'<td class="cal-cell[^"]*".*?datetime="([^"]+)"', html, re.S).group(1)
    assert first_cell == "2026-02-23"
    # The phone list has the same day
    phone_day = links(html, "cal-list-date")
    assert [query(href) for href in phone_day.values()] == [
        {"dreamt_from": "2026-03-04", "dreamt_to": "2026-03-04"}
    ]


def test_the_calendar_highlights_today_and_steps_between_months(signed_in, user):
    today = timezone.localdate()

    html = page(signed_in, CALENDAR)

    assert re.search(
        rf'aria-current="date">\s*<span class="cal-date"><time datetime="{today:%Y-%m-%d}"', html
    )
    previous = re.search(r'href="([^"]+)" rel="prev"', html).group(1)
    following = re.search(r'href="([^"]+)" rel="next"', html).group(1)
    last_month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    assert query(unescape(previous)) == {"month": last_month}
    assert "month" in query(unescape(following))
    assert "This month" not in html


def test_the_calendar_keeps_its_filters_in_every_link(signed_in, user):
    DreamFactory(owner=user, title="Lucid", dreamt_on=date(2026, 3, 4), lucid=True)
    DreamFactory(owner=user, title="Plain", dreamt_on=date(2026, 3, 5))

    html = page(signed_in, CALENDAR, {"month": "2026-03", "lucid": "true"})

    assert list(links(html, "cal-count")) == ["1 dream on Wednesday 4 March"]
    assert query(links(html, "cal-count")["1 dream on Wednesday 4 March"])["lucid"] == "true"
    assert query(unescape(re.search(r'href="([^"]+)" rel="next"', html).group(1))) == {
        "lucid": "true",
        "month": "2026-04",
    }
    chip = links(html, "chip chip-filter")["Remove filter Lucid"]
    assert query(chip) == {"month": "2026-03"}
    assert "1 dream on 1 day matching the filters." in html


def test_a_month_that_cannot_be_shown_is_named_and_this_month_shown(signed_in, user):
    html = page(signed_in, CALENDAR, {"month": "1850-02"})

    assert "Month: Must be between 1900-01 and" in html
    assert f"<h1>{timezone.localdate():%B %Y}</h1>" in html


def test_an_empty_month_says_so(signed_in):
    html = page(signed_in, CALENDAR, {"month": "2001-09"})

    assert "No dreams in September 2001." in html


def test_an_anonymous_visitor_gets_an_empty_calendar(client):
    html = page(client, CALENDAR, {"month": "2026-03"})

    assert "Demo mode" in html and "No dreams in March 2026." in html
