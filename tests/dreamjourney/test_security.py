"""Proof under attack: CSRF, secrets, concurrency, ownership, escaping, deployment settings.

Each test plays an attacker (or a careless operator) against the real app through its
public surface: HTTP requests, the admin, the logs and ``manage.py check --deploy``.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management.utils import get_random_secret_key
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from werkzeug import Response

from dreams.models import DemoDream, Dream, ModerationStatus, VideoStatus
from tests.support.mp4s import make_mp4
from videos.assets import video_asset_create_from_file
from videos.models import JobKind, JobStatus, VideoJob
from videos.sources import VideoSource

ROOT = Path(settings.BASE_DIR)
XSS = "<script>alert(1)</script>"
XSS_ESCAPED = ("&lt;script&gt;alert(1)&lt;/script&gt;", "\\u003Cscript\\u003Ealert(1)")


def _token_client(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _stored_asset(tmp_path: Path, shade: int = 0):
    return video_asset_create_from_file(
        path=make_mp4(tmp_path / f"clip-{shade}.mp4", seconds=1, shade=shade),
        source_kind=VideoSource.UPLOAD,
    )


def _dream_with_video(owner, asset, **fields) -> Dream:
    defaults = {"title": "The lighthouse", "content": "Its beam swept across a sea of glass."}
    return Dream.objects.create(
        owner=owner, video_status=VideoStatus.READY, video_asset=asset, **(defaults | fields)
    )


def _finished_job(owner, asset, dream=None) -> VideoJob:
    return VideoJob.objects.create(
        kind=JobKind.GENERATE,
        provider=VideoSource.DEMO,
        status=JobStatus.SUCCEEDED,
        progress=1.0,
        user=owner,
        dream=dream,
        asset=asset,
        prompt="a lighthouse",
    )


def _running_job(owner, dream=None) -> VideoJob:
    return VideoJob.objects.create(
        kind=JobKind.GENERATE,
        provider=VideoSource.DEMO,
        status=JobStatus.RUNNING,
        user=owner,
        dream=dream,
        prompt="a lighthouse",
    )


# --- CSRF: a browser session is an ambient credential ---------------------------------------

# (name, method, path template, body, success status). {dream} and {job} are the caller's.
SESSION_WRITES = [
    ("create dream", "post", "/api/dreams", {"title": "T", "content": "C"}, 201),
    ("replace dream", "put", "/api/dreams/{dream}", {"title": "T2", "content": "C2"}, 200),
    ("edit dream", "patch", "/api/dreams/{dream}", {"title": "T3"}, 200),
    ("delete dream", "delete", "/api/dreams/{dream}", None, 204),
    (
        "create with video",
        "post",
        "/api/dreams/with-video",
        {"title": "T", "content": "C", "generate_video": True},
        201,
    ),
    ("generate video", "post", "/api/ai/generate-video", {"prompt": "a calm sea"}, 202),
    (
        "store video",
        "post",
        "/api/ai/store-video",
        {"dream_id": "{dream}", "video_url": "https://videos.example.com/a.mp4"},
        202,
    ),
    ("cancel job", "post", "/api/videos/jobs/{job}/cancel", None, 200),
]


def _fill(value, **ids):
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {key: _fill(item, **ids) for key, item in value.items()}
    return value


def _send(client: APIClient, method: str, path: str, body, **extra):
    return getattr(client, method)(path, body, format="json", **extra)


@pytest.fixture
def session_client(user) -> APIClient:
    """A browser that signed in: a session cookie, and CSRF checks as a real browser gets."""
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def _csrf(client: APIClient) -> dict:
    """Give ``client`` a CSRF cookie; return the matching header a same-origin page sends."""
    secret = get_random_string(32)
    client.cookies[settings.CSRF_COOKIE_NAME] = secret
    return {"HTTP_X_CSRFTOKEN": secret}


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "path", "body", "ok"), SESSION_WRITES)
def test_session_writes_without_a_csrf_token_are_refused(
    session_client, user, name, method, path, body, ok
):
    dream = Dream.objects.create(owner=user, title="Mine", content="Kept as it was.")
    job = _running_job(user, dream)
    ids = {"dream": dream.pk, "job": job.pk}

    response = _send(session_client, method, _fill(path, **ids), _fill(body, **ids))

    assert response.status_code == 403, response.content
    assert "CSRF" in response.json()["detail"]
    dream.refresh_from_db()
    job.refresh_from_db()
    assert (dream.title, dream.content, job.status) == ("Mine", "Kept as it was.", "running")
    assert Dream.objects.filter(owner=user).count() == 1
    assert VideoJob.objects.filter(user=user).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "path", "body", "ok"), SESSION_WRITES)
def test_session_writes_with_the_csrf_token_succeed(
    session_client, user, name, method, path, body, ok
):
    dream = Dream.objects.create(owner=user, title="Mine", content="Kept as it was.")
    job = _running_job(user, dream)
    ids = {"dream": dream.pk, "job": job.pk}

    response = _send(
        session_client, method, _fill(path, **ids), _fill(body, **ids), **_csrf(session_client)
    )

    assert response.status_code == ok, response.content


@pytest.mark.django_db
def test_a_forged_csrf_token_is_refused(session_client):
    _csrf(session_client)
    response = session_client.post(
        "/api/dreams",
        {"title": "T", "content": "C"},
        format="json",
        HTTP_X_CSRFTOKEN=get_random_string(32),
    )
    assert response.status_code == 403


@pytest.mark.django_db
def test_demo_session_writes_need_the_csrf_token_too():
    # Given an anonymous visitor whose first dream started a demo session (a cookie).
    browser = APIClient(enforce_csrf_checks=True)
    first = browser.post("/api/dreams", {"title": "T", "content": "C"}, format="json")
    assert first.status_code == 201 and first.json()["storage"] == "demo_dreams"
    assert settings.SESSION_COOKIE_NAME in browser.cookies
    dream_id = first.json()["id"]

    # When a cross-site page makes that browser write, the cookie rides along: refused.
    for method, path, body in [
        ("post", "/api/dreams", {"title": "T", "content": "C"}),
        ("patch", f"/api/dreams/{dream_id}", {"title": "forged"}),
        ("delete", f"/api/dreams/{dream_id}", None),
        ("post", "/api/ai/generate-video", {"prompt": "a calm sea"}),
    ]:
        response = _send(browser, method, path, body)
        assert response.status_code == 403, (method, path, response.content)
    assert DemoDream.objects.get().title == "T"

    # The page itself, with the token, may.
    response = browser.patch(
        f"/api/dreams/{dream_id}", {"title": "mine"}, format="json", **_csrf(browser)
    )
    assert response.status_code == 200


@pytest.mark.django_db
def test_token_clients_need_no_csrf_token(user):
    client = _token_client(user)
    client.handler.enforce_csrf_checks = True
    response = client.post("/api/dreams", {"title": "T", "content": "C"}, format="json")
    assert response.status_code == 201


# --- Secrets: tokens and the RunwayML key stay out of logs, responses and the admin ----------


def _everything_logged(caplog) -> str:
    """Every log record as text: message, arguments, extra fields and tracebacks."""
    parts = [caplog.text]
    for record in caplog.records:
        parts.append(record.getMessage())
        parts.append(repr(record.__dict__))
    return "\n".join(parts)


@pytest.mark.django_db
def test_tokens_and_passwords_are_never_logged(caplog, make_user, tmp_path):
    caplog.set_level(logging.DEBUG)
    client = APIClient()
    password = "tide pools " + get_random_string(12)

    registered = client.post(
        "/api/auth/register", {"username": "sleeper", "password": password}, format="json"
    )
    assert registered.status_code == 201
    token = registered.json()["token"]
    taken = client.post(
        "/api/auth/register", {"username": "sleeper", "password": password}, format="json"
    )
    assert taken.status_code == 400
    logged_in = client.post(
        "/api/auth/token", {"username": "sleeper", "password": password}, format="json"
    )
    assert logged_in.json()["token"] == token
    wrong = client.post("/api/auth/token", {"username": "sleeper", "password": "x"}, format="json")
    assert wrong.status_code == 401

    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    created = client.post("/api/dreams", {"title": "T", "content": "C"}, format="json")
    assert created.status_code == 201
    dream_id = created.json()["id"]
    client.get("/api/dreams")
    client.get(f"/api/dreams/{dream_id}")
    client.patch(f"/api/dreams/{dream_id}", {"video_duration": 99}, format="json")  # 400
    client.get("/api/dreams/00000000-0000-0000-0000-000000000000")  # 404
    client.post("/api/ai/generate-video", {"prompt": "a calm sea"}, format="json")
    client.get(f"/media/dreams/{dream_id}/video.mp4")  # 404: no video yet

    # Someone else's key, mistyped or stolen, is as secret as ours.
    stranger = get_random_string(40)
    client.credentials(HTTP_AUTHORIZATION=f"Token {stranger}")
    assert client.get("/api/dreams").status_code == 401
    client.get(f"/media/dreams/{dream_id}/video.mp4")

    logged = _everything_logged(caplog)
    assert caplog.records, "the requests above log something (4xx warnings at least)"
    for secret in (token, password, stranger):
        assert secret not in logged


RUNWAY_SECRET = "key_" + get_random_string(48)
TASK = "9d1c8a5e-1b2f-4c3d-8e9f-0a1b2c3d4e5f"


@pytest.fixture
def fake_runway(httpserver, settings, tmp_path):
    """RunwayML on loopback, configured with a recognisable secret."""
    settings.VIDEO_PROVIDER = "runway"
    settings.RUNWAYML_API_SECRET = RUNWAY_SECRET
    settings.RUNWAYML_BASE_URL = httpserver.url_for("").rstrip("/")
    settings.VIDEO_INGEST_ALLOW_HTTP = True
    settings.VIDEO_INGEST_ALLOWED_ADDRESSES = ["127.0.0.1"]
    settings.VIDEO_FALLBACK_TO_DEMO = False
    settings.VIDEO_MAX_ATTEMPTS = 2
    mp4 = make_mp4(tmp_path / "runway-output.mp4", seconds=1)
    httpserver.expect_request("/output/video.mp4").respond_with_data(
        mp4.read_bytes(), content_type="video/mp4"
    )
    return httpserver


def _echo_authorization(request) -> Response:
    """A misbehaving provider that quotes our credentials back in an error."""
    echoed = request.headers.get("Authorization", "")
    return Response(f'{{"error": "Bad input. You sent {echoed}"}}', status=400)


@pytest.mark.django_db
def test_the_runway_secret_never_leaves_the_server(
    fake_runway, make_user, committed, run_jobs, caplog, settings
):
    caplog.set_level(logging.DEBUG)
    alice = make_user(is_staff=True, is_superuser=True)
    client = _token_client(alice)
    base = fake_runway.url_for("")

    # Given one job that succeeds, one the provider refuses (401), one it fails (500, then
    # retries run out) and one whose error message quotes our Authorization header.
    answers = [
        lambda request: Response(json.dumps({"id": TASK}), content_type="application/json"),
        lambda request: Response('{"error": "Invalid API key"}', status=401),
        *[lambda request: Response('{"error": "boom"}', status=500)] * settings.VIDEO_MAX_ATTEMPTS,
        _echo_authorization,
    ]
    fake_runway.expect_request("/v1/text_to_video", method="POST").respond_with_handler(
        lambda request: answers.pop(0)(request)
    )
    fake_runway.expect_request(f"/v1/tasks/{TASK}").respond_with_json(
        {"id": TASK, "status": "SUCCEEDED", "output": [f"{base}output/video.mp4"]}
    )
    settings.VIDEO_MAX_JOBS_IN_FLIGHT = 10

    bodies = []
    for number in range(4):
        with committed():
            response = client.post(
                "/api/dreams/with-video",
                {"title": f"Dream {number}", "content": "The sea rose."},
                format="json",
            )
        assert response.status_code == 201, response.content
        bodies.append(response.json())
        run_jobs()

    jobs = [client.get(f"/api/videos/jobs/{b['video_job']['id']}") for b in bodies]
    assert [job.json()["status"] for job in jobs] == ["succeeded", "failed", "failed", "failed"]
    pages = [
        *jobs,
        *(client.get(f"/api/dreams/{b['dream']['id']}") for b in bodies),
        client.get("/api/dreams"),
        client.get("/api/schema/"),
        client.get("/api/docs/"),
        client.post("/api/ai/generate-video", {"prompt": ""}, format="json"),
    ]
    admin = APIClient()
    admin.force_login(alice)
    job_ids = [b["video_job"]["id"] for b in bodies]
    pages += [
        admin.get("/admin/"),
        admin.get("/admin/videos/videojob/"),
        *(admin.get(f"/admin/videos/videojob/{job_id}/change/") for job_id in job_ids),
        admin.get("/admin/dreams/dream/"),
        admin.get(f"/admin/dreams/dream/{bodies[0]['dream']['id']}/change/"),
        admin.get("/admin/videos/videoasset/"),
    ]

    for page in pages:
        assert page.status_code < 500, page
        content = b"".join(page.streaming_content) if page.streaming else page.content
        assert RUNWAY_SECRET.encode() not in content, page.request["PATH_INFO"]
    assert RUNWAY_SECRET not in _everything_logged(caplog)


def test_debug_error_pages_mask_the_runway_secret(rf, settings):
    """Even with DEBUG on by mistake, Django's error page hides the key (the name says SECRET)."""
    from django.views.debug import technical_500_response

    settings.RUNWAYML_API_SECRET = RUNWAY_SECRET
    settings.DEBUG = True
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        page = technical_500_response(rf.get("/api/dreams"), *sys.exc_info())
    assert b"RUNWAYML_API_SECRET" in page.content
    assert RUNWAY_SECRET.encode() not in page.content


