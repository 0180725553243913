"""Password reset by email (``/account/password-reset/…``).

A reset link is mailed (by the task worker) to the account's address, works once, and
sets a new password that ends every session. The pages never tell whether an address
is registered; requests are limited per client address (429 page) and mails per
recipient, so nobody can bury an inbox. One test sends the mail through a real SMTP
server (aiosmtpd on loopback) from a real worker configured with ``EMAIL_URL``.
"""

from __future__ import annotations

import re
import threading
from email import message_from_bytes
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from tests.support.factories import PASSWORD, UserFactory
from tests.support.processes import free_port, wait_for

pytestmark = pytest.mark.django_db

RESET = "/account/password-reset/"
SENT = "/account/password-reset/sent/"
NEW_PASSWORD = "the moon kept my keys"
LINK = re.compile(r"https?://[^/\s]+(/account/password-reset/[^/\s]+/[^/\s]+/)")


@pytest.fixture
def luna():
    return UserFactory(username="luna", email="luna@example.com")


def ask_for_link(client: Client, email: str, committed, **extra):
    with committed():
        return client.post(RESET, {"email": email}, **extra)


def link_in(body: str) -> str:
    found = LINK.search(body)
    assert found, body
    return found.group(1)


def choose_new_password(client: Client, link: str, password: str = NEW_PASSWORD):
    """Open the mailed link (it redirects to a one-time form) and set ``password``."""
    opened = client.get(link)
    assert opened.status_code == 302, opened.content
    form_url = opened["Location"]
    assert "Choose a new password" in client.get(form_url).content.decode()
    return client.post(form_url, {"new_password1": password, "new_password2": password})


def can_log_in(username: str, password: str) -> bool:
    return Client().login(username=username, password=password)


# --- The flow ----------------------------------------------------------------------------


def test_the_login_page_offers_a_reset(client):
    page = client.get("/login/").content.decode()

    assert f'href="{RESET}"' in page
    assert "Forgot your password?" in page


def test_a_mailed_link_sets_a_new_password_once(client, luna, committed, run_jobs):
    # When luna asks for a link and the worker sends it
    response = ask_for_link(client, "luna@example.com", committed)
    run_jobs()

    # Then she is told to check her mail, and one mail with a link is in her inbox
    assert response.status_code == 302
    assert response["Location"] == SENT
    assert "Check your email" in client.get(SENT).content.decode()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["luna@example.com"]
    assert message.subject == "Choose a new password for DreamJourney"
    assert "luna" in message.body
    link = link_in(message.body)

    # When she follows it and chooses a new password
    done = choose_new_password(client, link)

    # Then the new password works, the old one does not, and the link is spent
    assert done.status_code == 302
    assert done["Location"] == "/account/password-reset/done/"
    assert "Your new password is set" in client.get(done["Location"]).content.decode()
    assert can_log_in("luna", NEW_PASSWORD)
    assert not can_log_in("luna", PASSWORD)
    again = Client().get(link, follow=True)
    assert "This link no longer works" in again.content.decode()


def test_a_reset_signs_out_every_session(client, luna, committed, run_jobs):
    # Given luna is signed in somewhere (perhaps not by her)
    elsewhere = Client()
    elsewhere.force_login(luna)
    assert elsewhere.get("/account/").status_code == 200

    # When she resets her password
    ask_for_link(client, "luna@example.com", committed)
    run_jobs()
    choose_new_password(client, link_in(mail.outbox[0].body))

    # Then that session is signed out
    assert elsewhere.get("/account/").status_code == 302


def test_the_new_password_must_pass_djangos_validators(client, luna, committed, run_jobs):
    ask_for_link(client, "luna@example.com", committed)
    run_jobs()

    refused = choose_new_password(client, link_in(mail.outbox[0].body), password="password")

    assert refused.status_code == 200
    assert "This password is too common." in refused.content.decode()
    assert can_log_in("luna", PASSWORD)


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, luna, committed, run_jobs):
    # When someone asks for a registered address and for an unknown one
    known = ask_for_link(Client(), "luna@example.com", committed)
    unknown = ask_for_link(Client(), "nobody@example.com", committed)
    run_jobs()

    # Then both answers are the same redirect; only the registered address gets a mail
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert [message.to for message in mail.outbox] == [["luna@example.com"]]


def test_no_mail_goes_to_a_deactivated_account(client, committed, run_jobs):
    UserFactory(username="gone", email="gone@example.com", is_active=False)

    response = ask_for_link(client, "gone@example.com", committed)
    run_jobs()

    assert response["Location"] == SENT
    assert mail.outbox == []


@pytest.mark.parametrize("email", ["", "not an email", "x" * 300 + "@example.com"])
def test_a_malformed_address_is_shown_on_the_form(client, email, committed):
    response = ask_for_link(client, email, committed)

    assert response.status_code == 200
    assert 'class="field-error"' in response.content.decode()


# --- Mail bombing --------------------------------------------------------------------------


def test_too_many_requests_from_one_address_get_a_429_page(client, luna, committed, settings):
    settings.PASSWORD_RESET_RATE = "2/hour"

    answers = [ask_for_link(client, "luna@example.com", committed) for _ in range(3)]
    elsewhere = ask_for_link(Client(), "luna@example.com", committed, REMOTE_ADDR="192.0.2.7")

    assert [response.status_code for response in answers] == [302, 302, 429]
    refused = answers[-1]
    assert "Too many password-reset requests from your address" in refused.content.decode()
    assert "auth-card" in refused.content.decode()  # our styled page
    assert int(refused["Retry-After"]) > 0
    assert elsewhere.status_code == 302


def test_many_addresses_cannot_bury_one_inbox(luna, committed, run_jobs, settings):
    settings.PASSWORD_RESET_EMAIL_RATE = "2/hour"

    answers = [
        ask_for_link(Client(), "luna@example.com", committed, REMOTE_ADDR=f"192.0.2.{n}")
        for n in range(1, 6)
    ]
    run_jobs()

    assert {response["Location"] for response in answers} == {SENT}  # nobody is told
    assert len(mail.outbox) == 2


# --- Through a real SMTP server ------------------------------------------------------------


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        with self._lock:
            self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_link_arrives_through_smtp_from_the_worker(smtp_server, start_worker):
    # Given a worker that mails through a real SMTP server, as EMAIL_URL tells it
    controller, inbox = smtp_server
    start_worker(EMAIL_URL=f"smtp://127.0.0.1:{controller.port}")
    get_user_model().objects.create_user("sol", email="sol@example.com", password=PASSWORD)
    browser = Client()

    # When sol asks for a reset link
    response = browser.post(RESET, {"email": "sol@example.com"})
    assert response["Location"] == SENT

    # Then the mail arrives at the SMTP server, from us, to sol, with a working link
    message = wait_for(lambda: inbox.messages and inbox.messages[0], timeout=60)
    assert message["To"] == "sol@example.com"
    assert message["From"] == "DreamJourney <noreply@localhost>"
    body = message.get_payload(decode=True).decode()
    done = choose_new_password(browser, link_in(body))
    assert done["Location"] == "/account/password-reset/done/"
    assert can_log_in("sol", NEW_PASSWORD)
