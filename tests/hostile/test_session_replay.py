"""A saved session cookie replayed after the session ended, over HTTP.

Sessions are signed cookies (they work through a database outage), but logging out, or
a password change, ends them on the server: a copy of the cookie taken before opens
nothing, in this process or another, and after the cache is lost too.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.hostile.signin_support import Browser, replay
from tests.support.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "a brand new passphrase 99"


@pytest.fixture
def luna():
    return UserFactory(username="luna")


def signed_in_browser(base: str, username: str, password: str = PASSWORD) -> Browser:
    browser = Browser(base)
    response = browser.log_in(username, password)
    assert response.status_code == 302, response.text
    assert browser.signed_in_as(username)
    return browser


def test_a_cookie_saved_before_logout_opens_nothing_after_it(live_server, luna):
    # Given luna signed in, with a private dream
    browser = signed_in_browser(live_server.url, "luna")
    created = browser.post_json("/api/dreams", {"title": "Private tide", "content": "Only mine."})
    assert created.status_code == 201, created.text
    # And someone who copied her session cookie
    stolen = browser.session_cookie

    # When she logs out
    assert browser.log_out().status_code == 302

    # Then the copied cookie signs nobody in, on the pages or the API
    thief = replay(live_server.url, stolen)
    assert not thief.signed_in_as("luna")
    assert thief.get("/api/dreams").json()["results"] == []
    assert thief.get(f"/api/dreams/{created.json()['id']}").status_code == 404
    # And the server tells the browser to drop it
    dropped = replay(live_server.url, stolen).get("/journal/")
    assert 'sessionid=""' in dropped.headers.get("Set-Cookie", "")


def test_the_end_of_a_session_outlives_the_cache(live_server, luna):
    browser = signed_in_browser(live_server.url, "luna")
    stolen = browser.session_cookie
    browser.log_out()

    cache.clear()  # a restarted cache (or another process that never heard of it)

    assert not replay(live_server.url, stolen).signed_in_as("luna")


def test_a_password_change_ends_other_sessions(live_server, luna):
    # Given luna signed in on two devices
    laptop = signed_in_browser(live_server.url, "luna")
    phone_cookie = signed_in_browser(live_server.url, "luna").session_cookie

    # When her password changes (an admin resets it, or she does elsewhere)
    luna.set_password(NEW_PASSWORD)
    luna.save()

    # Then every session made with the old one is anonymous
    assert not laptop.signed_in_as("luna")
    assert not replay(live_server.url, phone_cookie).signed_in_as("luna")
    # And the new password works
    assert signed_in_browser(live_server.url, "luna", NEW_PASSWORD)


def test_changing_the_password_in_the_admin_keeps_only_that_session(live_server):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    desk = Browser(live_server.url)
    assert (
        desk.post_form(
            "/admin/login/", {"username": "root", "password": PASSWORD, "next": "/admin/"}
        ).status_code
        == 302
    )
    before_change = desk.session_cookie
    other_device = Browser(live_server.url)
    other_device.post_form("/admin/login/", {"username": "root", "password": PASSWORD})
    assert other_device.get("/admin/").status_code == 200

    changed = desk.post_form(
        "/admin/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert changed.status_code == 302, changed.text
    assert desk.get("/admin/").status_code == 200  # the session that changed it stays
    assert other_device.get("/admin/").status_code == 302  # sent to log in
    assert replay(live_server.url, before_change).get("/admin/").status_code == 302


def test_logging_in_retires_the_anonymous_cookie(live_server, luna):
    # Given a visitor in demo mode (a session of their own), who then logs in
    browser = Browser(live_server.url)
    assert browser.post_json("/api/dreams", {"title": "Demo", "content": "Before."}).ok
    demo_cookie = browser.session_cookie
    browser.log_in("luna", PASSWORD)

    # Then the cookie from before the login opens neither the account nor the demo
    old = replay(live_server.url, demo_cookie)
    assert not old.signed_in_as("luna")
    assert old.get("/api/dreams").json()["results"] == []
    # While the new one does both: the demo dream is now luna's
    assert [d["title"] for d in browser.get("/api/dreams").json()["results"]] == ["Demo"]
