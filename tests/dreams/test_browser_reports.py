"""Reports in real Chromium, on a desktop and a 360 px phone: a visitor reports a public
dream through its dialog, the report waits in the admin, enough reports take the dream out
of the gallery, and a moderator's dismissal brings it back. The admin's pages fit a phone.
Screenshots land in ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from dreams.models import DreamReport, ModerationDecision, ReportStatus, StorageTier
from tests.support.browser import PHONE
from tests.support.factories import PASSWORD, DreamFactory, UserFactory

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

DESKTOP = {"width": 1280, "height": 860}
TITLE = "The orchard under the ice"


def no_page_scroll(page) -> bool:
    """The page itself never scrolls sideways (a table may, inside its own box)."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def admin_login(page, username: str) -> None:
    page.goto("/admin/")
    expect(page.locator("#site-name")).to_have_text("DreamJourney moderation")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="What waits for you")).to_be_visible()


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_report_hide_and_dismiss(visitors, settings, size):
    settings.REPORTS_HIDE_THRESHOLD = 2
    dream = DreamFactory(in_gallery=True, title=TITLE)
    DreamFactory(in_gallery=True, title="A calm harbour")
    earlier = APIClient(REMOTE_ADDR="192.0.2.77").post(
        f"/api/dreams/{dream.pk}/report", {"reason": "spam"}, format="json"
    )
    assert earlier.status_code == 201
    UserFactory(username="mod", is_staff=True, is_superuser=True)
    name = "desktop" if size is DESKTOP else "phone"

    # A visitor reports the dream from its page.
    visitor = visitors(**size)
    page = visitor.page
    page.goto(f"/dreams/{dream.pk}/")
    page.get_by_role("button", name="Report this dream").click()
    dialog = page.get_by_role("dialog", name="Report this dream")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Send report").click()
    expect(dialog.get_by_text("Choose a reason.")).to_be_visible()  # nothing sent yet
    dialog.get_by_label("Personal information").check()
    expect(dialog.get_by_text("Choose a reason.")).to_be_hidden()
    dialog.get_by_label("Anything the moderator should know?").fill("It names my neighbour.")
    visitor.screenshot(f"report-dialog-{name}")
    dialog.get_by_role("button", name="Send report").click()
    expect(dialog.get_by_text("Thanks, a moderator will look at it.")).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    expect(page.get_by_role("button", name="Reported")).to_be_disabled()
    stored = DreamReport.objects.get(dream=dream, reason="personal_info")
    assert stored.text == "It names my neighbour."

    # The second open report reached the threshold: the dream left the gallery.
    page.goto("/gallery/")
    expect(page.get_by_text("A calm harbour")).to_be_visible()
    expect(page.get_by_text(TITLE)).to_have_count(0)

    # A moderator finds the reports waiting, and dismisses them.
    moderator = visitors(**size)
    admin = moderator.page
    admin_login(admin, "mod")
    waiting = admin.locator("[data-testid=waiting] a", has_text="Open reports")
    expect(waiting.locator(".count")).to_have_text("2")
    moderator.screenshot(f"admin-index-{name}")
    assert no_page_scroll(admin)
    waiting.click()
    expect(admin.get_by_role("link", name=TITLE).first).to_be_visible()
    expect(admin.get_by_role("cell", name="Personal information", exact=True)).to_be_visible()
    moderator.screenshot(f"admin-reports-{name}")
    admin.locator("tr", has_text="Personal information").locator("input.action-select").check()
    admin.select_option("select[name=action]", "dismiss_reports")
    admin.get_by_role("button", name="Run").click()
    expect(admin.get_by_text("Reports dismissed.")).to_be_visible()
    assert set(DreamReport.objects.values_list("status", flat=True)) == {ReportStatus.DISMISSED}

    # The dream is back in the gallery.
    page.goto("/gallery/")
    expect(page.get_by_text(TITLE)).to_be_visible()


def test_the_analytics_page_fits_a_phone(visitors):
    UserFactory(username="mod", is_staff=True, is_superuser=True)
    now = timezone.now()
    for days_ago in (0, 1, 5):
        DreamFactory(created_at=now - timedelta(days=days_ago))
        ModerationDecision.objects.create(
            dream_id=DreamFactory().pk,
            storage=StorageTier.DREAMS,
            decision="approved",
            requested_at=now - timedelta(days=days_ago, hours=3),
            decided_at=now - timedelta(days=days_ago),
        )

    phone = visitors(**PHONE)
    page = phone.page
    admin_login(page, "mod")
    page.get_by_role("link", name="Dreams and moderation").click()
    expect(page.get_by_role("heading", name="By day")).to_be_visible()
    table = page.locator("[data-testid=by-day]")
    expect(table.locator("tr.is-empty").first).to_contain_text("nothing")
    expect(table.locator("tbody tr").first).to_contain_text("3 h")
    phone.screenshot("admin-dream-stats-phone")
    assert no_page_scroll(page)
    # The table may be wider than the phone: it scrolls inside its own box.
    box = page.locator(".table-scroll")
    assert box.evaluate("el => el.clientWidth") <= PHONE["width"]
    # The video analytics, linked from here, fit too.
    page.get_by_role("link", name="Video generation analytics").click()
    expect(page.get_by_role("heading", name="By day")).to_be_visible()
    phone.screenshot("admin-video-stats-phone")
    assert no_page_scroll(page)