@pytest.mark.django_db
def test_the_runway_secret_never_appears_in_the_admin(make_user, settings):
    # Given a failed RunwayML job for a dream, and a superuser looking at the admin
    secret = "key_super_secret_value_123"
    settings.RUNWAYML_API_SECRET = secret
    owner = make_user()
    dream = Dream.objects.create(owner=owner, title="Orchard", content="A moonlit orchard.")
    created = timezone.now() - timedelta(minutes=10)
    job = VideoJob.objects.create(
        kind=JobKind.GENERATE,
        status=JobStatus.FAILED,
        provider=VideoSource.RUNWAY,
        prompt="A moonlit orchard",
        user=owner,
        dream=dream,
        created_at=created,
        error_code="unauthorized",
    )
    admin_client = Client()
    admin_client.force_login(make_user("ops", is_staff=True, is_superuser=True))

    for url in (
        reverse("admin:videos_videojob_changelist"),
        reverse("admin:videos_videojob_change", args=[job.pk]),
        reverse("admin:videos_videojob_stats"),
        reverse("admin:videos_videoasset_changelist"),
        reverse("admin:dreams_dream_change", args=[job.dream_id]),
    ):
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert secret not in response.content.decode(), url


# --- Concurrency: the per-user cap and the throttles hold when requests race ------------------


