"""Sharing and the small things, in real Chromium on desktop and at 360 px.

A visitor shares a gallery dream (the link is copied and "Link copied" shown, or the
browser's share sheet gets the link); the gallery's cards carry an excerpt and a mood
and narrow by mood; an edit says "Saved"; a video without a percentage yet has a moving
bar; a 300-character keyword gets its own message beside Keywords, and Emotions stays
level with it. Screenshots land in ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from tests.support.browser import PHONE
from tests.support.factories import DreamFactory, UserFactory
from videos.models import JobKind, JobStatus, VideoJob

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

SIZES = {"desktop": {}, "phone": PHONE}
# Chromium on Linux has no share sheet; these make each path certain whatever the build.
NO_SHARE_SHEET = "delete Navigator.prototype.share; delete navigator.share;"
SHARE_SHEET = """
window.__shared = [];
Object.defineProperty(Navigator.prototype, "share", {
  configurable: true,
  value: (data) => { window.__shared.push(data); return Promise.resolve(); },
});
"""


def sign_in(visitor, user, live_server) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    visitor.context.add_cookies(
        [{"name": cookie.key, "value": cookie.value, "url": live_server.url}]
    )


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_a_visitor_copies_a_gallery_dreams_link(size, visitors, live_server):
    dream = DreamFactory(in_gallery=True, title="The glass lighthouse")
    visitor = visitors(**SIZES[size])
    visitor.context.add_init_script(NO_SHARE_SHEET)
    visitor.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = visitor.page

    page.goto(f"/dreams/{dream.pk}/")
    button = page.get_by_role("button", name="Copy link")
    expect(button).to_be_visible()
    button.click()

    status = page.get_by_role("status").filter(has_text="Link copied")
    expect(status).to_be_visible()
    page_url = f"{live_server.url}/dreams/{dream.pk}/"
    assert page.evaluate("navigator.clipboard.readText()") == page_url
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    visitor.screenshot(f"share-copied-{size}")


def test_without_the_clipboard_api_the_link_is_still_copied(visitors, live_server):
    # Given a browser without navigator.clipboard (as on plain http), its own kept aside
    dream = DreamFactory(in_gallery=True)
    visitor = visitors(**PHONE)
    visitor.context.add_init_script(
        NO_SHARE_SHEET
        + """window.__clipboard = navigator.clipboard;
        Object.defineProperty(Navigator.prototype, "clipboard", { get: () => undefined });"""
    )
    visitor.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = visitor.page

    # When the visitor copies the link
    page.goto(f"/dreams/{dream.pk}/")
    page.get_by_role("button", name="Copy link").click()

    # Then the older copy command put it on the clipboard
    expect(page.get_by_role("status").filter(has_text="Link copied")).to_be_visible()
    assert page.evaluate("window.__clipboard.readText()") == f"{live_server.url}/dreams/{dream.pk}/"


def test_where_the_browser_has_a_share_sheet_the_link_goes_to_it(visitors, live_server):
    dream = DreamFactory(in_gallery=True, title="Owls at the opera")
    visitor = visitors(**PHONE)
    visitor.context.add_init_script(SHARE_SHEET)
    page = visitor.page

    page.goto(f"/dreams/{dream.pk}/")
    page.get_by_role("button", name="Share").click()

    page.wait_for_function("window.__shared.length === 1")
    shared = page.evaluate("window.__shared[0]")
    assert shared == {"title": "Owls at the opera", "url": f"{live_server.url}/dreams/{dream.pk}/"}


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_gallery_cards_show_excerpt_and_mood_and_narrow_by_mood(size, visitors):
    for n in range(13):  # one more than a page: "Load more" builds a card in the browser
        DreamFactory(
            in_gallery=True,
            title=f"Calm sea {n}",
            content=f"Night {n}: the sea was calm and the stars hummed softly " * 4,
            analysis={"emotions": ["calm"], "keywords": ["sea"], "mood": "serene"},
        )
    DreamFactory(
        in_gallery=True,
        title="The chase",
        analysis={"emotions": ["fear"], "keywords": ["corridor"], "mood": "frightened"},
    )
    visitor = visitors(**SIZES[size])
    page = visitor.page

    page.goto("/gallery/")
    page.get_by_role("link", name=re.compile(r"^serene\W+13 dreams$")).click()

    page.wait_for_url(re.compile(r"\?mood=serene$"))
    cards = page.locator(".gallery-card").filter(has=page.locator("a.stretched[href^='/dreams/']"))
    expect(cards).to_have_count(12)
    expect(page.get_by_role("link", name="The chase")).to_have_count(0)
    expect(cards.first.locator(".mood")).to_have_text("serene")
    expect(cards.first.locator(".card-excerpt")).to_contain_text("Night 12: the sea was calm")
    page.get_by_role("link", name="Load more").click()
    expect(cards).to_have_count(13)
    last = cards.last
    expect(last.locator(".card-excerpt")).to_have_text(re.compile(r"^Night 0: the sea .*…$"))
    expect(last.locator(".mood")).to_have_text("serene")
    if size == "phone":
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    visitor.screenshot(f"gallery-filtered-{size}")


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_an_edit_says_saved(size, visitors, live_server):
    user = UserFactory(username=f"saver-{size}")
    dream = DreamFactory(owner=user, title="Before")
    visitor = visitors(**SIZES[size])
    sign_in(visitor, user, live_server)
    page = visitor.page

    page.goto(f"/dreams/{dream.pk}/edit/")
    page.get_by_label("Title").fill("After")
    page.get_by_label("Make a new video on save").set_checked(False)
    page.get_by_role("button", name="Save changes").click()

    page.wait_for_url(re.compile(rf"/dreams/{dream.pk}/$"))
    expect(page.locator("#toasts[aria-live='polite']")).to_contain_text("Saved.")
    expect(page.get_by_role("heading", name="After")).to_be_visible()


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_a_video_without_a_percentage_has_a_moving_bar(size, visitors, live_server):
    user = UserFactory(username=f"waiter-{size}")
    dream = DreamFactory(owner=user, title="Waiting")
    job = VideoJob.objects.create(
        kind=JobKind.GENERATE,
        provider="runway",
        user=user,
        dream=dream,
        status=JobStatus.RUNNING,
        progress=0.0,
        prompt="A lighthouse",
    )
    visitor = visitors(**SIZES[size])
    sign_in(visitor, user, live_server)
    page = visitor.page

    page.goto(f"/dreams/{dream.pk}/")
    bar = page.get_by_role("progressbar")
    expect(bar).to_be_visible()
    expect(bar).to_have_class(re.compile(r"\bis-indeterminate\b"))
    assert bar.get_attribute("aria-valuenow") is None  # indeterminate for screen readers
    fill = bar.locator(".progress-fill")
    assert fill.evaluate("el => getComputedStyle(el).animationName") == "progress-sweep"
    visitor.screenshot(f"progress-indeterminate-{size}")
    # For a visitor who asks for less motion, it stands still (a soft full bar).
    page.emulate_media(reduced_motion="reduce")
    assert fill.evaluate("el => getComputedStyle(el).animationName") == "none"

    # When the provider starts giving a percentage, the bar shows it.
    VideoJob.objects.filter(pk=job.pk).update(progress=0.4)
    expect(bar).to_have_attribute("aria-valuenow", "40")
    expect(bar).not_to_have_class(re.compile(r"\bis-indeterminate\b"))


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_a_300_character_keyword_gets_its_message_and_emotions_stay_level(
    size, visitors, live_server
):
    user = UserFactory(username=f"keyworder-{size}")
    visitor = visitors(**SIZES[size])
    sign_in(visitor, user, live_server)
    page = visitor.page

    page.goto("/dreams/new/")
    page.get_by_label("Title").fill("The long word")
    page.get_by_label("The dream").fill("A word that never ended.")
    page.get_by_label("Generate a video").set_checked(False)
    page.get_by_label("Emotions").fill("wonder")
    page.get_by_label("Keywords").fill("sea, " + "w" * 300)
    page.get_by_role("button", name="Save dream").click()

    error = page.locator("#keywords-error")
    expect(error).to_have_text(
        "Each keyword is at most 50 characters; “wwwwwwwwwwwwwwwwwwww…” has 300."
    )
    expect(page.get_by_label("Keywords")).to_have_attribute("aria-invalid", "true")
    emotions = page.get_by_label("Emotions").bounding_box()
    keywords = page.get_by_label("Keywords").bounding_box()
    if size == "desktop":  # side by side: the same top and height
        assert abs(emotions["y"] - keywords["y"]) < 1
        assert abs(emotions["height"] - keywords["height"]) < 1
    else:  # stacked on a phone: Emotions keeps its own height
        assert abs(emotions["height"] - keywords["height"]) < 1
    visitor.screenshot(f"keyword-too-long-{size}")
