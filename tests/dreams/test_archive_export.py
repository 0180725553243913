"""Exporting a journal as a ZIP: streamed when small, packed by the task worker when large.

Every dream goes in as JSON (the API's representation for its owner, without URLs) and as
Markdown, each video and thumbnail once; memory stays flat however large the videos are;
a background export is downloadable by its owner only, until it expires and is swept.
"""

from __future__ import annotations

import io
import json
import os
import tracemalloc
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone
from rest_framework.throttling import ScopedRateThrottle

from dreams.archive.export import CHUNK
from dreams.models import ExportStatus, JournalExport, ModerationStatus, VideoStatus
from tests.support.archives import files_on_disk, members_of, stored_video
from tests.support.factories import DreamFactory, VideoAssetFactory

pytestmark = pytest.mark.django_db

EXPORT = "/api/account/export"


def exported(response) -> bytes:
    assert response.status_code == 200, getattr(response, "data", response)
    assert response["Content-Type"] == "application/zip"
    return b"".join(response.streaming_content)


@pytest.fixture
def alice(make_user):
    return make_user("alice")


def test_a_small_journal_streams_every_dream_as_json_and_markdown_with_each_video_once(
    client_for, alice, make_user, tmp_path
):
    # Given alice's journal: two dreams that show one video, one without, and bob's dream
    video = stored_video(tmp_path)
    flying = DreamFactory(
        owner=alice,
        title="Flying over the harbour",
        dreamt_on=date(2024, 4, 30),
        lucid=True,
        clarity=4,
        sleep_quality=2,
        tags=["flying", "sea"],
        analysis={"emotions": ["joy"], "keywords": ["harbour"], "reflection": "You feel free."},
        is_public=True,
        moderation_status=ModerationStatus.APPROVED,
        video_asset=video,
        video_status=VideoStatus.READY,
    )
    again = DreamFactory(owner=alice, video_asset=video, video_status=VideoStatus.READY)
    quiet = DreamFactory(owner=alice, title="A quiet room")
    DreamFactory(owner=make_user("bob"), title="Bob's dream")

    # When she exports her journal
    response = client_for(alice).post(EXPORT)

    # Then a ZIP streams to her as a download
    assert response.streaming
    assert response["Content-Disposition"] == (
        f'attachment; filename="dreamjourney-alice-{timezone.localdate():%Y-%m-%d}.zip"'
    )
    data = exported(response)
    members = members_of(data)
    ids = [str(d.pk) for d in (flying, again, quiet)]
    assert set(members) == {
        "manifest.json",
        *(f"dreams/{i}.json" for i in ids),
        *(f"dreams/{i}.md" for i in ids),
        f"videos/{video.sha256}.mp4",
        f"thumbnails/{video.sha256}.jpg",
    }
    # the video byte for byte, stored as it is; text deflated
    assert members[f"videos/{video.sha256}.mp4"] == video.file.open("rb").read()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.getinfo(f"videos/{video.sha256}.mp4").compress_type == zipfile.ZIP_STORED
        assert archive.getinfo(f"dreams/{ids[0]}.json").compress_type == zipfile.ZIP_DEFLATED
    # the dream as the API shows it to her (tags and reflection too), its video by file name
    dream = json.loads(members[f"dreams/{ids[0]}.json"])
    assert dream["title"] == "Flying over the harbour"
    assert dream["tags"] == ["flying", "sea"]
    assert dream["analysis"]["reflection"] == "You feel free."
    assert (dream["lucid"], dream["clarity"], dream["sleep_quality"]) == (True, 4, 2)
    assert dream["dreamt_on"] == "2024-04-30"
    assert dream["video"]["file"] == f"videos/{video.sha256}.mp4"
    assert dream["video"]["thumbnail"] == f"thumbnails/{video.sha256}.jpg"
    assert "video_url" not in dream and "thumbnail_url" not in dream
    assert json.loads(members[f"dreams/{ids[2]}.json"])["video"] is None
    # a page anyone can read
    page = members[f"dreams/{ids[0]}.md"].decode()
    assert page.startswith("# Flying over the harbour\n")
    for text in ("Dreamt on Tuesday 30 April 2024", "Lucid", "Clarity: 4/5", "#flying #sea"):
        assert text in page
    assert f"(../videos/{video.sha256}.mp4)" in page
    # and a manifest that counts what is in it
    described = json.loads(members["manifest.json"])
    assert described["format"] == "dreamjourney-journal"
    assert (described["version"], described["dream_count"], described["video_count"]) == (1, 3, 1)
    assert "Bob's dream" not in data.decode("latin-1")


