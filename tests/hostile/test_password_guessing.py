"""Password guessing against the real sign-in doors, over HTTP: the log-in page, the admin's
log-in page and the token endpoint.

After ``AXES_FAILURE_LIMIT`` (5) failures from one address, or on one username from
anywhere, sign-in is refused with 429 for the cool-off — even with the right password.
The address is the socket's: ``X-Forwarded-For`` is ignored unless ``NUM_PROXIES`` says
a trusted proxy wrote it, and then only its last hop counts.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import requests
from axes.models import AccessAttempt

from tests.hostile.signin_support import Browser
from tests.support.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = "/api/auth/token"
LOCKED_TEXT = "Too many failed attempts, try again in 15 minutes."


@pytest.fixture
def victim():
    return UserFactory(username="victim")


@pytest.fixture
def bystander():
    return UserFactory(username="bystander")


@pytest.fixture
def behind_one_proxy(settings):
    """The app behind one trusted reverse proxy (``NUM_PROXIES=1``)."""
    settings.NUM_PROXIES = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}


def token_attempt(base: str, username: str, password: str, xff: str | None = None):
    headers = {"X-Forwarded-For": xff} if xff else {}
    return requests.post(
        base + TOKEN, json={"username": username, "password": password}, headers=headers, timeout=15
    )


def _assert_locked_page(response: requests.Response) -> None:
    assert response.status_code == 429
    assert LOCKED_TEXT in response.text
    assert "auth-card" in response.text  # our styled page, not a bare message
    assert response.headers["Retry-After"] == str(15 * 60)


# --- Each door locks -----------------------------------------------------------------------


def test_the_login_page_refuses_the_right_password_after_six_wrong_ones(live_server, victim):
    attacker = Browser(live_server.url)

    statuses = [attacker.log_in("victim", f"guess {n}").status_code for n in range(6)]
    right = attacker.log_in("victim", PASSWORD)

    assert statuses == [200, 200, 200, 200, 429, 429]
    _assert_locked_page(right)
    assert not attacker.signed_in_as("victim")


def test_the_admin_login_refuses_the_right_password_after_six_wrong_ones(live_server):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    attacker = Browser(live_server.url)
    form = {"next": "/admin/"}

    statuses = [
        attacker.post_form(
            "/admin/login/", {**form, "username": "root", "password": f"x{n}"}
        ).status_code
        for n in range(6)
    ]
    right = attacker.post_form("/admin/login/", {**form, "username": "root", "password": PASSWORD})

    assert statuses == [200, 200, 200, 200, 429, 429]
    _assert_locked_page(right)
    admin = attacker.get("/admin/")
    assert admin.status_code == 302 and "/admin/login/" in admin.headers["Location"]


def test_the_token_endpoint_refuses_the_right_password_after_six_wrong_ones(live_server, victim):
    statuses = [token_attempt(live_server.url, "victim", f"g{n}").status_code for n in range(6)]
    right = token_attempt(live_server.url, "victim", PASSWORD)

    assert statuses == [401, 401, 401, 401, 429, 429]
    assert right.status_code == 429
    assert right.json() == {"detail": LOCKED_TEXT}
    assert right.headers["Retry-After"] == str(15 * 60)
    assert "token" not in right.json()


def test_failures_on_one_door_count_at_the_others(live_server, victim):
    attacker = Browser(live_server.url)
    for n in range(2):
        attacker.log_in("victim", f"page {n}")
    for n in range(2):
        token_attempt(live_server.url, "victim", f"api {n}")
    attacker.post_form("/admin/login/", {"username": "victim", "password": "admin guess"})

    assert token_attempt(live_server.url, "victim", PASSWORD).status_code == 429


# --- Who is locked: the address, and the username --------------------------------------------


def test_rotating_x_forwarded_for_changes_nothing_without_a_trusted_proxy(
    live_server, victim, bystander
):
    # Given an attacker who writes a new X-Forwarded-For on every guess
    for n in range(5):
        token_attempt(live_server.url, "victim", f"g{n}", xff=f"198.51.100.{n + 1}")

    # Then every guess was counted against the socket address
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}
    # And from that address, under any header, no account can sign in now
    assert (
        token_attempt(live_server.url, "bystander", PASSWORD, xff="192.0.2.77").status_code == 429
    )
    second_client = Browser(live_server.url, xff="192.0.2.99")
    _assert_locked_page(second_client.log_in("bystander", PASSWORD))


def test_behind_a_trusted_proxy_the_last_hop_is_the_client(
    live_server, victim, bystander, behind_one_proxy
):
    # Given an attacker at 203.0.113.7 (as our proxy reports) who locks themselves out
    for n in range(5):
        token_attempt(live_server.url, "victim", f"g{n}", xff="203.0.113.7")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}

    # When they prepend a made-up address, they are still the last hop: still locked
    spoofed = token_attempt(live_server.url, "bystander", PASSWORD, xff="10.9.9.9, 203.0.113.7")
    assert spoofed.status_code == 429
    # And another client, whose own header happens to name the attacker, is not locked
    other = token_attempt(live_server.url, "bystander", PASSWORD, xff="203.0.113.7, 192.0.2.10")
    assert other.status_code == 200, other.content
    # While the victim's account stays locked from anywhere
    assert token_attempt(live_server.url, "victim", PASSWORD, xff="192.0.2.10").status_code == 429


def test_a_distributed_attack_on_one_username_locks_that_username(
    live_server, victim, bystander, behind_one_proxy
):
    # Given five guesses at the victim, each from a different address
    for n in range(5):
        response = token_attempt(live_server.url, "victim", f"g{n}", xff=f"203.0.113.{n + 1}")
        assert response.status_code in {401, 429}

    # Then the right password from yet another address is refused
    fresh = "192.0.2.200"
    assert token_attempt(live_server.url, "victim", PASSWORD, xff=fresh).status_code == 429
    _assert_locked_page(Browser(live_server.url, xff=fresh).log_in("victim", PASSWORD))
    # But nobody else at those addresses is locked out
    assert token_attempt(live_server.url, "bystander", PASSWORD, xff=fresh).status_code == 200
    assert (
        token_attempt(live_server.url, "bystander", PASSWORD, xff="203.0.113.1").status_code == 200
    )


def test_a_long_or_binary_username_is_refused_cleanly(live_server):
    attacker = Browser(live_server.url)

    long_name = token_attempt(live_server.url, "x" * 10_000, "pw")
    nul_name = token_attempt(live_server.url, "vic\x00tim", "pw")
    page = attacker.log_in("y" * 10_000, "pw")

    assert long_name.status_code == 400
    assert nul_name.status_code == 400
    assert page.status_code == 200


# --- Success, and the end of a lockout --------------------------------------------------------


def test_a_success_forgets_the_users_own_typos(live_server, victim):
    # Given someone who mistypes four times, then gets it right
    for n in range(4):
        assert token_attempt(live_server.url, "victim", f"typo {n}").status_code == 401
    assert token_attempt(live_server.url, "victim", PASSWORD).status_code == 200

    # Then four more typos later do not lock them out
    for n in range(4):
        assert token_attempt(live_server.url, "victim", f"again {n}").status_code == 401
    assert token_attempt(live_server.url, "victim", PASSWORD).status_code == 200


def test_signing_in_to_ones_own_account_does_not_wipe_the_count(live_server, victim):
    # Given an attacker with an account of their own, guessing at the victim
    UserFactory(username="attacker")
    for n in range(4):
        token_attempt(live_server.url, "victim", f"g{n}")

    # When they sign in to their own account to reset the counters, and guess again
    assert token_attempt(live_server.url, "attacker", PASSWORD).status_code == 200
    fifth = token_attempt(live_server.url, "victim", "g4")

    # Then that fifth guess locks them out all the same
    assert fifth.status_code == 429
    assert token_attempt(live_server.url, "victim", PASSWORD).status_code == 429


def test_the_lockout_ends_after_the_cool_off(live_server, victim, settings):
    settings.AXES_COOLOFF_TIME = timedelta(seconds=2)
    for n in range(5):
        token_attempt(live_server.url, "victim", f"g{n}")
    locked = token_attempt(live_server.url, "victim", PASSWORD)
    assert locked.status_code == 429
    assert locked.headers["Retry-After"] == "2"
    assert "try again in 1 minute." in locked.json()["detail"]

    time.sleep(2.5)

    assert token_attempt(live_server.url, "victim", PASSWORD).status_code == 200
