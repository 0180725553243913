"""Sign-up, log-in, demo mode by session, demo dreams moving to a new account, CSRF."""

from __future__ import annotations

import pytest
from django.middleware.csrf import _get_new_csrf_string
from rest_framework.test import APIClient

from tests.support.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

REGISTER = "/api/auth/register"
TOKEN = "/api/auth/token"
DREAMS = "/api/dreams"
STRONG_PASSWORD = "moonlit-lighthouse-47"


def dream_body(title: str = "Flying over the sea", **extra) -> dict:
    return {"title": title, "content": "I flew over a calm sea at dawn.", **extra}


def token_client(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


# --- POST /api/auth/register ---------------------------------------------------------


def test_register_returns_the_user_and_a_working_token(api_client):
    # When someone signs up
    response = api_client.post(
        REGISTER,
        {"username": "luna", "password": STRONG_PASSWORD, "email": "luna@example.com"},
        format="json",
    )

    # Then they get their account and a token
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"user", "token"}
    assert body["user"]["username"] == "luna"
    assert body["user"]["email"] == "luna@example.com"
    assert isinstance(body["user"]["id"], int)
    assert "password" not in body["user"]
    # And the token authenticates them: their (empty) journal is theirs
    client = token_client(body["token"])
    created = client.post(DREAMS, dream_body(), format="json")
    assert created.status_code == 201
    assert created.json()["storage"] == "dreams"


