"""The editor's dream details and drafts in real Chromium, on desktop and at 360 px.

A dreamer backdates a dream, flags it, rates it (by mouse and by keyboard) and tags it;
the dream page shows all of it; an edit changes some and sends only those. A dream left
unsaved in a closed tab is offered back (restore or discard), never to another account
on the same browser, and saving it clears the draft. The API's refusals appear next to
their fields. Screenshots land in ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client

from dreams.models import Dream
from tests.support.browser import PHONE
from tests.support.factories import DreamFactory, UserFactory

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

DREAM_URL = re.compile(r"/dreams/[0-9a-f-]{36}/$")
DRAFTS = "Object.keys(localStorage).filter((key) => key.startsWith('dreamjourney:draft:'))"


# --- Steps -------------------------------------------------------------------------------


def sign_in(visitor, user, live_server) -> None:
    """The browser carries ``user``'s session (a signed-in cookie, as logging in leaves)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    visitor.context.clear_cookies()
    visitor.context.add_cookies(
        [{"name": cookie.key, "value": cookie.value, "url": live_server.url}]
    )


def new_tab(visitor):
    """Another page in the same browser context (same localStorage), its errors watched."""
    page = visitor.context.new_page()
    page.on("pageerror", lambda error: visitor.errors.append(str(error)))
    visitor.page = page
    return page


def drafts_kept(page) -> list[dict]:
    return page.evaluate(f"{DRAFTS}.map((key) => JSON.parse(localStorage.getItem(key)))")


def wait_for_draft(page, text: str) -> None:
    """The debounced draft is in localStorage with ``text`` in it."""
    page.wait_for_function(
        f"t => {DRAFTS}.some((key) => localStorage.getItem(key).includes(t))", arg=text
    )


def rating(page, name: str):
    return page.get_by_role("group", name=name)


def write_dream(
    page, *, title: str, content: str = "I walked through a house made of tides."
) -> None:
    page.get_by_label("Title").fill(title)
    page.get_by_label("The dream").fill(content)
    page.get_by_label("Generate a video").set_checked(False)


OVERFLOWING = """width => [...document.querySelectorAll("body *")]
    .filter((el) => el.getBoundingClientRect().right > width)
    .map((el) => `${el.tagName}.${el.className}`)"""


def assert_fits(page, width: int = 360) -> None:
    """Nothing sticks out sideways (the message names what does)."""
    fits = page.evaluate("document.documentElement.scrollWidth") <= width
    assert fits, page.evaluate(OVERFLOWING, width)


# --- Scenarios ---------------------------------------------------------------------------


