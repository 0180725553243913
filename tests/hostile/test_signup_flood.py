"""Mass sign-ups from one client, over HTTP: the sign-up page and ``/api/auth/register``
share one budget per client address (``SIGNUP_RATE``, 5 an hour); the next is a 429
that says when to come back. Only accounts actually made count."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.contrib.auth import get_user_model

from tests.hostile.signin_support import Browser

pytestmark = pytest.mark.django_db(transaction=True)

REGISTER = "/api/auth/register"
PASSWORD = "a quiet tide of stars"
REFUSED = "Too many new accounts from your address, try again in 60 minutes."


def register(base: str, username: str, *, xff: str | None = None, password: str = PASSWORD):
    headers = {"X-Forwarded-For": xff} if xff else {}
    return requests.post(
        base + REGISTER,
        json={"username": username, "password": password},
        headers=headers,
        timeout=15,
    )


def sign_up_on_the_page(base: str, username: str, *, xff: str | None = None):
    browser = Browser(base, xff=xff)  # a fresh browser: a signed-in one is sent to its journal
    return browser.post_form("/signup/", {"username": username, "email": "", "password": PASSWORD})


def accounts() -> int:
    return get_user_model().objects.count()


def test_the_api_makes_five_accounts_an_hour_per_address(live_server):
    # When one client registers again and again, with a new X-Forwarded-For each time
    made = [register(live_server.url, f"bot{n}", xff=f"198.51.100.{n}") for n in range(8)]

    # Then five accounts are made and the rest are refused with a clear 429
    assert [r.status_code for r in made] == [201] * 5 + [429] * 3
    assert made[5].json() == {"detail": REFUSED}
    assert 3500 <= int(made[5].headers["Retry-After"]) <= 3600
    assert accounts() == 5


def test_the_page_makes_five_accounts_an_hour_per_address(live_server):
    made = [sign_up_on_the_page(live_server.url, f"pagebot{n}") for n in range(7)]

    assert [r.status_code for r in made] == [302] * 5 + [429] * 2
    refused = made[5]
    assert REFUSED in refused.text
    assert "auth-card" in refused.text  # our styled page
    assert 3500 <= int(refused.headers["Retry-After"]) <= 3600
    assert "sessionid" not in refused.cookies  # nobody was signed in
    assert accounts() == 5


def test_the_page_and_the_api_share_one_budget(live_server):
    for n in range(3):
        assert sign_up_on_the_page(live_server.url, f"p{n}").status_code == 302
    for n in range(2):
        assert register(live_server.url, f"a{n}").status_code == 201

    assert register(live_server.url, "a-sixth").status_code == 429
    assert sign_up_on_the_page(live_server.url, "p-sixth").status_code == 429
    assert accounts() == 5


def test_refused_sign_ups_do_not_count(live_server):
    # Mistakes (a weak password, a taken name) make no account and cost nothing
    for n in range(6):
        assert register(live_server.url, f"weak{n}", password="password").status_code == 400

    made = [register(live_server.url, f"ok{n}").status_code for n in range(5)]

    assert made == [201] * 5
    assert register(live_server.url, "ok5").status_code == 429


def test_concurrent_sign_ups_cannot_slip_under_the_limit(live_server):
    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(lambda n: register(live_server.url, f"race{n}"), range(12)))

    codes = sorted(r.status_code for r in results)
    assert codes == [201] * 5 + [429] * 7
    assert accounts() == 5


def test_behind_a_trusted_proxy_each_client_has_its_own_budget(live_server, settings):
    settings.NUM_PROXIES = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}

    first = [register(live_server.url, f"c1-{n}", xff="203.0.113.1").status_code for n in range(6)]
    # A made-up address to the left of the proxy's own hop changes nothing
    spoofed = register(live_server.url, "c1-spoof", xff="10.0.0.1, 203.0.113.1").status_code
    second = [register(live_server.url, f"c2-{n}", xff="203.0.113.2").status_code for n in range(5)]

    assert first == [201] * 5 + [429]
    assert spoofed == 429
    assert second == [201] * 5
