"""The gallery card's preview loop in real Chromium: hover on desktop, in view on a phone,
never on its own with reduced motion."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.support.browser import PHONE
from tests.support.factories import DreamFactory
from tests.videos.renditions.clips import write_clip
from videos.renditions.services import video_renditions_make

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WAIT_MS = 15_000
PLAYING = "v => v && !v.paused && v.currentTime > 0"


@pytest.fixture
def gallery_dream(renditions_on, store, tmp_path):
    asset = video_renditions_make(asset=store(write_clip(tmp_path / "c.mp4", seconds=3)))
    return DreamFactory(in_gallery=True, video_asset=asset, title="The glass tide")


def _phone(browser, live_server, **extra):
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, has_touch=True, is_mobile=True, **extra
    )
    context.set_default_timeout(WAIT_MS)
    return context


def test_a_mouse_plays_the_preview_loop_on_hover(visitors, gallery_dream):
    desk = visitors()
    desk.page.goto("/gallery/")
    card = desk.page.locator(".gallery-card", has_text="The glass tide")

    card.hover()

    expect(card.locator(".preview")).to_have_class(re.compile("is-playing"))
    video = card.locator("video")
    expect(video).to_have_attribute("src", re.compile(r"/preview\.mp4\?v="))
    expect(video).to_have_attribute("poster", re.compile(r"/thumbnail\.jpg"))
    assert video.evaluate("v => v.muted && v.loop")
    desk.page.wait_for_function(PLAYING, arg=video.element_handle(), timeout=WAIT_MS)


def test_a_phone_plays_it_in_view_unless_motion_is_reduced(browser, live_server, gallery_dream):
    phone = _phone(browser, live_server)
    page = phone.new_page()
    page.goto("/gallery/")
    card = page.locator(".gallery-card", has_text="The glass tide")
    card.scroll_into_view_if_needed()
    page.wait_for_function(PLAYING, arg=card.locator("video").element_handle(), timeout=WAIT_MS)
    phone.close()

    calm = _phone(browser, live_server, reduced_motion="reduce")
    page = calm.new_page()
    page.goto("/gallery/")
    card = page.locator(".gallery-card", has_text="The glass tide")
    card.scroll_into_view_if_needed()
    expect(card.locator(".preview-toggle")).to_be_visible()
    assert card.locator("video").count() == 0  # nothing started on its own
    card.locator(".preview-toggle").tap()  # the button still plays it
    page.wait_for_function(PLAYING, arg=card.locator("video").element_handle(), timeout=WAIT_MS)
    calm.close()