def test_a_dreamer_backdates_flags_rates_and_tags_a_dream_then_changes_them(visitors, live_server):
    user = UserFactory(username="nox")
    DreamFactory(owner=user, tags=["flying", "school"])  # tags to suggest
    me = visitors()
    sign_in(me, user, live_server)
    page = me.page

    # Write a dream from three nights ago, lucid and recurring, rated and tagged.
    page.goto("/dreams/new/")
    write_dream(page, title="The house of tides")
    page.get_by_label("When").fill("2025-03-14")
    page.get_by_label("Lucid").check()
    page.get_by_label("Recurring").check()
    rating(page, "Clarity").get_by_title("4 of 5, clear").click()
    # Sleep quality by keyboard: into the group, arrows choose.
    rating(page, "Sleep quality").get_by_role("radio", name="Not rated").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(rating(page, "Sleep quality").get_by_role("radio", name="2 of 5")).to_be_checked()
    # The owner's tags are suggested after those already typed.
    page.get_by_label("Tags").fill("school, ")
    expect(page.locator("#tag-suggestions option")).to_have_attribute("value", "school, flying")
    page.get_by_label("Tags").fill("Flying, #Sea ,  the   Sea")
    me.screenshot("editor-details")
    page.get_by_role("button", name="Save dream").click()
    page.wait_for_url(DREAM_URL)

    # The dream page shows the night.
    expect(page.get_by_test_id("dreamt-on")).to_have_text("Friday 14 March 2025")
    flags = page.get_by_role("list", name="Kind of dream")
    expect(flags.get_by_role("listitem")).to_have_text(["Lucid", "Recurring"])
    night = page.get_by_role("region", name="The night")
    expect(night).to_contain_text("Clarity")
    expect(night).to_contain_text("4 of 5, clear")
    expect(night).to_contain_text("2 of 5, poor")
    expect(night.get_by_role("link")).to_have_text(["flying", "sea", "the sea"])
    me.screenshot("dream-page-details")
    dream = Dream.objects.get(title="The house of tides")
    assert dream.dreamt_on == date(2025, 3, 14)
    assert (dream.lucid, dream.nightmare, dream.recurring) == (True, False, True)
    assert (dream.clarity, dream.sleep_quality) == (4, 2)
    assert dream.tags == ["flying", "sea", "the sea"]

    phone = visitors(**PHONE)
    phone.context.add_cookies(me.context.cookies())
    phone.page.goto(page.url)
    expect(phone.page.get_by_role("region", name="The night")).to_contain_text("4 of 5")
    phone.screenshot("dream-page-details-phone-360")
    assert_fits(phone.page)

    # Edit: the form shows the stored details, tags in their normal form.
    page.get_by_role("link", name="Edit").click()
    expect(page.get_by_label("When")).to_have_value("2025-03-14")
    expect(page.get_by_label("Tags")).to_have_value("flying, sea, the sea")
    expect(page.get_by_label("Lucid")).to_be_checked()
    expect(rating(page, "Clarity").get_by_role("radio", name="4 of 5")).to_be_checked()
    page.get_by_label("Lucid").uncheck()
    page.get_by_label("Nightmare").check()
    rating(page, "Clarity").get_by_text("Not rated").click()
    page.get_by_label("Tags").fill("flying, the sea")
    with page.expect_request(lambda r: r.method == "PATCH") as patch:
        page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(DREAM_URL)

    # Only what changed was sent, and the page shows the night as it is now.
    sent = json.loads(patch.value.post_data)
    assert {"lucid", "nightmare", "clarity", "tags"} <= sent.keys()
    assert not {"dreamt_on", "recurring", "sleep_quality"} & sent.keys()
    assert sent["clarity"] is None
    expect(flags.get_by_role("listitem")).to_have_text(["Nightmare", "Recurring"])
    expect(night).not_to_contain_text("Clarity")
    expect(night.get_by_role("link")).to_have_text(["flying", "the sea"])
    dream.refresh_from_db()
    assert (dream.lucid, dream.nightmare, dream.clarity) == (False, True, None)
    assert dream.dreamt_on == date(2025, 3, 14) and dream.sleep_quality == 2


def test_an_unsaved_dream_is_offered_back_after_the_tab_closed_and_only_to_its_writer(
    visitors, live_server
):
    luna, sol = UserFactory(username="luna"), UserFactory(username="sol")
    me = visitors()
    sign_in(me, luna, live_server)
    page = me.page

    # Half a dream, then the tab closes without saving.
    page.goto("/dreams/new/")
    page.get_by_label("Title").fill("Half a dream")
    page.get_by_label("The dream").fill("A staircase that went on")
    page.get_by_label("Nightmare").check()
    rating(page, "Clarity").get_by_title("3 of 5, partly clear").click()
    wait_for_draft(page, "went on")
    page.close()

    # Another account on the same browser is not offered it.
    sign_in(me, sol, live_server)
    page = new_tab(me)
    page.goto("/dreams/new/")
    expect(page.get_by_label("Title")).to_have_value("")
    expect(page.get_by_role("button", name="Restore")).to_be_hidden()
    page.close()

    # Its writer is, and restores it.
    sign_in(me, luna, live_server)
    page = new_tab(me)
    page.goto("/dreams/new/")
    offer = page.locator("[data-draft-offer]")
    expect(offer).to_be_visible()
    expect(offer).to_contain_text("Restore your unsaved draft from today at")
    me.screenshot("editor-draft-offer")
    page.get_by_role("button", name="Restore").click()
    expect(offer).to_be_hidden()
    expect(page.get_by_label("Title")).to_have_value("Half a dream")
    expect(page.get_by_label("The dream")).to_have_value("A staircase that went on")
    expect(page.get_by_label("Nightmare")).to_be_checked()
    expect(rating(page, "Clarity").get_by_role("radio", name="3 of 5")).to_be_checked()

    # Saving it clears the draft.
    page.get_by_label("The dream").fill("A staircase that went on, and on.")
    page.get_by_label("Generate a video").set_checked(False)
    page.get_by_role("button", name="Save dream").click()
    page.wait_for_url(DREAM_URL)
    assert drafts_kept(page) == []
    assert Dream.objects.get(title="Half a dream").nightmare is True

    # A new draft, discarded: the editor is empty again and nothing is kept.
    page.goto("/dreams/new/")
    expect(offer).to_be_hidden()
    page.get_by_label("Title").fill("Not worth keeping")
    wait_for_draft(page, "Not worth keeping")
    page.close()
    page = new_tab(me)
    page.goto("/dreams/new/")
    page.get_by_role("button", name="Discard").click()
    expect(page.locator("[data-draft-offer]")).to_be_hidden()
    expect(page.get_by_label("Title")).to_have_value("")
    assert drafts_kept(page) == []

    # A dream's own edits are its own draft, not the new dream's.
    dream = Dream.objects.get(title="Half a dream")
    page.goto(f"/dreams/{dream.pk}/edit/")
    page.get_by_label("Title").fill("Half a dream, edited")
    wait_for_draft(page, "edited")
    page.goto("/dreams/new/")
    expect(page.locator("[data-draft-offer]")).to_be_hidden()
    page.goto(f"/dreams/{dream.pk}/edit/")
    page.get_by_role("button", name="Restore").click()
    expect(page.get_by_label("Title")).to_have_value("Half a dream, edited")

    # Signing out forgets every draft this browser kept (someone else may use it next).
    page.get_by_label("Title").fill("Half a dream, edited again")
    wait_for_draft(page, "edited again")
    page.goto("/account/")
    page.locator("form[data-logout]").first.evaluate("form => form.requestSubmit()")
    page.wait_for_url(f"{live_server.url}/")  # signed out, on the landing page
    assert drafts_kept(page) == []


