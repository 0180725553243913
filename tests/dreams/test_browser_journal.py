"""Finding dreams in real Chromium, on desktop and at 360 px: search and filters narrow the
journal and live in the URL (a reload keeps them), chips remove one filter, "Load more"
keeps the filters, the calendar is a month grid on desktop and a list of days on a phone,
and a day opens its dreams. Screenshots land in ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from tests.support.browser import PHONE
from tests.support.factories import DreamFactory, UserFactory

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

TITLES = [
    "The glass lift",
    "Whales above the city",
    "A door at the bottom of the ocean",
    "My father's garden in winter",
    "Teeth made of glass",
    "The train that never stopped",
    "Snow falling in the kitchen",
    "Dancing on the dark side of the moon",
    "A library of breathing books",
    "The exam I never studied for",
    "Flying over the harbour",
    "A house with one more room",
    "The lighthouse keeper's cat",
    "Running through warm rain",
    "An orchard of paper lanterns",
    "The bridge made of piano keys",
    "Swimming with my grandmother",
    "A staircase into the sea",
    "The red balloon returns",
    "Lost in an airport at night",
    "Glass orchard at dawn",
    "The owl who knew my name",
    "A circus in the attic",
    "Walking on the ceiling",
    "The clock with no hands",
    "A letter from myself",
    "Moonlit fox in the snow",
    "The city under the lake",
]
EMOTIONS = ["wonder", "fear", "calm", "joy", "sadness", "anxiety", "love"]


def sign_in(visitor, user, live_server) -> None:
    """The browser carries ``user``'s session (a signed-in cookie, as logging in leaves)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    visitor.context.add_cookies(
        [{"name": cookie.key, "value": cookie.value, "url": live_server.url}]
    )


def last_month() -> date:
    return (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)


def fill_journal(user) -> None:
    """28 dreams over last month (every other one lucid), and one dreamt last night."""
    start = last_month()
    for n, title in enumerate(TITLES):
        DreamFactory(
            owner=user,
            title=title,
            content=f"{title}. I remember the light most of all, and a quiet feeling after.",
            dreamt_on=start + timedelta(days=(n * 11) % 27),
            lucid=n % 2 == 0,
            nightmare=n % 5 == 1,
            recurring=n % 4 == 2,
            clarity=n % 5 + 1,
            tags=["sea"] if n % 3 == 0 else ["family"],
            analysis={"emotions": [EMOTIONS[n % len(EMOTIONS)]], "keywords": []},
        )
    DreamFactory(
        owner=user,
        title="Last night: the glass staircase",
        content="A staircase of glass that rang like bells.",
        dreamt_on=timezone.localdate(),
        recurring=True,
        tags=["glass"],
        analysis={"emotions": ["wonder"], "keywords": []},
    )


def params(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query, keep_blank_values=True)


def card_titles(page) -> list[str]:
    return page.locator("#dream-list .dream-card .card-title").all_inner_texts()


@pytest.fixture
def dreamer(db):
    user = UserFactory(username="selene")
    fill_journal(user)
    return user


def test_search_and_filters_narrow_the_journal_and_live_in_the_url(visitors, dreamer, live_server):
    me = visitors()
    sign_in(me, dreamer, live_server)
    page = me.page
    page.goto("/journal/")
    expect(page.locator("#dream-list .dream-card")).to_have_count(12)
    me.screenshot("journal-desktop")

    # A search narrows the list; the URL holds it, without the empty filters
    page.get_by_role("searchbox", name="Search your dreams").fill("glass")
    page.get_by_role("searchbox", name="Search your dreams").press("Enter")
    page.wait_for_url(re.compile(r"\?q=glass$"))
    expect(page.locator("#dream-list .dream-card")).to_have_count(4)
    assert set(card_titles(page)) == {
        "Last night: the glass staircase",
        "The glass lift",
        "Teeth made of glass",
        "Glass orchard at dawn",
    }

    # Filters from the panel combine with it; opening it brings the owner's own words
    page.locator("summary.filter-summary").click()
    expect(page.locator("#tag-choices option")).to_have_count(3)
    assert page.locator("#tag-choices option").first.get_attribute("value") == "family"
    expect(page.locator("#emotion-choices option")).to_have_count(len(EMOTIONS))
    page.get_by_label("Lucid", exact=True).check()
    page.get_by_label("Clarity, at least").select_option("2")
    me.screenshot("journal-desktop-filter-panel")
    page.get_by_role("button", name="Show dreams").click()
    page.wait_for_url(re.compile(r"min_clarity=2"))
    assert params(page) == {"q": ["glass"], "lucid": ["1"], "min_clarity": ["2"]}
    expect(page.locator("#dream-list .dream-card")).to_have_count(1)
    assert card_titles(page) == ["Teeth made of glass"]

    # A reload (or the bookmark) shows the same
    page.reload()
    expect(page.get_by_role("searchbox", name="Search your dreams")).to_have_value("glass")
    assert card_titles(page) == ["Teeth made of glass"]
    chips = page.get_by_role("list", name="Filters in use").get_by_role("link")
    expect(chips).to_have_count(3)
    me.screenshot("journal-desktop-filtered")

    # A chip removes its own filter only
    page.get_by_role("link", name="Remove filter “glass”").click()
    page.wait_for_url(re.compile(r"/journal/\?lucid=1&min_clarity=2$"))
    expect(page.get_by_role("searchbox", name="Search your dreams")).to_have_value("")
    expect(chips).to_have_count(2)
    titles = card_titles(page)
    assert titles and "The glass lift" not in titles  # clarity 1
    expect(page.locator("#dream-list .dream-card")).to_have_count(
        page.locator("#dream-list .dream-card .pill-lucid").count()
    )

    # "Clear all" shows every dream again
    page.get_by_role("link", name="Clear all").first.click()
    page.wait_for_url(re.compile(r"/journal/$"))
    expect(page.locator("#dream-list .dream-card")).to_have_count(12)


