"""The account pages in real Chromium, on a desktop (1280 px) and a phone (360 px).

A dreamer changes their email and password (another device of theirs is signed out),
revokes their API token and deletes their account; a dreamer who forgot their password
gets a link by email (Django's locmem outbox here; the SMTP path is tested in
``test_password_reset.py``) and sets a new one; a single-page app does the same through
``dreamVideoService.js``. Full-page screenshots land in ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from rest_framework.authtoken.models import Token

from tests.support.browser import PHONE
from tests.support.factories import DreamFactory

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

PASSWORD = "a quiet tide of stars"
NEW_PASSWORD = "the lighthouse hums at noon"
DESKTOP = {"width": 1280, "height": 860}
SIZES = pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
LINK = re.compile(r"https?://[^/\s]+(/account/password-reset/[^/\s]+/[^/\s]+/)")


def width_name(size: dict) -> str:
    return "phone" if size["width"] < 600 else "desktop"


def log_in(page, username: str, password: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/journal/$"))


def expect_no_horizontal_scroll(page) -> None:
    """Nothing is wider than the screen (a phone must not scroll sideways)."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the screen"


@SIZES
def test_a_dreamer_manages_and_deletes_their_account(visitors, size):
    # Given luna, with an API token and a dream, signed in on this device and another one
    user = get_user_model().objects.create_user("luna", email="luna@example.com", password=PASSWORD)
    token = Token.objects.create(user=user)
    DreamFactory(owner=user, title="The library under the sea")
    other_device = visitors(**size)
    log_in(other_device.page, "luna", PASSWORD)
    me = visitors(**size)
    page = me.page
    log_in(page, "luna", PASSWORD)
    shot = f"account-{width_name(size)}"

    # The header leads to the account page, which shows only the start of the token
    page.get_by_role("link", name="Account").click()
    expect(page).to_have_url(re.compile(r"/account/$"))
    expect(page.get_by_role("heading", name="luna", exact=True)).to_be_visible()
    expect(page.get_by_test_id("token-prefix")).to_contain_text(token.key[:6])
    expect(page.get_by_text(token.key)).to_have_count(0)
    expect_no_horizontal_scroll(page)
    me.screenshot(shot)

    # Change the email
    page.get_by_role("textbox", name="Email address").fill("luna@dreams.example")
    page.get_by_role("button", name="Save email").click()
    expect(page.get_by_text("Your email is now luna@dreams.example.")).to_be_visible()
    expect(page.get_by_role("textbox", name="Email address")).to_have_value("luna@dreams.example")

    # A wrong current password is said plainly, on its field
    page.get_by_label("Current password").fill("not my password")
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("That is not your password.")).to_be_visible()
    expect(page.get_by_label("Current password")).to_have_attribute("aria-invalid", "true")
    expect_no_horizontal_scroll(page)
    me.screenshot(f"{shot}-wrong-password")

    # The right one changes it: this device stays signed in, the other one is signed out
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Password changed.")).to_be_visible()
    page.reload()
    expect(page).to_have_url(re.compile(r"/account/#password$"))  # back where the form was
    expect(page.get_by_role("heading", name="luna", exact=True)).to_be_visible()
    other_device.page.goto("/account/")
    expect(other_device.page).to_have_url(re.compile(r"/login/\?next=/account/$"))

    # Revoke the API token
    page.get_by_role("button", name="Revoke token").click()
    expect(page.get_by_text("API token revoked")).to_be_visible()
    expect(page.get_by_test_id("no-token")).to_be_visible()
    assert not Token.objects.filter(user=user).exists()

    # Deleting asks for a confirmation and the password
    delete = page.get_by_test_id("account-delete")
    delete.get_by_label("Your password").fill(NEW_PASSWORD)
    delete.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("Tick this box to confirm.")).to_be_visible()
    delete = page.get_by_test_id("account-delete")
    delete.get_by_label("Your password").fill(PASSWORD)  # the old one
    delete.get_by_label("I understand").check()
    delete.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("That is not your password.")).to_be_visible()
    delete.scroll_into_view_if_needed()
    me.screenshot(f"{shot}-delete-refused")
    delete.get_by_label("Your password").fill(NEW_PASSWORD)
    delete.get_by_label("I understand").check()
    delete.get_by_role("button", name="Delete my account").click()

    # Then luna is home, signed out, and her account is gone
    expect(page).to_have_url(re.compile(r"/(#delete)?$"))
    expect(page.get_by_text("Your account, dreams and videos are deleted.")).to_be_visible()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    me.screenshot(f"{shot}-deleted")
    assert not get_user_model().objects.filter(username="luna").exists()
    page.goto("/account/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/account/$"))