def test_a_video_missing_from_storage_is_left_out_rather_than_breaking_the_download(
    client_for, alice
):
    # Given a dream whose stored video file is gone from storage
    lost = DreamFactory(owner=alice, with_video=True)

    # When alice exports her journal
    members = members_of(exported(client_for(alice).post(EXPORT)))

    # Then the dream is there, without a video
    assert json.loads(members[f"dreams/{lost.pk}.json"])["video"] is None
    assert not any(name.startswith("videos/") for name in members)


def test_memory_stays_flat_however_large_the_videos_are(client_for, alice):
    # Given a journal with 12 MB of video in two files
    for shade in range(2):
        payload = os.urandom(6 * 1024 * 1024)
        asset = VideoAssetFactory(bytes=len(payload))
        default_storage.save(asset.file.name, ContentFile(payload))
        DreamFactory(owner=alice, video_asset=asset, video_status=VideoStatus.READY)
    response = client_for(alice).post(EXPORT)

    # When the archive is read piece by piece, as a client downloads it
    tracemalloc.start()
    try:
        total = 0
        largest = 0
        for piece in response.streaming_content:
            total += len(piece)
            largest = max(largest, len(piece))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # Then all of it came through, in pieces of at most about one chunk, and memory never
    # held more than the piece being read and the one being handed on (and some change)
    assert total > 12 * 1024 * 1024
    assert largest <= CHUNK + 64 * 1024
    assert peak < 3 * CHUNK, f"peak {peak / 2**20:.1f} MB"


def test_a_large_journal_is_packed_in_the_background_and_downloaded_until_it_expires(
    client_for, alice, make_user, settings, committed, run_jobs, tmp_path
):
    # Given a journal larger than what streams at once
    settings.EXPORT_INLINE_MAX_DREAMS = 1
    video = stored_video(tmp_path)
    DreamFactory(owner=alice, video_asset=video, video_status=VideoStatus.READY)
    DreamFactory(owner=alice)
    client = client_for(alice)

    # When she exports it, twice while it is being packed
    with committed():
        first = client.post(EXPORT)
    second = client.post(EXPORT)

    # Then the worker is asked to pack it once, and she is told to wait for it
    assert first.status_code == 202
    export = first.data["export"]
    assert export["status"] == "queued"
    assert export["download_url"] is None
    assert second.status_code == 202 and second.data["export"]["id"] == export["id"]

    # When the worker has packed it
    run_jobs()
    detail = client.get(f"/api/account/exports/{export['id']}")

    # Then it is ready, with a link and an expiry two days on
    assert detail.status_code == 200
    ready = detail.data
    assert ready["status"] == "ready"
    assert ready["dream_count"] == 2
    assert ready["download_url"].endswith(f"/api/account/exports/{export['id']}/download")
    finished = JournalExport.objects.get(pk=export["id"]).finished_at
    assert JournalExport.objects.get(pk=export["id"]).expires_at == finished + timedelta(
        seconds=settings.EXPORT_EXPIRY_SECONDS
    )
    download = client.get(ready["download_url"])
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith('attachment; filename="dreamjourney-alice-')
    data = b"".join(download.streaming_content)
    assert len(data) == ready["bytes"]
    members = members_of(data)
    assert json.loads(members["manifest.json"])["dream_count"] == 2
    assert members[f"videos/{video.sha256}.mp4"] == video.file.open("rb").read()

    # and nobody else can see or download it
    stranger = client_for(make_user("mallory"))
    assert stranger.get(f"/api/account/exports/{export['id']}").status_code == 404
    assert stranger.get(ready["download_url"]).status_code == 404

    # When it expires
    JournalExport.objects.filter(pk=export["id"]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    # Then its link is gone, the download says so, and the sweep deletes file and row
    assert client.get(f"/api/account/exports/{export['id']}").data["status"] == "expired"
    assert client.get(f"/api/account/exports/{export['id']}").data["download_url"] is None
    gone = client.get(ready["download_url"])
    assert gone.status_code == 410
    assert "expired" in gone.data["detail"]
    assert any(name.startswith("exports/") for name in files_on_disk())
    out = io.StringIO()
    call_command("sweep_media", stdout=out)
    assert "Swept 1 expired journal export(s)." in out.getvalue()
    assert not JournalExport.objects.filter(pk=export["id"]).exists()
    assert not any(name.startswith("exports/") for name in files_on_disk())


def test_a_journal_with_more_video_than_streams_at_once_goes_to_the_background(
    client_for, alice, settings, tmp_path
):
    # Given one video larger than what streams at once
    video = stored_video(tmp_path)
    settings.EXPORT_INLINE_MAX_BYTES = video.bytes - 1
    DreamFactory(owner=alice, video_asset=video, video_status=VideoStatus.READY)

    # When she exports, then it is packed in the background
    response = client_for(alice).post(EXPORT)
    assert response.status_code == 202
    assert response.data["export"]["status"] == "queued"


def test_an_empty_journal_exports_a_manifest_alone(client_for, alice):
    members = members_of(exported(client_for(alice).post(EXPORT)))
    assert list(members) == ["manifest.json"]
    assert json.loads(members["manifest.json"])["dream_count"] == 0


def test_the_sweep_fails_exports_a_dead_worker_lost_and_deletes_orphaned_zips(alice, settings):
    # Given an export still "packing" hours after it was asked for, and two ZIPs no export
    # names: one old (its account was deleted), one just being written
    now = timezone.now()
    lost = JournalExport.objects.create(
        user=alice, status=ExportStatus.RUNNING, created_at=now - timedelta(hours=4)
    )
    fresh = JournalExport.objects.create(user=alice, status=ExportStatus.QUEUED)
    old_name = default_storage.save("exports/orphan.zip", ContentFile(b"PK"))
    new_name = default_storage.save("exports/being-written.zip", ContentFile(b"PK"))
    hours_ago = (now - timedelta(hours=4)).timestamp()
    os.utime(Path(settings.MEDIA_ROOT) / old_name, (hours_ago, hours_ago))

    # When the media sweep runs
    call_command("sweep_media", stdout=io.StringIO())

    # Then the lost export says so, the fresh one waits on, and only the old orphan went
    lost.refresh_from_db()
    assert lost.status == ExportStatus.FAILED
    assert "did not finish" in lost.error
    fresh.refresh_from_db()
    assert fresh.status == ExportStatus.QUEUED
    assert not default_storage.exists(old_name)
    assert default_storage.exists(new_name)


def test_export_and_import_are_for_accounts(api_client):
    # Given a demo visitor (no account)
    # When they try to export or import, then they are told what to do, and nothing is read
    for response in (
        api_client.post(EXPORT),
        api_client.post("/api/account/import", {}, format="multipart"),
        api_client.get("/api/account/exports/00000000-0000-0000-0000-000000000000"),
    ):
        assert response.status_code == 403
        assert "for accounts" in response.data["detail"]


def test_a_malformed_or_unknown_export_id_is_a_404(client_for, alice):
    client = client_for(alice)
    assert client.get("/api/account/exports/not-an-id").status_code == 404
    assert client.get("/api/account/exports/not-an-id/download").status_code == 404


def test_exports_are_throttled_per_account(client_for, alice, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"journal_export": "2/hour"})
    client = client_for(alice)
    assert [client.post(EXPORT).status_code for _ in range(3)] == [200, 200, 429]