def test_register_without_email_is_fine(api_client):
    response = api_client.post(
        REGISTER, {"username": "noemail", "password": STRONG_PASSWORD}, format="json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["user"]["email"] == ""


@pytest.mark.parametrize("taken_as", ["luna", "LUNA"])
def test_register_rejects_a_taken_username(api_client, taken_as):
    # Given an account called luna
    UserFactory(username="luna")

    # When someone else tries the same name (in any case)
    response = api_client.post(
        REGISTER, {"username": taken_as, "password": STRONG_PASSWORD}, format="json"
    )

    # Then it is a 400 about the username
    assert response.status_code == 400
    assert "username" in response.json()


@pytest.mark.parametrize(
    "password",
    [
        pytest.param("short", id="too-short"),
        pytest.param("12345678901", id="all-digits"),
        pytest.param("password123", id="common"),
        pytest.param("stargazer", id="same-as-username"),
    ],
)
def test_register_rejects_a_weak_password(api_client, password):
    response = api_client.post(
        REGISTER, {"username": "stargazer", "password": password}, format="json"
    )

    assert response.status_code == 400
    body = response.json()
    assert "password" in body
    assert body["password"]
    # And no account was made
    assert (
        api_client.post(TOKEN, {"username": "stargazer", "password": password}).status_code != 200
    )


@pytest.mark.parametrize(
    "body, field",
    [
        ({"password": STRONG_PASSWORD}, "username"),
        ({"username": "luna"}, "password"),
        ({"username": "has space", "password": STRONG_PASSWORD}, "username"),
        ({"username": "luna", "password": STRONG_PASSWORD, "email": "not-an-email"}, "email"),
    ],
)
def test_register_names_the_bad_field(api_client, body, field):
    response = api_client.post(REGISTER, body, format="json")

    assert response.status_code == 400
    assert field in response.json()


# --- POST /api/auth/token -----------------------------------------------------------------


def test_token_for_the_right_password(api_client):
    # Given an account
    UserFactory(username="sol")

    # When they log in
    response = api_client.post(TOKEN, {"username": "sol", "password": PASSWORD}, format="json")

    # Then they get a token that works, and the same one next time
    assert response.status_code == 200, response.content
    token = response.json()["token"]
    assert set(response.json()) == {"token"}
    assert token_client(token).get(DREAMS).status_code == 200
    again = api_client.post(TOKEN, {"username": "sol", "password": PASSWORD}, format="json")
    assert again.json()["token"] == token


def test_token_after_register_is_the_registered_token(api_client):
    registered = api_client.post(
        REGISTER, {"username": "vega", "password": STRONG_PASSWORD}, format="json"
    ).json()

    response = api_client.post(
        TOKEN, {"username": "vega", "password": STRONG_PASSWORD}, format="json"
    )

    assert response.json()["token"] == registered["token"]


@pytest.mark.parametrize(
    "username, password",
    [("sol", "wrong password"), ("nobody", PASSWORD)],
    ids=["wrong-password", "unknown-user"],
)
def test_token_refused_with_a_detail(api_client, username, password):
    UserFactory(username="sol")

    response = api_client.post(TOKEN, {"username": username, "password": password}, format="json")

    assert response.status_code in {400, 401, 403}
    assert "token" not in response.json()
    assert response.json()["detail"]


def test_token_wrong_password_is_401_or_400(api_client):
    UserFactory(username="sol")

    response = api_client.post(TOKEN, {"username": "sol", "password": "nope"}, format="json")

    assert response.status_code in {400, 401}


def test_token_for_an_inactive_account_is_refused(api_client):
    UserFactory(username="sleeper", is_active=False)

    response = api_client.post(TOKEN, {"username": "sleeper", "password": PASSWORD}, format="json")

    assert response.status_code in {400, 401, 403}
    assert "token" not in response.json()


def test_token_requires_both_fields(api_client):
    response = api_client.post(TOKEN, {"username": "sol"}, format="json")

    assert response.status_code == 400
    assert "password" in response.json()


def test_a_bad_token_is_401(api_client):
    client = token_client("0" * 40)

    response = client.get(DREAMS)

    assert response.status_code == 401
    assert response.json()["detail"]


# --- demo mode: anonymous callers, their session, their dreams --------------------------------


def test_anonymous_dream_is_saved_in_demo_dreams_and_listed_for_its_session():
    # Given a visitor in a browser (the client keeps cookies)
    visitor = APIClient()

    # When they write two dreams without an account
    first = visitor.post(DREAMS, dream_body("Lost in a library"), format="json")
    second = visitor.post(DREAMS, dream_body("The talking cat"), format="json")

    # Then both are saved in demo mode and listed for them, newest first
    assert first.status_code == 201, first.content
    assert first.json()["storage"] == "demo_dreams"
    assert second.json()["storage"] == "demo_dreams"
    listed = visitor.get(DREAMS).json()["results"]
    assert [d["title"] for d in listed] == ["The talking cat", "Lost in a library"]
    assert all(d["storage"] == "demo_dreams" for d in listed)
    # And they can read, edit and delete them
    dream_id = first.json()["id"]
    assert visitor.get(f"{DREAMS}/{dream_id}").json()["title"] == "Lost in a library"
    patched = visitor.patch(f"{DREAMS}/{dream_id}", {"title": "Found"}, format="json")
    assert patched.status_code == 200
    assert patched.json()["title"] == "Found"
    assert visitor.delete(f"{DREAMS}/{dream_id}").status_code == 204
    assert visitor.get(f"{DREAMS}/{dream_id}").status_code == 404


def test_anonymous_caller_without_a_session_has_no_dreams(api_client):
    response = api_client.get(DREAMS)

    assert response.status_code == 200
    assert response.json() == {"next": None, "previous": None, "results": []}


def test_another_visitor_sees_none_of_a_visitors_demo_dreams():
    # Given a visitor with a demo dream
    visitor = APIClient()
    dream_id = visitor.post(DREAMS, dream_body("My secret"), format="json").json()["id"]

    # When a second visitor (their own session) looks
    stranger = APIClient()
    stranger.post(DREAMS, dream_body("Stranger's own"), format="json")

    # Then they see only their own dream, and the first one is 404 for every verb
    titles = [d["title"] for d in stranger.get(DREAMS).json()["results"]]
    assert titles == ["Stranger's own"]
    assert stranger.get(f"{DREAMS}/{dream_id}").status_code == 404
    assert stranger.patch(f"{DREAMS}/{dream_id}", {"title": "x"}, format="json").status_code == 404
    assert stranger.put(f"{DREAMS}/{dream_id}", dream_body("x"), format="json").status_code == 404
    assert stranger.delete(f"{DREAMS}/{dream_id}").status_code == 404
    # And a caller with no session at all gets 404 too
    assert APIClient().get(f"{DREAMS}/{dream_id}").status_code == 404
    # And the first visitor's dream is untouched
    assert visitor.get(f"{DREAMS}/{dream_id}").json()["title"] == "My secret"


def test_a_signed_in_user_does_not_see_demo_dreams(auth_client):
    visitor = APIClient()
    dream_id = visitor.post(DREAMS, dream_body(), format="json").json()["id"]

    assert auth_client.get(DREAMS).json()["results"] == []
    assert auth_client.get(f"{DREAMS}/{dream_id}").status_code == 404


def test_a_forged_session_cookie_sees_nothing():
    # Given a visitor with a demo dream
    visitor = APIClient()
    dream_id = visitor.post(DREAMS, dream_body(), format="json").json()["id"]

    # When someone presents a session cookie that was never issued
    forger = APIClient()
    forger.cookies["sessionid"] = "x" * 32

    # Then there is nothing to see
    assert forger.get(DREAMS).json()["results"] == []
    assert forger.get(f"{DREAMS}/{dream_id}").status_code == 404


# --- demo dreams move to the account made from their session ----------------------------------


def test_registering_moves_the_sessions_demo_dreams_to_the_new_account():
    # Given a visitor with two demo dreams
    visitor = APIClient()
    ids = [
        visitor.post(DREAMS, dream_body(title), format="json").json()["id"]
        for title in ("Old house", "Blue whale")
    ]
    # And another visitor with one of their own
    other = APIClient()
    other_id = other.post(DREAMS, dream_body("Not yours"), format="json").json()["id"]

    # When the first visitor signs up from the same browser
    response = visitor.post(
        REGISTER, {"username": "dreamer", "password": STRONG_PASSWORD}, format="json"
    )
    assert response.status_code == 201, response.content

    # Then their dreams belong to the account, same ids, now in `dreams`
    member = token_client(response.json()["token"])
    listed = member.get(DREAMS).json()["results"]
    assert [d["id"] for d in listed] == list(reversed(ids))
    assert [d["title"] for d in listed] == ["Blue whale", "Old house"]
    assert {d["storage"] for d in listed} == {"dreams"}
    assert member.get(f"{DREAMS}/{ids[0]}").json()["storage"] == "dreams"
    # And they are no longer demo dreams of the session
    assert visitor.get(DREAMS).json()["results"] == []
    assert visitor.get(f"{DREAMS}/{ids[0]}").status_code == 404
    # And the other visitor's dream stayed where it was
    assert member.get(f"{DREAMS}/{other_id}").status_code == 404
    assert other.get(f"{DREAMS}/{other_id}").json()["storage"] == "demo_dreams"


def test_registering_without_a_session_starts_an_empty_journal(api_client):
    # Given some visitor's demo dream
    APIClient().post(DREAMS, dream_body(), format="json")

    # When someone signs up from a fresh client
    token = api_client.post(
        REGISTER, {"username": "fresh", "password": STRONG_PASSWORD}, format="json"
    ).json()["token"]

    # Then their journal is empty
    assert token_client(token).get(DREAMS).json()["results"] == []


# --- CSRF for demo-mode writes riding on a session cookie -------------------------------------


def test_demo_write_with_a_session_cookie_needs_the_csrf_token():
    # Given a browser-like client that enforces CSRF
    browser = APIClient(enforce_csrf_checks=True)

    # When it writes its first dream (no session yet: no ambient credential to forge)
    first = browser.post(DREAMS, dream_body("First"), format="json")
    # Then that works, and gives it a session
    assert first.status_code == 201, first.content
    assert "sessionid" in browser.cookies

    # When it writes again with the session cookie but no CSRF token
    csrf_token = _get_new_csrf_string()
    browser.cookies["csrftoken"] = csrf_token
    refused = browser.post(DREAMS, dream_body("Forged"), format="json")
    # Then that is refused
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]

    # And with the cookie's value in X-CSRFToken it is accepted
    accepted = browser.post(
        DREAMS, dream_body("Second"), format="json", HTTP_X_CSRFTOKEN=csrf_token
    )
    assert accepted.status_code == 201, accepted.content
    assert accepted.json()["storage"] == "demo_dreams"
    titles = [d["title"] for d in browser.get(DREAMS).json()["results"]]
    assert titles == ["Second", "First"]


