"""The gallery cache across processes: two app servers sharing one Redis, as compose runs them.

A moderator's decision taken through one server shows on the other's very next gallery
request, though that server had the page cached: the version bump, not a timeout, is
what every process sees.
"""

from __future__ import annotations

import os

import pytest
import requests
from django.conf import settings
from django.test import Client

from dreams.models import ModerationStatus
from tests.support.caching import cache_url, keys_under, redis_prefix
from tests.support.factories import DreamFactory, UserFactory
from tests.support.processes import AppServer, database_url_for_tests

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

GALLERY = "/api/dreams/public/gallery"
TIMEOUT = 15


@pytest.fixture
def two_servers(tmp_path):
    with redis_prefix("gallery-processes") as prefix:
        env = {
            **os.environ,
            "DEBUG": "false",
            "DATABASE_URL": database_url_for_tests(),
            "CACHE_URL": cache_url(prefix),
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "EMERGENCY_JOURNAL_PATH": str(tmp_path / "emergency.sqlite3"),
            "EMERGENCY_AUTO_REPLAY": "false",
        }
        servers = [AppServer(env, tmp_path / f"server-{name}.log") for name in "ab"]
        try:
            yield prefix, [server.start() for server in servers]
        finally:
            for server in servers:
                server.stop()


def gallery_titles(server: AppServer) -> list[str]:
    response = requests.get(server.url + GALLERY, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    return [dream["title"] for dream in response.json()["results"]]


def moderate(server: AppServer, moderator, dream, action: str) -> None:
    """Apply the admin ``action`` to ``dream`` through ``server``, as ``moderator`` signed in.

    The session is a signed cookie (``common.sessions``): one made here signs in there.
    """
    signed_in = Client()
    signed_in.force_login(moderator)
    browser = requests.Session()
    browser.cookies.set(
        settings.SESSION_COOKIE_NAME, signed_in.cookies[settings.SESSION_COOKIE_NAME].value
    )
    changelist = f"{server.url}/admin/dreams/dream/"
    assert browser.get(changelist, timeout=TIMEOUT).status_code == 200
    done = browser.post(
        changelist,
        {
            "action": action,
            "_selected_action": [str(dream.pk)],
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
        },
        headers={"Referer": changelist},
        timeout=TIMEOUT,
        allow_redirects=False,
    )
    assert done.status_code == 302, done.text


def test_a_decision_on_one_server_shows_on_the_others_very_next_request(two_servers):
    # Given two servers sharing Redis, each with the gallery cached
    prefix, (web_a, web_b) = two_servers
    moderator = UserFactory(username="moderator", is_staff=True, is_superuser=True)
    DreamFactory(in_gallery=True, title="Already shown")
    waiting = DreamFactory(
        with_video=True, is_public=True, moderation_status=ModerationStatus.PENDING, title="New"
    )
    for server in (web_a, web_b, web_b):
        assert gallery_titles(server) == ["Already shown"]
    assert keys_under(prefix, "dreams:gallery:*"), "the page is in the shared cache"

    # When a moderator approves the waiting dream through server A
    moderate(web_a, moderator, waiting, "approve_dreams")

    # Then server B's next gallery request shows it, and A's too
    assert gallery_titles(web_b) == ["New", "Already shown"]
    assert gallery_titles(web_a) == ["New", "Already shown"]

    # And when it is unpublished through B, A's next request no longer shows it
    moderate(web_b, moderator, waiting, "unpublish_dreams")
    assert gallery_titles(web_a) == ["Already shown"]