def test_on_a_phone_the_apis_refusals_appear_next_to_their_fields(visitors):
    visitor = visitors(**PHONE)
    page = visitor.page

    page.goto("/dreams/new/")
    write_dream(page, title="Too many labels")
    page.get_by_label("Tags").fill(", ".join(f"tag {n}" for n in range(21)))
    page.get_by_label("When").fill("2999-01-01")
    page.get_by_role("button", name="Save dream").click()

    tags, tags_error = page.get_by_label("Tags"), page.locator("#tags-error")
    expect(tags_error).to_have_text("At most 20 tags.")
    expect(page.locator("#dreamt_on-error")).to_have_text("Cannot be more than a day ahead.")
    expect(page.get_by_label("When")).to_have_attribute("aria-invalid", "true")
    expect(tags).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("When")).to_be_focused()  # the first field in error
    # Each message sits under its own field, aligned with it.
    for field, error in [
        (tags, tags_error),
        (page.get_by_label("When"), page.locator("#dreamt_on-error")),
    ]:
        field_box, error_box = field.bounding_box(), error.bounding_box()
        assert error_box["y"] >= field_box["y"] + field_box["height"]
        assert abs(error_box["x"] - field_box["x"]) < 1
    assert_fits(page)
    visitor.screenshot("editor-errors-phone-360")

    # Put right, it saves (a demo dream: this visitor is not signed in).
    page.get_by_label("Tags").fill("tag 1, tag 2")
    expect(tags_error).to_be_hidden()
    page.get_by_label("When").fill("2025-01-05")
    page.get_by_role("button", name="Save dream").click()
    page.wait_for_url(DREAM_URL)
    expect(page.get_by_test_id("dreamt-on")).to_have_text("Sunday 5 January 2025")
    assert_fits(page)


def test_a_new_dream_starts_on_the_writers_own_today(browser, live_server):
    # Kiritimati is 14 hours ahead of UTC: most of the day its date is not the server's.
    zone = "Pacific/Kiritimati"
    context = browser.new_context(base_url=live_server.url, timezone_id=zone, **{"viewport": PHONE})
    errors: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto("/dreams/new/")

    expect(page.get_by_label("When")).to_have_value(datetime.now(ZoneInfo(zone)).date().isoformat())
    context.close()
    assert not errors


FULL_STORAGE = """
window.storageTries = 0;
Storage.prototype.setItem = function () {
  window.storageTries += 1;
  throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
};
"""
BLOCKED_STORAGE = """
window.storageTries = 0;
Object.defineProperty(window, "localStorage", {
  get() {
    window.storageTries += 1;
    throw new DOMException("Access is denied for this document.", "SecurityError");
  },
});
"""


@pytest.mark.parametrize("storage", [FULL_STORAGE, BLOCKED_STORAGE], ids=["full", "blocked"])
def test_the_editor_saves_dreams_where_the_browser_keeps_no_drafts(visitors, storage):
    visitor = visitors()
    page = visitor.page
    page.add_init_script(storage)

    page.goto("/dreams/new/")
    write_dream(page, title="Nowhere to keep it")
    page.wait_for_function("() => window.storageTries > 0")  # a draft was tried, and refused
    page.get_by_role("button", name="Save dream").click()

    page.wait_for_url(DREAM_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Nowhere to keep it")
