"""Serving renditions: the web rendition by default, the original on request, the preview
loop, and file delivery handed to the front proxy (X-Accel-Redirect / X-Sendfile)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.support.factories import DreamFactory, UserFactory
from tests.videos.renditions.clips import write_clip
from videos.models import RenditionKind
from videos.renditions.services import video_renditions_make

pytestmark = pytest.mark.django_db


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _bytes(field_file) -> bytes:
    with field_file.open("rb") as fh:
        return fh.read()


@pytest.fixture
def rendered(renditions_on, store, tmp_path):
    """A stored 480x270 clip with sound, its renditions made (cap 320 px)."""
    renditions_on.VIDEO_RENDITION_MAX_SIDE = 320
    asset = store(write_clip(tmp_path / "c.mp4", audio=True, seconds=2))
    return video_renditions_make(asset=asset)


def test_the_gallery_video_is_the_web_rendition_and_the_original_stays_reachable(client, rendered):
    # Given a public dream whose video has renditions
    dream = DreamFactory(in_gallery=True, video_asset=rendered)
    web = rendered.renditions.get(kind=RenditionKind.WEB)

    # When a visitor plays it, asks for the original, then for the preview loop
    played = client.get(f"/media/dreams/{dream.pk}/video.mp4")
    original = client.get(f"/media/dreams/{dream.pk}/video.mp4?original=1")
    preview = client.get(f"/media/dreams/{dream.pk}/preview.mp4")
    ranged = client.get(f"/media/dreams/{dream.pk}/video.mp4", HTTP_RANGE="bytes=0-99")

    # Then each is the stored file's bytes, the rendition by default
    assert played.status_code == 200 and _body(played) == _bytes(web.file)
    assert _body(original) == _bytes(rendered.file)
    preview_row = rendered.renditions.get(kind=RenditionKind.PREVIEW)
    assert preview.status_code == 200 and _body(preview) == _bytes(preview_row.file)
    assert ranged.status_code == 206 and _body(ranged) == _bytes(web.file)[:100]
    assert played["ETag"] != original["ETag"]


def test_the_api_gives_a_preview_url_once_it_is_made(client, rendered, store, tmp_path):
    # Given one gallery dream with a preview, one without
    with_preview = DreamFactory(in_gallery=True, video_asset=rendered)
    plain = DreamFactory(in_gallery=True, video_asset=store(write_clip(tmp_path / "p.mp4")))

    results = client.get("/api/dreams/public/gallery").json()["results"]

    by_id = {r["id"]: r for r in results}
    assert by_id[str(with_preview.pk)]["preview_url"].endswith(
        f"/media/dreams/{with_preview.pk}/preview.mp4"
    )
    assert by_id[str(plain.pk)]["preview_url"] is None
    # and a preview not made yet is a 404, the video is the original
    assert client.get(f"/media/dreams/{plain.pk}/preview.mp4").status_code == 404
    assert _body(client.get(f"/media/dreams/{plain.pk}/video.mp4")) == _bytes(
        plain.video_asset.file
    )


def test_the_gallery_card_plays_the_preview_loop(client, rendered):
    dream = DreamFactory(in_gallery=True, video_asset=rendered)

    page = client.get("/gallery/").content.decode()

    assert f'data-video="/media/dreams/{dream.pk}/preview.mp4?v={rendered.pk}" data-loop' in page


def test_previews_add_no_query_per_dream_to_the_gallery(client, rendered):
    def statements(count: int) -> int:
        for _ in range(count):
            DreamFactory(in_gallery=True, video_asset=rendered)
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/dreams/public/gallery").status_code == 200
        return len(queries)

    assert statements(1) == statements(5)


def test_a_private_dreams_preview_is_not_found_for_others(client, rendered):
    dream = DreamFactory(with_video=True, video_asset=rendered, is_public=False)

    assert client.get(f"/media/dreams/{dream.pk}/preview.mp4").status_code == 404
    assert client.get(f"/media/dreams/{dream.pk}/video.mp4?original=1").status_code == 404


def test_x_accel_redirect_hands_the_bytes_to_nginx(client, rendered, settings):
    # Given nginx in front
    settings.VIDEO_SENDFILE = "x-accel-redirect"
    settings.VIDEO_SENDFILE_PREFIX = "/protected-media/"
    dream = DreamFactory(in_gallery=True, video_asset=rendered)
    web = rendered.renditions.get(kind=RenditionKind.WEB)

    # When a visitor plays the video (ranged, as <video> does)
    response = client.get(f"/media/dreams/{dream.pk}/video.mp4", HTTP_RANGE="bytes=0-99")

    # Then Django only names the file: no body, nginx does the bytes and the range
    assert response.status_code == 200 and not response.streaming
    assert response["X-Accel-Redirect"] == f"/protected-media/{web.file.name}"
    assert response.content == b"" and response["Content-Type"] == "video/mp4"
    original = client.get(f"/media/dreams/{dream.pk}/video.mp4?original=1")
    assert original["X-Accel-Redirect"] == f"/protected-media/{rendered.file.name}"
    thumb = client.get(f"/media/dreams/{dream.pk}/thumbnail.jpg")
    assert thumb["X-Accel-Redirect"] == f"/protected-media/{rendered.thumbnail.name}"


def test_x_accel_keeps_private_videos_private(client, rendered, settings):
    settings.VIDEO_SENDFILE = "x-accel-redirect"
    owner = UserFactory()
    dream = DreamFactory(owner=owner, with_video=True, video_asset=rendered, is_public=False)

    refused = client.get(f"/media/dreams/{dream.pk}/video.mp4")
    client.force_login(owner)
    allowed = client.get(f"/media/dreams/{dream.pk}/video.mp4")

    assert refused.status_code == 404 and "X-Accel-Redirect" not in refused
    assert allowed.status_code == 200 and "X-Accel-Redirect" in allowed


def test_x_sendfile_names_the_absolute_path(client, rendered, settings):
    settings.VIDEO_SENDFILE = "x-sendfile"
    dream = DreamFactory(in_gallery=True, video_asset=rendered)

    response = client.get(f"/media/dreams/{dream.pk}/preview.mp4")

    preview = rendered.renditions.get(kind=RenditionKind.PREVIEW)
    assert Path(response["X-Sendfile"]) == Path(settings.MEDIA_ROOT) / preview.file.name
    assert response.content == b""


def test_the_owner_may_download_the_original_from_the_dream_page(client, rendered):
    owner = UserFactory()
    dream = DreamFactory(owner=owner, in_gallery=True, video_asset=rendered)
    link = f'href="/media/dreams/{dream.pk}/video.mp4?v={rendered.pk}&amp;original=1"'

    visitor_page = client.get(f"/dreams/{dream.pk}/").content.decode()
    client.force_login(owner)
    owner_page = client.get(f"/dreams/{dream.pk}/").content.decode()

    assert link in owner_page and link not in visitor_page
    original = client.get(f"/media/dreams/{dream.pk}/video.mp4?v={rendered.pk}&original=1")
    assert _body(original) == _bytes(rendered.file)


def test_finished_renditions_reach_pages_and_clients_that_hold_the_old_state(
    client, renditions_on, store, tmp_path
):
    # Given an owner's public dream whose renditions are not made yet
    renditions_on.VIDEO_RENDITION_MAX_SIDE = 320
    owner = UserFactory()
    dream = DreamFactory(
        owner=owner, in_gallery=True, video_asset=store(write_clip(tmp_path / "c.mp4"))
    )
    client.force_login(owner)
    before = client.get("/api/dreams")
    assert before.json()["results"][0]["preview_url"] is None

    # When the worker finishes its renditions
    video_renditions_make(asset=dream.video_asset)

    # Then the dream's validator changes, so a revalidating client gets the preview
    again = client.get("/api/dreams", HTTP_IF_NONE_MATCH=before["ETag"])
    assert again.status_code == 200
    assert again.json()["results"][0]["preview_url"].endswith(f"/{dream.pk}/preview.mp4")
    gallery = client.get("/api/dreams/public/gallery").json()["results"]
    assert gallery[0]["preview_url"] is not None


def test_a_forced_re_render_never_resumes_a_download_of_the_old_files(client, rendered):
    # Given a visitor who fetched the start of the web rendition and the poster
    dream = DreamFactory(in_gallery=True, video_asset=rendered)
    first = client.get(f"/media/dreams/{dream.pk}/video.mp4", HTTP_RANGE="bytes=0-99")
    poster = client.get(f"/media/dreams/{dream.pk}/thumbnail.jpg")

    # When the renditions are made again (new files)
    video_renditions_make(asset=rendered, force=True)
    resumed = client.get(
        f"/media/dreams/{dream.pk}/video.mp4", HTTP_RANGE="bytes=100-", HTTP_IF_RANGE=first["ETag"]
    )
    poster_again = client.get(f"/media/dreams/{dream.pk}/thumbnail.jpg")

    # Then the old validator no longer matches: the whole new file, a new poster tag
    web = rendered.renditions.get(kind=RenditionKind.WEB)
    assert resumed.status_code == 200 and _body(resumed) == _bytes(web.file)
    assert resumed["ETag"] != first["ETag"]
    assert poster_again["ETag"] != poster["ETag"]
