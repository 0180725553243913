"""The insights page in real Chromium, on a desktop (1280 px) and a phone (360 px).

A dreamer with a few months of dreams opens Insights from the header: every chart is an
image with a name and a table of its numbers beside it, a symbol that looks like a
script stays text, nothing scrolls sideways, and the weeks switch widens the weekly
charts; a single-page app gets the same numbers through ``dreamVideoService.js``. A demo
visitor with an empty journal is invited to write. Screenshots land in
``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from tests.support.browser import PHONE
from tests.support.factories import DreamFactory

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

PASSWORD = "a quiet tide of stars"
DESKTOP = {"width": 1280, "height": 860}
SIZES = pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
HOSTILE = "<img src=x onerror=alert(1)>"
ANALYSES = [
    {"emotions": ["fear", "wonder"], "symbols": [{"name": "sea", "family": "water"}]},
    {"emotions": ["calm"], "symbols": [{"name": "door", "family": "house and rooms"}]},
    {"emotions": ["joy", "wonder"], "symbols": [{"name": "sea", "family": "water"}]},
    {"emotions": ["anxiety"], "symbols": [{"name": HOSTILE, "family": "<b>"}]},
    {"emotions": ["sadness"], "symbols": [{"name": "staircase that never ends, going down"}]},
]


def a_few_months_of_dreams(user) -> None:
    today = timezone.localdate()
    for n in range(45):
        DreamFactory(
            owner=user,
            dreamt_on=today - timedelta(days=n * 3 if n > 4 else n),
            analysis=ANALYSES[n % len(ANALYSES)],
            lucid=n % 4 == 0,
            nightmare=n % 5 == 3,
            is_public=n % 6 == 0,
        )


def log_in(page, username: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/journal/$"))


def expect_no_horizontal_scroll(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the screen"


@SIZES
def test_a_dreamer_reads_their_insights(visitors, size):
    user = get_user_model().objects.create_user("luna", password=PASSWORD)
    a_few_months_of_dreams(user)
    me = visitors(**size)
    page = me.page
    alerts: list[str] = []
    page.on("dialog", lambda dialog: (alerts.append(dialog.message), dialog.dismiss()))
    log_in(page, "luna")
    name = "desktop" if size["width"] > 600 else "phone"

    # The header leads to Insights
    page.get_by_role("link", name="Insights").click()
    expect(page).to_have_url(re.compile(r"/insights/$"))
    expect(page.get_by_role("heading", name="Insights", level=1)).to_be_visible()
    expect(page.get_by_test_id("insight-stats")).to_contain_text("45")

    # Every chart is a named image with a table of the same numbers beside it
    for chart, table in [
        ("Dreams per week, last 12 weeks", "Dreams per week, newest first"),
        (
            "Share of each week's dreams that were lucid, and nightmares",
            "Lucid dreams and nightmares per week, newest first",
        ),
        ("Symbols that keep coming back", "Recurring symbols, most frequent first"),
    ]:
        expect(page.get_by_role("img", name=chart)).to_be_visible()
        expect(page.get_by_role("table", name=table)).to_be_visible()
    expect(page.get_by_role("img", name=re.compile(r"^wonder: \d+ dreams"))).to_be_visible()
    expect(page.get_by_role("table", name="Emotions: dreams per month")).to_be_visible()
    expect(page.get_by_role("table", name="Symbols: dreams per month")).to_be_visible()
    charts = page.locator("svg.chart[role=img]")
    assert charts.count() >= 8
    for index in range(charts.count()):
        box = charts.nth(index).bounding_box()
        assert box["width"] > 0 and box["x"] + box["width"] <= size["width"]

    # A symbol that looks like markup is shown as text, in the table and the chart
    symbols_table = page.get_by_role("table", name="Symbols: dreams per month")
    expect(symbols_table.get_by_role("link", name=HOSTILE)).to_be_visible()
    assert page.locator("img[src=x]").count() == 0
    assert alerts == []

    expect_no_horizontal_scroll(page)
    me.screenshot(f"insights-{name}")

    # A wider window for the weekly charts
    page.get_by_role("link", name="52 weeks").click()
    expect(page).to_have_url(re.compile(r"\?weeks=52$"))
    expect(page.get_by_role("img", name="Dreams per week, last 52 weeks")).to_be_visible()
    expect(page.get_by_role("link", name="52 weeks")).to_have_attribute("aria-current", "page")
    expect_no_horizontal_scroll(page)
    me.screenshot(f"insights-52-weeks-{name}")

    # A single-page app reads the same numbers through the shared client
    weekly, dreams = page.evaluate(
        """async () => {
            const { dreamVideoService } = await import("/static/js/dreamVideoService.js");
            const insights = await dreamVideoService.getInsights({ weeks: 4 });
            return [insights.weekly.length, insights.totals.dreams];
        }"""
    )
    assert (weekly, dreams) == (4, 45)


def test_a_demo_visitor_with_an_empty_journal_is_invited_to_write(visitors):
    me = visitors(**PHONE)
    page = me.page

    page.goto("/insights/")

    expect(page.get_by_test_id("empty-insights")).to_contain_text("Insights grow with your journal")
    page.get_by_role("link", name="Write a dream").click()
    expect(page).to_have_url(re.compile(r"/dreams/new/$"))
    page.go_back()
    expect_no_horizontal_scroll(page)
    # The header's links stay on one line on a phone
    header = page.locator(".site-header").bounding_box()
    assert header["height"] < 70, header
    me.screenshot("insights-empty-phone")
