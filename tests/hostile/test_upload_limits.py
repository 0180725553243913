"""Uploads are refused before they are read: size limits, and callers with nothing to upload to.

Over a raw socket to the live server the test sends a request head and only a little of
the body it declares. An answer that arrives while the rest is still unsent proves the
server decided without reading the body; a server that reads it would sit waiting.
"""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.crypto import get_random_string
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from dreams.models import DemoDream, Dream
from tests.hostile.fixtures_hostile import (
    RawClient,
    TaskTap,
    multipart,
    open_upload,
    read_response,
    staged_files,
)
from videos.models import VideoJob

pytestmark = pytest.mark.django_db(transaction=True)

MB = 1024 * 1024
PROMPT = 2.0  # seconds: an answer given without waiting for the body comes well within this
PATIENCE = 2.0  # seconds we wait for an answer that should come without the body
# The known holes below never answer before the body: a second is ample to see that.
HOLE_PATIENCE = 1.0


@pytest.fixture
def tasks():
    with TaskTap() as tap:
        yield tap


@pytest.fixture
def token_client(live_server):
    def make(username: str) -> RawClient:
        user = get_user_model().objects.create_user(username, password="pw-" + username)
        return RawClient(live_server.url, token=Token.objects.create(user=user).key, csrf=False)

    return make


def _upload_head(dream_id: str | None) -> tuple[bytes, str]:
    """The start of a multipart upload: the dream id field and a file part's header."""
    body, content_type = multipart({"dream_id": dream_id or str(uuid.uuid4())})
    boundary = content_type.split("boundary=")[1]
    file_part = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename="big.mp4"\r\n'
        "Content-Type: video/mp4\r\n\r\n"
    ).encode()
    fields = body[: -len(f"--{boundary}--\r\n")]
    return fields + file_part + b"\0" * (64 * 1024), content_type


def _partial_upload(
    client: RawClient, path: str, *, declared: int, dream_id=None, patience=PATIENCE
):
    first, content_type = _upload_head(dream_id)
    sock = open_upload(client, path, content_type=content_type, declared=declared, first=first)
    try:
        return read_response(sock, timeout=patience)
    finally:
        sock.close()


def _nothing_stored() -> None:
    assert staged_files() == []
    assert not VideoJob.objects.exists()


# --- Size limits -------------------------------------------------------------------------


def test_a_huge_declared_upload_gets_413_before_its_body_is_sent(live_server, token_client):
    owner = token_client("uploader")
    dream_id = owner.new_dream()["id"]
    nobody = RawClient(live_server.url, csrf=False)

    for client, target in ((owner, dream_id), (nobody, None)):
        path = f"/api/ai/store-video?dream_id={target or ''}"
        response = _partial_upload(client, path, declared=600 * MB, dream_id=target)

        assert response is not None, "no answer: the server waited for the 600 MB body"
        assert response.status == 413, response.text
        assert response.elapsed < PROMPT
        assert "MB" in response.json()["detail"]
    _nothing_stored()


def test_a_3_mb_json_body_gets_413_without_being_waited_for(live_server):
    client = RawClient(live_server.url, csrf=False)

    sent = client.post("/api/dreams", json={"title": "Big", "content": "x" * (3 * MB)})
    sock = open_upload(
        client,
        "/api/dreams",
        content_type="application/json",
        declared=3 * MB,
        first=b'{"title": "Big", "content": "',
    )
    try:
        declared_only = read_response(sock, timeout=PATIENCE)
    finally:
        sock.close()

    assert sent.status == 413, sent.text
    assert set(sent.json()) == {"detail"}
    assert declared_only is not None and declared_only.status == 413
    assert declared_only.elapsed < PROMPT
    assert not DemoDream.objects.exists() and not Dream.objects.exists()
    assert not client.has_session


def test_a_nonsense_content_length_is_never_a_500(live_server):
    visitor = RawClient(live_server.url)
    dream_id = visitor.new_dream()["id"]
    first, content_type = _upload_head(dream_id)

    for declared in ["-1", "abc", "1e9", " 99999999999999999999", "12, 12"]:
        sock = open_upload(
            visitor,
            f"/api/ai/store-video?dream_id={dream_id}",
            content_type=content_type,
            declared=declared,
            first=first,
        )
        try:
            response = read_response(sock, timeout=5)
        finally:
            sock.close()

        assert response is None or 400 <= response.status < 500, (declared, response.text)
    _nothing_stored()


def test_a_chunked_upload_over_the_limit_is_never_stored(live_server, settings, tasks):
    # Without a Content-Length the size cannot be judged up front. Django's WSGI request
    # reads no body it cannot measure, so the upload is refused (413) or ignored (400);
    # either way nothing is staged and the answer does not wait for the rest.
    settings.REQUEST_MAX_BYTES = 64 * 1024
    visitor = RawClient(live_server.url)
    dream_id = visitor.new_dream()["id"]
    first, content_type = _upload_head(dream_id)
    payload = first + b"\0" * (256 * 1024)
    sock = open_upload(
        visitor,
        f"/api/ai/store-video?dream_id={dream_id}",
        content_type=content_type,
        declared=None,
        first=b"",
    )
    try:
        half = len(payload) // 2
        sock.sendall(f"{half:x}\r\n".encode() + payload[:half] + b"\r\n")
        response = read_response(sock, timeout=PATIENCE)
    finally:
        sock.close()

    assert response is not None, "the server waited for the rest of a chunked upload"
    assert response.status in (400, 413), response.text
    tasks.drain()
    _nothing_stored()