@pytest.mark.parametrize("method", ["patch", "put", "delete"])
def test_demo_edits_with_a_session_cookie_need_the_csrf_token(method):
    # Given a browser-like client with a demo dream
    browser = APIClient(enforce_csrf_checks=True)
    dream_id = browser.post(DREAMS, dream_body("Mine"), format="json").json()["id"]
    csrf_token = _get_new_csrf_string()
    browser.cookies["csrftoken"] = csrf_token
    url = f"{DREAMS}/{dream_id}"
    body = dream_body("Changed") if method != "delete" else None

    # When it edits without the token, then it is refused and nothing changes
    refused = getattr(browser, method)(url, body, format="json")
    assert refused.status_code == 403
    assert browser.get(url).json()["title"] == "Mine"

    # And with the token it works
    accepted = getattr(browser, method)(url, body, format="json", HTTP_X_CSRFTOKEN=csrf_token)
    assert accepted.status_code in {200, 204}


def test_demo_reads_do_not_need_the_csrf_token():
    browser = APIClient(enforce_csrf_checks=True)
    browser.post(DREAMS, dream_body(), format="json")

    assert browser.get(DREAMS).status_code == 200


def test_token_clients_do_not_need_the_csrf_token(user):
    # Token auth is not an ambient credential: no CSRF check
    client = APIClient(enforce_csrf_checks=True)
    token = client.post(TOKEN, {"username": user.username, "password": PASSWORD}).json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    assert client.post(DREAMS, dream_body(), format="json").status_code == 201
    assert client.post(DREAMS, dream_body(), format="json").status_code == 201


def test_register_riding_on_a_demo_session_needs_the_csrf_token():
    # Given a browser with demo dreams
    browser = APIClient(enforce_csrf_checks=True)
    browser.post(DREAMS, dream_body("Private"), format="json")
    browser.cookies["csrftoken"] = _get_new_csrf_string()

    # When a forged form posts a sign-up with the browser's cookies but no CSRF token
    response = browser.post(REGISTER, {"username": "forger", "password": STRONG_PASSWORD})

    # Then it is refused, and the dreams stay in the browser's session
    assert response.status_code == 403
    assert [d["title"] for d in browser.get(DREAMS).json()["results"]] == ["Private"]