def _race(requests: list[Callable[[], int]]) -> list[int]:
    """Run the callables at the same instant from separate threads; their status codes."""
    barrier = threading.Barrier(len(requests))
    results: list[int | BaseException] = [0] * len(requests)

    def run(index: int, call: Callable[[], int]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            results[index] = exc
        finally:
            connection.close()  # each thread has its own connection: give it back

    threads = [threading.Thread(target=run, args=item) for item in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    return results


def _generate(token: str, *, retry_unavailable: bool = True) -> Callable[[], int]:
    """One POST /api/ai/generate-video; a 503 is retried, as its Retry-After asks."""

    def call() -> int:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        for _ in range(50):
            status = client.post(
                "/api/ai/generate-video", {"prompt": "a calm sea"}, format="json"
            ).status_code
            if status != 503 or not retry_unavailable:
                break
        return status

    return call


@pytest.mark.django_db(transaction=True)
def test_concurrent_job_requests_are_never_told_the_service_is_unavailable(make_user, settings):
    settings.VIDEO_MAX_JOBS_IN_FLIGHT = 100
    tokens = [Token.objects.create(user=make_user()).key for _ in range(8)]
    statuses = []
    for _ in range(5):
        statuses += _race([_generate(token, retry_unavailable=False) for token in tokens])
    assert set(statuses) == {202}, statuses


@pytest.mark.django_db(transaction=True)
def test_the_in_flight_cap_holds_under_concurrent_requests(make_user, settings):
    # Given a cap of 3 videos in flight and a throttle that is not in the way.
    settings.VIDEO_MAX_JOBS_IN_FLIGHT = 3
    alice = make_user()
    token = Token.objects.create(user=alice).key

    # When ten requests race.
    statuses = _race([_generate(token) for _ in range(10)])

    # Then exactly three are accepted, the rest told to wait, and three jobs exist.
    assert sorted(statuses) == [202] * 3 + [429] * 7
    assert VideoJob.objects.filter(user=alice).count() == 3


@pytest.mark.django_db(transaction=True)
def test_the_cap_is_per_user_under_concurrent_requests(make_user, settings):
    settings.VIDEO_MAX_JOBS_IN_FLIGHT = 2
    tokens = [Token.objects.create(user=make_user()).key for _ in range(3)]

    statuses = _race([_generate(token) for token in tokens for _ in range(4)])

    assert statuses.count(202) == 6 and statuses.count(429) == 6
    for token in tokens:
        assert VideoJob.objects.filter(user__auth_token__key=token).count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_generation_throttle_holds_under_concurrent_requests(make_user, settings, monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    settings.VIDEO_MAX_JOBS_IN_FLIGHT = 1000
    monkeypatch.setattr(
        ScopedRateThrottle, "THROTTLE_RATES", {"video_generation": "4/hour", "auth": "4/hour"}
    )
    token = Token.objects.create(user=make_user()).key

    statuses = _race([_generate(token) for _ in range(12)])

    assert statuses.count(202) <= 4
    assert set(statuses) <= {202, 429}


# --- Ownership: someone else's objects do not exist for you ----------------------------------

# (what, method, path template, body, the owner's status). The ids are Alice's things.
OBJECT_ENDPOINTS = [
    ("read dream", "get", "/api/dreams/{dream}", None, 200),
    ("replace dream", "put", "/api/dreams/{dream}", {"title": "Mine now", "content": "Ha"}, 200),
    ("edit dream", "patch", "/api/dreams/{dream}", {"title": "Mine now"}, 200),
    ("delete dream", "delete", "/api/dreams/{dream}", None, 204),
    ("read job", "get", "/api/videos/jobs/{job}", None, 200),
    ("cancel job", "post", "/api/videos/jobs/{running_job}/cancel", None, 200),
    (
        "generate for dream",
        "post",
        "/api/ai/generate-video",
        {"prompt": "a calm sea", "dream_id": "{dream}"},
        202,
    ),
    (
        "store for dream",
        "post",
        "/api/ai/store-video",
        {"dream_id": "{dream}", "video_url": "https://videos.example.com/a.mp4"},
        202,
    ),
    ("dream video", "get", "/media/dreams/{dream}/video.mp4", None, 200),
    ("dream thumbnail", "get", "/media/dreams/{dream}/thumbnail.jpg", None, 200),
    ("job video", "get", "/media/jobs/{lone_job}/video.mp4", None, 200),
    ("job thumbnail", "get", "/media/jobs/{lone_job}/thumbnail.jpg", None, 200),
]


@pytest.fixture
def alices_things(make_user, tmp_path):
    alice = make_user("alice")
    asset = _stored_asset(tmp_path)
    dream = _dream_with_video(alice, asset, is_public=True)  # public, not yet approved
    ids = {
        "dream": dream.pk,
        "job": _finished_job(alice, asset, dream).pk,
        "running_job": _running_job(alice, dream).pk,
        "lone_job": _finished_job(alice, asset).pk,
    }
    return alice, dream, ids


def _callers(make_user):
    bob = make_user("bob")
    by_token = _token_client(bob)
    by_session = APIClient()
    by_session.force_login(bob)
    demo = APIClient()
    demo.post("/api/dreams", {"title": "My own", "content": "A demo dream."}, format="json")
    return {
        "other user (token)": by_token,
        "other user (session)": by_session,
        "anonymous": APIClient(),
        "anonymous with a demo session": demo,
    }


@pytest.mark.django_db
@pytest.mark.parametrize(("what", "method", "path", "body", "ok"), OBJECT_ENDPOINTS)
def test_other_peoples_objects_are_not_found(
    alices_things, make_user, what, method, path, body, ok
):
    alice, dream, ids = alices_things
    for caller, client in _callers(make_user).items():
        response = _send(client, method, _fill(path, **ids), _fill(body, **ids))
        assert response.status_code == 404, (caller, response.status_code)
    dream.refresh_from_db()
    assert dream.title == "The lighthouse"
    assert VideoJob.objects.get(pk=ids["running_job"]).status == JobStatus.RUNNING
    assert VideoJob.objects.filter(user=alice).count() == 3


@pytest.mark.django_db
@pytest.mark.parametrize(("what", "method", "path", "body", "ok"), OBJECT_ENDPOINTS)
def test_the_owner_reaches_every_object_endpoint(alices_things, what, method, path, body, ok):
    """The control for the table above: the same requests work for the owner."""
    alice, _, ids = alices_things
    response = _send(_token_client(alice), method, _fill(path, **ids), _fill(body, **ids))
    assert response.status_code == ok, response


@pytest.mark.django_db
def test_demo_dreams_belong_to_their_session_only():
    owner, other = APIClient(), APIClient()
    dream_id = owner.post("/api/dreams", {"title": "T", "content": "C"}, format="json").json()["id"]
    other.post("/api/dreams", {"title": "Other", "content": "C"}, format="json")

    assert owner.get(f"/api/dreams/{dream_id}").status_code == 200
    assert other.get(f"/api/dreams/{dream_id}").status_code == 404
    assert other.delete(f"/api/dreams/{dream_id}").status_code == 404
    assert [d["title"] for d in other.get("/api/dreams").json()["results"]] == ["Other"]


@pytest.mark.django_db
def test_lists_show_only_the_callers_dreams(alices_things, make_user):
    for caller, client in _callers(make_user).items():
        titles = [d["title"] for d in client.get("/api/dreams").json()["results"]]
        assert "The lighthouse" not in titles, caller


# --- Escaping: dream text is shown as text, never run as markup ------------------------------


@pytest.fixture
def xss_dream(make_user, tmp_path):
    author = make_user("mallory")
    dream = _dream_with_video(
        author,
        _stored_asset(tmp_path, shade=9),
        title=XSS,
        content=f"Before {XSS} after",
        video_prompt=XSS,
        is_public=True,
        moderation_status=ModerationStatus.APPROVED,
        analysis={"emotions": [XSS], "keywords": [XSS]},
    )
    return author, dream


def _assert_escaped(response, *, must_show: bool = True) -> None:
    content = response.content.decode()
    assert XSS not in content
    if must_show:
        assert any(escaped in content for escaped in XSS_ESCAPED), "the dream is shown"


@pytest.mark.django_db
def test_the_api_returns_dream_text_verbatim_as_json(xss_dream):
    author, dream = xss_dream
    response = _token_client(author).get(f"/api/dreams/{dream.pk}")
    assert response["Content-Type"] == "application/json"
    assert response.json()["title"] == XSS  # JSON is data; the client escapes when it shows it


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("page", "who"),
    [("/journal/", "author"), ("/dreams/{id}/", "author"), ("/gallery/", "anyone")],
)
def test_pages_escape_dream_text(xss_dream, page, who):
    author, dream = xss_dream
    client = APIClient()
    if who == "author":
        client.force_login(author)
    response = client.get(page.format(id=dream.pk))
    if response.status_code == 404:
        pytest.skip(f"{page} is not built yet (404)")
    assert response.status_code == 200
    _assert_escaped(response)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("page", "shows_it"),
    [
        ("/admin/dreams/dream/", True),
        ("/admin/dreams/dream/{id}/change/", True),
        ("/admin/videos/videojob/", False),
        ("/admin/videos/videojob/{job}/change/", True),
    ],
)
def test_admin_pages_escape_dream_text(xss_dream, make_user, page, shows_it):
    author, dream = xss_dream
    job = VideoJob.objects.create(
        kind=JobKind.GENERATE, provider=VideoSource.DEMO, user=author, dream=dream, prompt=XSS
    )
    moderator = make_user(is_staff=True, is_superuser=True)
    client = APIClient()
    client.force_login(moderator)
    response = client.get(page.format(id=dream.pk, job=job.pk))
    assert response.status_code == 200
    _assert_escaped(response, must_show=shows_it)


# --- Deployment: Django's own checklist passes with production settings ----------------------


def test_check_deploy_passes_with_production_settings(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "SECURE_", "SESSION_", "CSRF_")) and key != "DEBUG"
    }
    env |= {
        "DEBUG": "false",
        "SECRET_KEY": get_random_secret_key(),
        "ALLOWED_HOSTS": "dreams.example.com",
        "SECURE_SSL_REDIRECT": "true",
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
        "SECURE_HSTS_PRELOAD": "true",
        "SESSION_COOKIE_SECURE": "true",
        "CSRF_COOKIE_SECURE": "true",
        # Production mails go to a real server: the console backend fails the checklist.
        "EMAIL_URL": "smtp+tls://dreams:secret@smtp.example.com:587",
        "STATIC_ROOT": str(tmp_path / "static"),
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
