"""Fakes of outside services on loopback, as fixtures: RunwayML and a plain file server.

Registered for the whole run by the root conftest (``pytest_plugins``). Both are
pytest-httpserver servers: they speak the real wire format, and the network guard lets
them through because they listen on loopback.
"""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer

from tests.support.mp4s import make_mp4

#: The RunwayML task id the fake hands out.
TASK = "0f0e5cc1-2c6e-4c4f-9c65-1a2b3c4d5e6f"


def runway_task(status: str, **extra) -> dict:
    """A ``GET /v1/tasks/{id}`` body in RunwayML's format."""
    return {"id": TASK, "status": status, "createdAt": "2026-11-25T10:00:00Z", **extra}


def expect_statuses(server: HTTPServer, *bodies: dict) -> None:
    """Answer the next polls of the task with ``bodies``, one each, in order."""
    for body in bodies:
        server.expect_oneshot_request(f"/v1/tasks/{TASK}", method="GET").respond_with_json(body)


@pytest.fixture
def runway(httpserver: HTTPServer, settings, tmp_path) -> HTTPServer:
    """Point the app at a fake RunwayML whose outputs are served from the same loopback server."""
    settings.VIDEO_PROVIDER = "runway"
    settings.RUNWAYML_API_SECRET = "key_test_secret"
    settings.RUNWAYML_BASE_URL = httpserver.url_for("").rstrip("/")
    settings.VIDEO_INGEST_ALLOW_HTTP = True
    settings.VIDEO_INGEST_ALLOWED_ADDRESSES = ["127.0.0.1"]
    settings.VIDEO_FALLBACK_TO_DEMO = False
    mp4 = make_mp4(tmp_path / "runway-output.mp4", seconds=2)
    httpserver.expect_request("/output/video.mp4").respond_with_data(
        mp4.read_bytes(), content_type="video/mp4"
    )
    return httpserver


@pytest.fixture
def video_bytes(tmp_path) -> bytes:
    """The bytes of a small real MP4."""
    return make_mp4(tmp_path / "source.mp4", seconds=2).read_bytes()


@pytest.fixture
def files(httpserver: HTTPServer, settings, video_bytes) -> HTTPServer:
    """A loopback file server serving ``video_bytes`` at ``/dream.mp4``, let through the SSRF
    guard for this test only."""
    settings.VIDEO_INGEST_ALLOW_HTTP = True
    settings.VIDEO_INGEST_ALLOWED_ADDRESSES = ["127.0.0.1"]
    httpserver.expect_request("/dream.mp4").respond_with_data(video_bytes, content_type="video/mp4")
    return httpserver