# --- The account page, without JavaScript ---------------------------------------------------------


def test_the_account_page_exports_without_javascript(client, alice, settings):
    # Given alice signed in on the account page
    client.force_login(alice)
    DreamFactory(owner=alice, title="Underwater train")
    page = client.get("/account/")
    assert page.status_code == 200
    assert b"Export my journal" in page.content

    # When she presses "Export my journal", then the ZIP downloads
    response = client.post("/account/export/")
    assert response["Content-Type"] == "application/zip"
    members = members_of(b"".join(response.streaming_content))
    assert any(b"Underwater train" in data for data in members.values())

    # Given a journal too large to stream, when she presses it again
    settings.EXPORT_INLINE_MAX_DREAMS = 0
    response = client.post("/account/export/", follow=True)

    # Then she is back on the account page, which says it is being packed
    assert response.redirect_chain[-1][0] == "/account/#archive"
    text = response.content.decode()
    assert "Your journal is being packed." in text
    assert "Its download link appears here when it is ready" in text
    export = JournalExport.objects.get(user=alice)
    assert f'data-export-id="{export.pk}"' in text

    # When it is ready, the page offers the download and says until when
    JournalExport.objects.filter(pk=export.pk).update(
        status=ExportStatus.READY,
        bytes=2048,
        file="exports/x.zip",
        expires_at=timezone.now() + timedelta(days=2),
    )
    text = client.get("/account/").content.decode()
    assert f'href="http://testserver/api/account/exports/{export.pk}/download"' in text
    assert "Download your journal" in text
    assert "2.0\xa0KB · the link works until" in text