@SIZES
def test_a_dreamer_who_forgot_their_password_gets_a_link_and_sets_a_new_one(
    visitors, size, settings
):
    # The live server's thread sends the mail as its request commits, into Django's
    # test outbox (the worker and SMTP are test_password_reset.py's subject).
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    get_user_model().objects.create_user("sol", email="sol@example.com", password=PASSWORD)
    me = visitors(**size)
    page = me.page
    shot = f"password-reset-{width_name(size)}"

    # From the log-in page, ask for a link
    page.goto("/login/")
    me.screenshot(f"login-{width_name(size)}")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", name="Forgot your password?")).to_be_visible()
    expect_no_horizontal_scroll(page)
    me.screenshot(shot)
    page.get_by_label("Email").fill("sol@example.com")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    me.screenshot(f"{shot}-sent")

    # The link is in the mail
    assert len(mail.outbox) == 1
    link = LINK.search(mail.outbox[0].body).group(1)

    # Follow the link; a mismatched confirmation is said plainly
    page.goto(link)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD + "!")
    page.get_by_role("button", name="Set my new password").click()
    expect(page.locator(".field-error")).to_be_visible()
    expect_no_horizontal_scroll(page)
    me.screenshot(f"{shot}-confirm")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set my new password").click()
    expect(page.get_by_role("heading", name="Your new password is set")).to_be_visible()
    me.screenshot(f"{shot}-complete")

    # Log in with it; the link is spent
    page.get_by_role("main").get_by_role("link", name="Log in").click()
    log_in(page, "sol", NEW_PASSWORD)
    page.goto(link)
    expect(page.get_by_role("heading", name="This link no longer works")).to_be_visible()


SPA_ACCOUNT = """
async ({ token, password, newPassword }) => {
  const { DreamVideoService, DreamVideoError } = await import("/static/js/dreamVideoService.js");
  const service = new DreamVideoService({ token });
  const failure = async (call) => {
    try {
      await call();
      return null;
    } catch (error) {
      return {
        isError: error instanceof DreamVideoError,
        status: error.status,
        fields: Object.keys(error.fields),
        message: error.message,
      };
    }
  };
  const out = {};
  out.account = await service.getAccount();
  out.email = (await service.updateAccount({ email: "app@example.com" })).email;
  out.badEmail = await failure(() => service.updateAccount({ email: "not an email" }));
  out.wrongPassword = await failure(() =>
    service.changePassword({ currentPassword: "not it", newPassword }),
  );
  out.changed = await service.changePassword({ currentPassword: password, newPassword });
  out.stillIn = (await service.getAccount()).username;
  out.revoked = await service.revokeToken();
  out.afterRevoke = await failure(() => service.getAccount());
  return out;
}
"""

SPA_DELETE = """
async ({ token, password }) => {
  const { DreamVideoService } = await import("/static/js/dreamVideoService.js");
  const service = new DreamVideoService({ token });
  const out = {};
  try {
    await service.deleteAccount({ password: "not it" });
  } catch (error) {
    out.wrong = { status: error.status, message: error.message };
  }
  out.deleted = await service.deleteAccount({ password });
  try {
    await service.getAccount();
  } catch (error) {
    out.after = error.status;
  }
  return out;
}
"""


def test_a_single_page_app_manages_the_account_with_a_token(visitors):
    app_user = get_user_model().objects.create_user("app", password=PASSWORD)
    token = Token.objects.create(user=app_user)
    leaving = get_user_model().objects.create_user("leaving", password=PASSWORD)
    leaving_token = Token.objects.create(user=leaving)
    spa = visitors()
    spa.page.goto("/gallery/")

    out = spa.page.evaluate(
        SPA_ACCOUNT, {"token": token.key, "password": PASSWORD, "newPassword": NEW_PASSWORD}
    )

    assert out["account"]["username"] == "app"
    assert out["account"]["token"]["prefix"] == token.key[:6]
    assert out["email"] == "app@example.com"
    assert out["badEmail"]["status"] == 400
    assert out["badEmail"]["fields"] == ["email"]
    assert out["wrongPassword"] == {
        "isError": True,
        "status": 400,
        "fields": ["current_password"],
        "message": "Current password: That is not your password.",
    }
    assert out["changed"] is None
    assert out["stillIn"] == "app"
    assert out["revoked"] is None
    assert out["afterRevoke"]["status"] == 401
    app_user.refresh_from_db()
    assert app_user.check_password(NEW_PASSWORD)

    gone = spa.page.evaluate(SPA_DELETE, {"token": leaving_token.key, "password": PASSWORD})

    assert gone["wrong"] == {"status": 400, "message": "Password: That is not your password."}
    assert gone["deleted"] is None
    assert gone["after"] == 401
    assert not get_user_model().objects.filter(username="leaving").exists()
