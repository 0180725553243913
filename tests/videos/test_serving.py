"""Serving stored videos (``videos.serving``): exact ranges and conditional requests.

Served here as a job's media (``/media/jobs/<id>/video.mp4``); a dream's media goes
through the same ``asset_response`` (who may watch it: ``tests/dreams/test_media.py``).
"""

from __future__ import annotations

import hashlib

import pytest

pytestmark = pytest.mark.django_db


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_range_requests_are_answered_exactly(auth_client, stored_video_url, video_bytes):
    url, size = stored_video_url, len(video_bytes)

    full = auth_client.get(url)
    assert full.status_code == 200 and full["Accept-Ranges"] == "bytes"
    assert int(full["Content-Length"]) == size

    first = auth_client.get(url, HTTP_RANGE="bytes=0-99")
    assert first.status_code == 206 and _body(first) == video_bytes[:100]
    assert first["Content-Range"] == f"bytes 0-99/{size}"

    middle = auth_client.get(url, HTTP_RANGE="bytes=1000-1999")
    assert middle.status_code == 206 and _body(middle) == video_bytes[1000:2000]

    suffix = auth_client.get(url, HTTP_RANGE="bytes=-500")
    assert suffix.status_code == 206 and _body(suffix) == video_bytes[-500:]

    open_ended = auth_client.get(url, HTTP_RANGE=f"bytes={size - 10}-")
    assert _body(open_ended) == video_bytes[-10:]

    invalid = auth_client.get(url, HTTP_RANGE=f"bytes={size}-")
    assert invalid.status_code == 416 and invalid["Content-Range"] == f"bytes */{size}"


def test_conditional_requests(auth_client, stored_video_url, video_bytes):
    url = stored_video_url
    first = auth_client.get(url)
    etag, modified = first["ETag"], first["Last-Modified"]
    assert etag.strip('"') == hashlib.sha256(video_bytes).hexdigest()

    assert auth_client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert auth_client.get(url, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    stale_if_range = auth_client.get(url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"other"')
    assert stale_if_range.status_code == 200
    fresh_if_range = auth_client.get(url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE=etag)
    assert fresh_if_range.status_code == 206
    head = auth_client.head(url)
    assert head.status_code == 200 and int(head["Content-Length"]) == len(video_bytes)


def test_a_jobs_media_is_served_to_its_owner_only(
    auth_client, client_for, api_client, stored_job, stored_video_url
):
    thumbnail_url = stored_video_url.replace("video.mp4", "thumbnail.jpg")

    assert auth_client.get(thumbnail_url)["Content-Type"] == "image/jpeg"
    assert client_for().get(stored_video_url).status_code == 404
    assert api_client.get(stored_video_url).status_code == 404
    assert api_client.get(thumbnail_url).status_code == 404
