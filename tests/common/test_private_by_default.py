"""Answers to a caller who identified themselves, that no view gave a cache policy, are
private and vary on the identity headers; policies views chose, and anonymous answers, stay."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/account", "/api/notifications", "/api/insights"])
def test_a_token_callers_own_answers_are_private(client_for, path):
    response = client_for().get(path)

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-cache"
    assert {"Authorization", "Cookie"} <= {v.strip() for v in response["Vary"].split(",")}


@pytest.mark.parametrize("path", ["/journal/", "/account/"])
def test_signed_in_pages_are_private(make_user, path):
    browser = Client()
    browser.force_login(make_user())

    response = browser.get(path)

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-cache"


def test_a_policy_a_view_chose_is_kept_and_anonymous_answers_are_left_alone():
    # A session cookie that names nobody: the gallery view answers it as anyone, public,
    # and the default does not overrule what the view chose
    with_cookie = Client()
    with_cookie.cookies[settings.SESSION_COOKIE_NAME] = "names-nobody"
    gallery = with_cookie.get("/api/dreams/public/gallery")
    assert gallery["Cache-Control"].startswith("public")

    anonymous = Client().get("/gallery/")
    assert anonymous.status_code == 200
    assert "private" not in anonymous.get("Cache-Control", "")
    public_api = Client().get("/api/dreams/public/gallery")
    assert public_api["Cache-Control"].startswith("public")
