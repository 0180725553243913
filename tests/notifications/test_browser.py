"""Notifications in real Chromium, on a desktop (1280 px) and a phone (360 px).

A dreamer's public dream is approved by a moderator (the moderation service, as the admin
calls it): the header's bell shows one unread; the notifications page lists it emphasised
and marks it read through ``dreamVideoService.js``, so the badge clears. On a phone a
visitor still finds "Sign up" and a labelled "+" in the header.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token

from dreams import moderation
from notifications.services import notification_create
from tests.support.browser import PHONE
from tests.support.factories import DreamFactory

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

PASSWORD = "a quiet tide of stars"
DESKTOP = {"width": 1280, "height": 860}
SIZES = pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])


def width_name(size: dict) -> str:
    return "phone" if size["width"] < 600 else "desktop"


def log_in(page, username: str, password: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/journal/$"))


def expect_no_horizontal_scroll(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the screen"


def expect_header_on_one_line(page) -> None:
    """Every link of the header's nav sits on the same row (nothing wrapped below)."""
    tops = page.evaluate(
        "[...document.querySelectorAll('.site-nav > a')]"
        ".filter((a) => a.offsetParent).map((a) => Math.round(a.getBoundingClientRect().top"
        " + a.getBoundingClientRect().height / 2))"
    )
    assert max(tops) - min(tops) <= 2, tops


@SIZES
def test_an_owner_hears_of_an_approval_and_the_badge_clears(visitors, size):
    # Given luna, signed in, with a public dream waiting for a moderator
    luna = get_user_model().objects.create_user("luna", password=PASSWORD)
    moderator = get_user_model().objects.create_user("mod", password=PASSWORD, is_staff=True)
    dream = DreamFactory(owner=luna, title="The lantern sea", is_public=True)
    me = visitors(**size)
    page = me.page
    log_in(page, "luna", PASSWORD)
    expect(page.get_by_role("link", name="Notifications", exact=True)).to_be_visible()
    shot = f"notifications-{width_name(size)}"

    # When a moderator approves it
    moderation.dream_approve(dream=dream, moderator=moderator)

    # Then her next page shows one unread notification on the bell
    page.reload()
    bell = page.get_by_role("link", name="Notifications, 1 unread")
    expect(bell).to_be_visible()
    expect(bell.locator("[data-unread-count]")).to_have_text("1")
    expect_header_on_one_line(page)
    me.screenshot(f"{shot}-badge")

    # When she opens the list
    bell.click()
    expect(page).to_have_url(re.compile(r"/notifications/$"))

    # Then the approval is there, emphasised as new, and the badge clears
    item = page.get_by_test_id("notification").first
    expect(item).to_contain_text("“The lantern sea” was approved")
    expect(item).to_have_class(re.compile(r"\bis-unread\b"))
    expect(page.get_by_role("link", name="Notifications", exact=True)).to_be_visible()
    expect(page.locator("[data-unread-count]")).to_be_hidden()
    expect(page.get_by_role("button", name="Mark all as read")).to_be_hidden()
    expect_no_horizontal_scroll(page)
    me.screenshot(shot)

    # and it stays read: the next page has no badge and nothing emphasised
    page.reload()
    expect(page.locator("[data-unread-count]")).to_be_hidden()
    expect(page.locator(".notification.is-unread")).to_have_count(0)

    # The notification leads to the dream
    page.get_by_test_id("notification").first.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/dreams/{dream.pk}/$"))


def test_a_visitor_on_a_phone_sees_sign_up_and_a_labelled_new_dream_button(visitors):
    visitor = visitors(**PHONE)
    page = visitor.page

    page.goto("/")

    header = page.locator(".site-header")
    expect(header.get_by_role("link", name="Sign up")).to_be_visible()
    expect(header.get_by_role("link", name="Log in")).to_be_visible()
    write = header.get_by_role("link", name="New dream")
    expect(write).to_be_visible()
    expect(write).to_have_attribute("title", "New dream")
    expect_header_on_one_line(page)
    expect_no_horizontal_scroll(page)
    visitor.screenshot("header-visitor-phone")
    write.click()
    expect(page).to_have_url(re.compile(r"/dreams/new/$"))


SPA_NOTIFICATIONS = """
async ({ token, othersId }) => {
  const { DreamVideoService } = await import("/static/js/dreamVideoService.js");
  const service = new DreamVideoService({ token });
  const out = {};
  const first = await service.listNotifications({ pageSize: 1 });
  out.firstTitles = first.results.map((n) => n.title);
  out.unread = first.unread_count;
  const second = await service.page(first.next);
  out.secondTitles = second.results.map((n) => n.title);
  out.marked = Boolean((await service.markNotificationRead(first.results[0].id)).read_at);
  out.afterOne = (await service.listNotifications()).unread_count;
  try {
    await service.markNotificationRead(othersId);
  } catch (error) {
    out.others = error.status;
  }
  out.all = await service.markAllNotificationsRead();
  out.settings = await service.getNotificationSettings();
  out.off = await service.updateNotificationSettings({ emailEnabled: false });
  return out;
}
"""


def test_a_single_page_app_reads_notifications_with_a_token(visitors):
    app_user = get_user_model().objects.create_user("app", email="app@example.com")
    other = get_user_model().objects.create_user("other")
    notification_create(recipient=app_user, kind="video_ready", title="Older")
    notification_create(recipient=app_user, kind="video_ready", title="Newer")
    others = notification_create(recipient=other, kind="video_ready", title="Not yours")
    spa = visitors()
    spa.page.goto("/gallery/")

    out = spa.page.evaluate(
        SPA_NOTIFICATIONS,
        {"token": Token.objects.create(user=app_user).key, "othersId": str(others.pk)},
    )

    assert out["firstTitles"] == ["Newer"] and out["secondTitles"] == ["Older"]
    assert out["unread"] == 2 and out["marked"] is True and out["afterOne"] == 1
    assert out["others"] == 404
    assert out["all"] == {"marked": 1, "unread_count": 0}
    assert out["settings"] == {"email_enabled": True, "email": "app@example.com"}
    assert out["off"]["email_enabled"] is False