def test_load_more_keeps_the_filters(visitors, dreamer, live_server):
    me = visitors()
    sign_in(me, dreamer, live_server)
    page = me.page

    # Given the lucid dreams (14 of them: more than a page)
    page.goto("/journal/?lucid=1&tag=")
    expect(page.locator("#dream-list .dream-card")).to_have_count(12)

    # When more are loaded
    page.get_by_role("link", name="Load more dreams").click()

    # Then the rest of the lucid dreams come, and only they, each once, with their night
    expect(page.locator("#dream-list .dream-card")).to_have_count(14)
    expect(page.get_by_role("link", name="Load more dreams")).to_have_count(0)
    expect(page.locator("#dream-list .dream-card .pill-lucid")).to_have_count(14)
    titles = card_titles(page)
    assert len(set(titles)) == 14
    assert set(titles) == set(TITLES[::2])
    loaded_date = page.locator("#dream-list .dream-card").nth(13).locator("time.card-date")
    day_label = r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2}( \d{4})?"
    assert re.fullmatch(day_label, loaded_date.inner_text())


def test_the_calendar_is_a_month_grid_and_a_day_opens_its_dreams(visitors, dreamer, live_server):
    me = visitors()
    sign_in(me, dreamer, live_server)
    page = me.page
    page.goto("/journal/")

    # The journal's header leads to the calendar: this month, today marked
    page.get_by_role("navigation", name="Journal view").get_by_role("link", name="Calendar").click()
    page.wait_for_url(re.compile(r"/journal/calendar/"))
    grid = page.get_by_test_id("calendar-grid")
    expect(grid).to_be_visible()
    expect(page.get_by_test_id("calendar-list")).to_be_hidden()
    expect(grid.locator('td[aria-current="date"]')).to_have_count(1)

    # Last month holds the 28 dreams, with their flags
    page.get_by_role("link", name=re.compile(r"^Previous month")).click()
    month = last_month()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{month:%B %Y}")
    expect(page.get_by_test_id("calendar-summary")).to_contain_text("28 dreams on")
    expect(grid.locator(".cal-flag-lucid").first).to_be_visible()
    me.screenshot("calendar-desktop")

    # The same month through the page's API client, filtered
    body = page.evaluate(
        """async (month) => {
          const { dreamVideoService } = await import("/static/js/dreamVideoService.js");
          return dreamVideoService.calendar({ month, lucid: true });
        }""",
        f"{month:%Y-%m}",
    )
    assert body["month"] == f"{month:%Y-%m}"
    assert sum(day["count"] for day in body["days"]) == 14
    assert sum(day["lucid"] for day in body["days"]) == 14

    # A day opens the journal filtered to it
    first_day = grid.locator(".cal-count").first
    day_link = first_day.get_attribute("href")
    expected = int(first_day.inner_text().split()[0])
    first_day.click()
    page.wait_for_url(re.compile(r"/journal/\?dreamt_from=.*&dreamt_to="))
    day = params(page)["dreamt_from"][0]
    assert params(page) == {"dreamt_from": [day], "dreamt_to": [day]}
    assert day_link.endswith(f"dreamt_from={day}&dreamt_to={day}")
    expect(page.locator("#dream-list .dream-card")).to_have_count(expected)
    expect(page.get_by_role("link", name=re.compile(r"^Remove filter On "))).to_be_visible()
    expect(page.locator(f'#dream-list time.card-date[datetime="{day}"]')).to_have_count(expected)


def test_on_a_phone_filters_fold_away_and_the_calendar_is_a_list(visitors, dreamer, live_server):
    phone = visitors(**PHONE)
    sign_in(phone, dreamer, live_server)
    page = phone.page

    # The filter panel is folded until asked for
    page.goto("/journal/")
    emotion = page.get_by_label("Emotion", exact=True)
    expect(emotion).to_be_hidden()
    phone.screenshot("journal-phone")
    page.locator("summary.filter-summary").click()
    expect(emotion).to_be_visible()
    emotion.fill("fear")
    page.get_by_label("Nightmares", exact=True).check()
    phone.screenshot("journal-phone-filter-panel")
    page.get_by_role("button", name="Show dreams").click()
    page.wait_for_url(re.compile(r"\?emotion=fear&nightmare=1$"))
    expect(page.get_by_role("list", name="Filters in use").get_by_role("link")).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    phone.screenshot("journal-phone-filtered")

    # The calendar is a list of the days with dreams, no grid
    page.goto(f"/journal/calendar/?month={last_month():%Y-%m}")
    days = page.get_by_test_id("calendar-list").locator("li.cal-list-day")
    expect(page.get_by_test_id("calendar-grid")).to_be_hidden()
    expect(days.first).to_be_visible()
    assert days.count() >= 10
    phone.screenshot("calendar-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # A day opens its dreams
    first = days.first
    count = int(re.search(r"(\d+) dreams?", first.locator(".cal-list-count").inner_text()).group(1))
    first.locator("a.cal-list-date").click()
    page.wait_for_url(re.compile(r"/journal/\?dreamt_from="))
    expect(page.locator("#dream-list .dream-card")).to_have_count(count)