@pytest.mark.django_db
def test_the_upload_handler_cuts_a_body_the_middleware_let_through(settings, tasks):
    # Second line of defence: with the size middleware out of the way (a body it could not
    # measure), the upload handler still stops the file at REQUEST_MAX_BYTES.
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if m != "common.uploads.RequestSizeLimitMiddleware"
    ]
    settings.REQUEST_MAX_BYTES = 64 * 1024
    user = get_user_model().objects.create_user("handler", password="pw-handler-1")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    dream = client.post("/api/dreams", {"title": "T", "content": "C"}, format="json").json()
    upload = SimpleUploadedFile("big.mp4", b"\0" * (256 * 1024), content_type="video/mp4")

    response = client.post(
        f"/api/ai/store-video?dream_id={dream['id']}",
        {"dream_id": dream["id"], "file": upload},
        format="multipart",
    )

    assert response.status_code == 413, response.content
    assert "detail" in response.json()
    tasks.drain()
    _nothing_stored()


# --- Callers with nothing to upload to are refused before the body ---------------------------


def test_an_anonymous_upload_without_a_session_is_404_before_the_body(live_server):
    for query in ("", f"?dream_id={uuid.uuid4()}"):
        client = RawClient(live_server.url, csrf=False)

        response = _partial_upload(client, "/api/ai/store-video" + query, declared=50 * MB)

        assert response is not None, (
            "no answer: the server read the body of a caller with no dreams"
        )
        assert response.status == 404, response.text
        assert response.elapsed < PROMPT
        assert not client.has_session  # no demo identity made for it either
    _nothing_stored()


def test_a_demo_upload_to_a_dream_not_theirs_is_404_before_the_body(live_server, token_client):
    visitor = RawClient(live_server.url)
    visitor.new_dream("Mine")
    targets = {
        "a user's": token_client("victim").new_dream("Private")["id"],
        "another visitor's": RawClient(live_server.url).new_dream("Theirs")["id"],
        "random": str(uuid.uuid4()),
        "malformed": "not-a-uuid",
    }

    for target, dream_id in targets.items():
        path = f"/api/ai/store-video?dream_id={dream_id}"
        response = _partial_upload(visitor, path, declared=50 * MB, dream_id=dream_id)

        assert response is not None, f"no answer: the server read an upload for {target} dream"
        assert response.status == 404, (target, response.text)
        assert response.elapsed < PROMPT
    _nothing_stored()


def test_a_query_dream_id_that_differs_from_the_body_is_400(live_server, video_bytes):
    visitor = RawClient(live_server.url)
    first, second = visitor.new_dream("First")["id"], visitor.new_dream("Second")["id"]
    body, content_type = multipart(
        {"dream_id": second}, {"file": ("clip.mp4", video_bytes, "video/mp4")}
    )

    response = visitor.post(
        f"/api/ai/store-video?dream_id={first}", body=body, content_type=content_type
    )

    assert response.status == 400, response.text
    assert "dream_id" in response.json()
    _nothing_stored()


# --- Known holes ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["account", "demo session"])
def test_a_caller_without_dreams_is_404_before_the_body(live_server, token_client, who):
    if who == "account":
        client = token_client("dreamless")
    else:
        client = RawClient(live_server.url)
        made = client.post("/api/ai/generate-video", json={"prompt": "a calm sea"})
        assert made.status == 202 and client.has_session  # an identity, and no dream

    response = _partial_upload(
        client, "/api/ai/store-video", declared=50 * MB, patience=HOLE_PATIENCE
    )

    assert response is not None, "no answer: the server is reading the body"
    assert response.status == 404


def test_an_endpoint_without_uploads_does_not_read_a_large_multipart_body(live_server):
    client = RawClient(live_server.url, csrf=False)

    response = _partial_upload(client, "/api/dreams", declared=50 * MB, patience=HOLE_PATIENCE)

    assert response is not None, "no answer: POST /api/dreams is reading a 50 MB multipart body"
    assert response.status in (413, 415)


def test_a_session_upload_without_csrf_header_is_refused_before_the_body(live_server, token_client):
    victim_dream = token_client("victim").new_dream("Private")["id"]
    user = get_user_model().objects.create_user("browser", password="pw-browser-1")
    session = Client()
    session.force_login(user, backend="common.authentication.ResilientModelBackend")
    client = RawClient(live_server.url, csrf=False)
    session_cookie = session.cookies[settings.SESSION_COOKIE_NAME].value
    client.cookies[settings.SESSION_COOKIE_NAME] = session_cookie
    # A CSRF cookie (anyone can set their own) but no header: Django looks in the form body.
    client.cookies[settings.CSRF_COOKIE_NAME] = get_random_string(32)

    path = f"/api/ai/store-video?dream_id={victim_dream}"
    response = _partial_upload(client, path, declared=50 * MB, patience=HOLE_PATIENCE)

    assert response is not None, "no answer: the CSRF check is reading the upload"
    assert response.status in (403, 404)
