"""Importing a journal archive: all of it or nothing, and never on the archive's word.

The round trip (export, delete the account, sign up again, import) brings back the same
dreams and byte-identical videos; importing again adds nothing; another account's dreams
come in under ids of their own. Every hostile or broken archive is a 400 on ``file``
that writes no row and leaves no file behind.
"""

from __future__ import annotations

import json
import os
import stat
import struct
import uuid
import warnings
import zipfile
from datetime import UTC, datetime
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from dreams.archive.imports import derived_dream_id
from dreams.models import AnalysisStatus, DemoDream, Dream, ModerationStatus, VideoStatus
from dreams.services import account_delete
from tests.support.archives import (
    dream_json,
    files_on_disk,
    journal_zip,
    manifest,
    sha256,
    stored_video,
    upload_folders,
    zip_of,
)
from tests.support.factories import PASSWORD, DemoDreamFactory, DreamFactory
from tests.support.mp4s import make_mp4
from videos.models import VideoAsset

pytestmark = pytest.mark.django_db

EXPORT, IMPORT = "/api/account/export", "/api/account/import"
# What may differ between a dream and its imported copy: moderation starts again.
REVIEWED = ("moderation_status", "moderation_reason")


def post_archive(client, data: bytes, name: str = "journal.zip"):
    upload = SimpleUploadedFile(name, data, content_type="application/zip")
    return client.post(IMPORT, {"file": upload}, format="multipart")


def export_of(client) -> bytes:
    response = client.post(EXPORT)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def served_bytes(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200
    content = response.streaming_content if response.streaming else [response.content]
    return b"".join(content)


def a_journal(user, folder) -> list[Dream]:
    """Three dreams of every kind: public with a video and all details, one sharing that
    video, one private without."""
    video = stored_video(folder)
    return [
        DreamFactory(
            owner=user,
            title="The glass lighthouse",
            dreamt_on="2024-04-30",
            lucid=True,
            recurring=True,
            clarity=5,
            sleep_quality=3,
            tags=["sea", "light"],
            analysis={"emotions": ["awe"], "keywords": ["lighthouse"], "reflection": "Be bold."},
            analysis_status=AnalysisStatus.READY,
            is_public=True,
            moderation_status=ModerationStatus.APPROVED,
            video_prompt="A lighthouse of glass at dusk",
            video_duration=6,
            video_asset=video,
            video_status=VideoStatus.READY,
        ),
        DreamFactory(owner=user, video_asset=video, video_status=VideoStatus.READY),
        DreamFactory(owner=user, title="An empty station", nightmare=True),
    ]


@pytest.fixture
def nothing_written():
    """Asserts, at the end of the block, that no dream, asset or file appeared."""

    class Watch:
        def __enter__(self):
            self.counts = (Dream.objects.count(), VideoAsset.objects.count())
            self.files, self.folders = files_on_disk(), upload_folders()
            return self

        def __exit__(self, *exc):
            assert (Dream.objects.count(), VideoAsset.objects.count()) == self.counts
            assert files_on_disk() == self.files
            assert upload_folders() <= self.folders

    return Watch


# --- Round trips -----------------------------------------------------------------------------


def test_export_delete_account_import_brings_back_identical_dreams_and_videos(
    client_for, make_user, api_client, tmp_path, committed, settings
):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # the upload spools to disk, as a real journal's does
    # Given alice's journal as the API shows it, and the bytes of its video
    alice = make_user("alice", email="alice@example.com")
    client = client_for(alice)
    dreams = a_journal(alice, tmp_path)
    before = {str(d.pk): client.get(f"/api/dreams/{d.pk}").data for d in dreams}
    video_sha = dreams[0].video_asset.sha256
    video_bytes = served_bytes(client, before[str(dreams[0].pk)]["video_url"])
    assert sha256(video_bytes) == video_sha

    # When she exports it, deletes her account (its videos go with it) and signs up again
    archive = export_of(client)
    with committed():
        account_delete(user=alice, password=PASSWORD)
    assert not Dream.objects.exists() and not VideoAsset.objects.exists()
    assert not any(name.startswith("videos/") for name in files_on_disk())
    signed_up = api_client.post(
        "/api/auth/register", {"username": "alice", "password": PASSWORD}, format="json"
    )
    assert signed_up.status_code == 201
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {signed_up.data['token']}")

    # and imports the archive
    response = post_archive(api_client, archive)

    # Then every dream is back as it was (a public one waits for a moderator again)
    assert response.status_code == 200, response.data
    assert response.data == {"created": 3, "skipped": 0, "videos": 1}
    for dream_id, was in before.items():
        now = api_client.get(f"/api/dreams/{dream_id}").data
        assert {k: v for k, v in now.items() if k not in REVIEWED} == {
            k: v for k, v in was.items() if k not in REVIEWED
        }
    assert before[str(dreams[0].pk)]["moderation_status"] == ModerationStatus.APPROVED
    assert Dream.objects.get(pk=dreams[0].pk).moderation_status == ModerationStatus.PENDING
    # and the video is byte-identical, with a thumbnail made again
    restored = VideoAsset.objects.get()
    assert restored.sha256 == video_sha
    assert sha256(served_bytes(api_client, before[str(dreams[0].pk)]["video_url"])) == video_sha
    assert served_bytes(api_client, before[str(dreams[0].pk)]["thumbnail_url"])[:2] == b"\xff\xd8"

    # When she imports the same archive again, then nothing new is made
    again = post_archive(api_client, archive)
    assert again.data == {"created": 0, "skipped": 3, "videos": 0}
    assert Dream.objects.count() == 3 and VideoAsset.objects.count() == 1


def test_another_accounts_dreams_come_in_under_ids_derived_from_theirs(
    client_for, make_user, tmp_path
):
    # Given alice's export, and bob who imports it while alice still has her dreams
    alice, bob = make_user("alice"), make_user("bob")
    dreams = a_journal(alice, tmp_path)
    archive = export_of(client_for(alice))
    client = client_for(bob)

    # When bob imports it, twice
    first = post_archive(client, archive)
    second = post_archive(client, archive)

    # Then he has copies under ids of his own (the same each time), and alice keeps hers
    assert first.data == {"created": 3, "skipped": 0, "videos": 1}
    assert second.data == {"created": 0, "skipped": 3, "videos": 0}
    expected = {derived_dream_id(user=bob, dream_id=d.pk) for d in dreams}
    assert set(Dream.objects.filter(owner=bob).values_list("pk", flat=True)) == expected
    assert Dream.objects.filter(owner=alice).count() == 3
    # and the video is stored once, shared
    assert VideoAsset.objects.count() == 1


def test_an_id_of_a_demo_dream_is_not_taken_over(client_for, make_user):
    # Given a demo visitor's dream, and an archive that claims its id
    demo = DemoDreamFactory()
    bob = make_user("bob")

    # When bob imports it
    response = post_archive(client_for(bob), journal_zip(dream_json(demo.pk)))

    # Then his dream gets an id of its own; the demo dream stays the visitor's
    assert response.data["created"] == 1
    assert Dream.objects.get(owner=bob).pk == derived_dream_id(user=bob, dream_id=demo.pk)
    assert DemoDream.objects.filter(pk=demo.pk).exists()


def test_a_derived_id_someone_took_on_purpose_moves_on_to_the_next(client_for, make_user):
    # Given alice's dream, and mallory who took the id bob's copy of it would get
    alice, bob, mallory = make_user("alice"), make_user("bob"), make_user("mallory")
    original = DreamFactory(owner=alice)
    DreamFactory(owner=mallory, id=derived_dream_id(user=bob, dream_id=original.pk))
    archive = journal_zip(dream_json(original.pk))

    # When bob imports it, twice
    first = post_archive(client_for(bob), archive)
    second = post_archive(client_for(bob), archive)

    # Then his copy has the next derived id, once
    assert (first.data["created"], second.data["skipped"]) == (1, 1)
    copy = Dream.objects.get(owner=bob)
    assert copy.pk == derived_dream_id(user=bob, dream_id=original.pk, attempt=1)


def test_the_file_is_never_trusted_with_owner_moderation_or_video_state(client_for, make_user):
    # Given an archive whose dream claims to be approved, someone else's, with a ready video
    bob = make_user("bob")
    claimed = dream_json(
        is_public=True,
        moderation_status="approved",
        moderation_reason="",
        owner=1,
        video_status="ready",
        video_url="https://evil.example/video.mp4",
        storage="dreams",
        analysis_status="pending",
    )

    # When bob imports it
    response = post_archive(client_for(bob), journal_zip(claimed))

    # Then it is his, waits for a moderator, has no video and no reading on its way
    assert response.status_code == 200, response.data
    dream = Dream.objects.get()
    assert dream.owner == bob
    assert (dream.is_public, dream.moderation_status) == (True, ModerationStatus.PENDING)
    assert (dream.video_status, dream.video_url, dream.video_asset) == (VideoStatus.NONE, "", None)
    assert dream.analysis_status == AnalysisStatus.LOCAL
    # while what the file may say is kept: its timestamps, day, details and text
    assert dream.created_at == datetime(2024, 5, 1, 6, 30, tzinfo=UTC)
    assert dream.updated_at == datetime(2024, 5, 1, 6, 45, tzinfo=UTC)
    assert str(dream.dreamt_on) == "2024-04-30"
    assert (dream.lucid, dream.clarity, dream.tags) == (True, 4, ["sea", "light"])


# --- Hostile and broken archives ------------------------------------------------------------------


def _symlink_zip() -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo(f"dreams/{uuid.uuid4()}.json")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, "/etc/passwd")
        archive.writestr("manifest.json", manifest(1))
    return buffer.getvalue()


def _duplicate_zip() -> bytes:
    dream = dream_json()
    name = f"dreams/{dream['id']}.json"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the repeat we make on purpose
        return zip_of(
            [(name, json.dumps(dream).encode()), (name, b"{}"), ("manifest.json", manifest(1))]
        )


def _bomb_zip() -> bytes:
    zeros = bytes(30 * 1024 * 1024)  # 30 MB that deflate to some 30 KB
    return zip_of({f"videos/{sha256(zeros)}.mp4": zeros, "manifest.json": manifest(0)})


def _lying_header_zip() -> bytes:
    """A dream whose headers claim 10 bytes while its data unpacks to hundreds."""
    dream = dream_json()
    data = zip_of(
        {f"dreams/{dream['id']}.json": json.dumps(dream).encode(), "manifest.json": manifest(1)}
    )
    patched = bytearray(data)
    local = patched.find(b"PK\x03\x04")
    central = patched.find(b"PK\x01\x02")
    struct.pack_into("<L", patched, local + 22, 10)  # local header: uncompressed size
    struct.pack_into("<L", patched, central + 24, 10)  # central directory: the same
    return bytes(patched)


def _bad_mp4_zip() -> bytes:
    junk = os.urandom(4096)
    digest = sha256(junk)
    good = dream_json(title="A good dream first")
    bad = dream_json(video={"file": f"videos/{digest}.mp4", "sha256": digest})
    return journal_zip(good, bad, videos={digest: junk})


def _misnamed_video_zip(tmp_path) -> bytes:
    real = make_mp4(tmp_path / "real.mp4").read_bytes()
    claimed = "0" * 64
    return journal_zip(
        dream_json(video={"file": f"videos/{claimed}.mp4", "sha256": claimed}),
        videos={claimed: real},
    )


def _newer_version_zip() -> bytes:
    dream = dream_json()
    return zip_of(
        {
            f"dreams/{dream['id']}.json": json.dumps(dream).encode(),
            "manifest.json": manifest(1, version=2),
        }
    )


def _too_many_videos_zip(tmp_path) -> bytes:
    data = make_mp4(tmp_path / "fine.mp4").read_bytes()
    digest = sha256(data)
    return journal_zip(
        dream_json(video={"file": f"videos/{digest}.mp4", "sha256": digest}), videos={digest: data}
    )


HOSTILE = {
    "parent folder": (lambda t: zip_of({"../../evil.json": b"{}"}), "unsafe path"),
    "absolute path": (lambda t: zip_of({"/etc/cron.d/evil": b"x"}), "unsafe path"),
    "backslashes": (lambda t: zip_of({"dreams\\..\\..\\evil.json": b"{}"}), "unsafe path"),
    "drive letter": (lambda t: zip_of({"C:/Windows/evil.json": b"{}"}), "unsafe path"),
    "dot segments": (lambda t: zip_of({"dreams/../manifest.json": b"{}"}), "unsafe path"),
    "a stranger's file": (
        lambda t: zip_of({"notes.txt": b"hi", "manifest.json": manifest(0)}),
        "not part of",
    ),
    "a link": (lambda t: _symlink_zip(), "is a link"),
    "duplicate names": (lambda t: _duplicate_zip(), "appears twice"),
    "zip bomb": (lambda t: _bomb_zip(), "zip bomb"),
    "oversized member": (
        lambda t: zip_of(
            {f"dreams/{uuid.uuid4()}.json": b" " * (600 * 1024), "manifest.json": manifest(1)},
            stored=True,
        ),
        "is larger than",
    ),
    "lying header": (lambda t: _lying_header_zip(), "is damaged"),
    "malformed JSON": (
        lambda t: zip_of(
            {f"dreams/{uuid.uuid4()}.json": b'{"title": ', "manifest.json": manifest(1)}
        ),
        "is not valid JSON",
    ),
    "NaN in JSON": (
        lambda t: zip_of(
            {f"dreams/{uuid.uuid4()}.json": b'{"clarity": NaN}', "manifest.json": manifest(1)}
        ),
        "is not valid JSON",
    ),
    "not an object": (lambda t: journal_zip_of_raw(b"[1, 2]"), "is not a dream"),
    "invalid dream": (
        lambda t: journal_zip(dream_json(title="   ")),
        "title: This field may not be blank.",
    ),
    "dream in the future": (
        lambda t: journal_zip(dream_json(created_at="2999-01-01T00:00:00Z")),
        "created_at: Cannot be more than a day ahead.",
    ),
    "id unlike its name": (
        lambda t: zip_of(
            {
                f"dreams/{uuid.uuid4()}.json": json.dumps(dream_json()).encode(),
                "manifest.json": manifest(1),
            }
        ),
        "holds the dream",
    ),
    "a video it does not hold": (
        lambda t: journal_zip(
            dream_json(video={"file": f"videos/{'a' * 64}.mp4", "sha256": "a" * 64})
        ),
        "which the archive does not hold",
    ),
    "a bad MP4": (lambda t: _bad_mp4_zip(), "is not a video we can play"),
    "a video unlike its name": (_misnamed_video_zip, "do not match its name"),
    "no manifest": (lambda t: zip_of({f"dreams/{uuid.uuid4()}.json": b"{}"}), "no manifest.json"),
    "a newer format": (lambda t: _newer_version_zip(), "newer DreamJourney"),
    "a manifest that miscounts": (
        lambda t: zip_of({"manifest.json": manifest(2)}),
        "lists 2 dreams, it holds 0",
    ),
    "not a ZIP at all": (lambda t: b"%PDF-1.7 not a zip", "not a ZIP archive"),
    "an empty file": (lambda t: b"PK\x05\x06" + bytes(18), "no manifest.json"),
}


def journal_zip_of_raw(data: bytes) -> bytes:
    return zip_of({f"dreams/{uuid.uuid4()}.json": data, "manifest.json": manifest(1)})


@pytest.mark.parametrize("case", list(HOSTILE), ids=list(HOSTILE))
def test_a_hostile_or_broken_archive_is_a_400_that_writes_nothing(
    case, client_for, make_user, nothing_written, tmp_path
):
    # Given an account with a dream of its own, and a bad archive
    bob = make_user("bob")
    DreamFactory(owner=bob)
    build, says = HOSTILE[case]
    data = build(tmp_path)

    # When bob imports it
    with nothing_written():
        response = post_archive(client_for(bob), data)

    # Then he is told why, on the file, and nothing was written
    assert response.status_code == 400, response.data
    assert list(response.data) == ["file"]
    assert says in response.data["file"][0], response.data["file"][0]


def test_too_many_members_are_refused_before_they_are_listed(
    client_for, make_user, nothing_written, settings
):
    settings.IMPORT_MAX_MEMBERS = 3
    data = zip_of({f"dreams/{uuid.uuid4()}.md": b"# x" for _ in range(4)})
    with nothing_written():
        response = post_archive(client_for(make_user("bob")), data)
    assert response.status_code == 400
    assert response.data["file"] == ["The archive holds more than 3 files."]


def test_too_many_new_videos_are_refused(
    client_for, make_user, nothing_written, settings, tmp_path
):
    settings.IMPORT_MAX_VIDEOS = 0
    with nothing_written():
        response = post_archive(client_for(make_user("bob")), _too_many_videos_zip(tmp_path))
    assert response.status_code == 400
    assert "at most 0" in response.data["file"][0]


def test_an_archive_over_the_import_limit_is_refused_unread(
    client_for, make_user, nothing_written, settings
):
    # Given a limit smaller than the archive
    settings.IMPORT_MAX_BYTES = 2048
    data = journal_zip(*(dream_json() for _ in range(10)))
    assert len(data) > 2048

    # When it is sent with its length declared, then it is refused before it is read
    with nothing_written():
        response = post_archive(client_for(make_user("bob")), data)
    assert response.status_code == 413
    assert "at most" in response.data["detail"]


def test_the_request_must_carry_a_file(client_for, make_user):
    client = client_for(make_user("bob"))
    assert client.post(IMPORT, {}, format="multipart").status_code == 400
    assert client.post(IMPORT, {"file": "x"}, format="json").status_code == 415


def test_a_video_already_stored_here_is_reused_not_stored_again(client_for, make_user, tmp_path):
    # Given a video stored here already, and an archive holding the same bytes
    video = stored_video(tmp_path)
    bob = make_user("bob")
    archive = journal_zip(
        dream_json(video={"file": f"videos/{video.sha256}.mp4", "sha256": video.sha256}),
        videos={video.sha256: video.file.open("rb").read()},
    )

    # When bob imports it, then his dream shows the stored video: no second asset
    response = post_archive(client_for(bob), archive)
    assert response.data == {"created": 1, "skipped": 0, "videos": 1}
    assert Dream.objects.get(owner=bob).video_asset == video
    assert VideoAsset.objects.count() == 1


def test_naming_a_stored_videos_sha256_does_not_get_its_bytes(
    client_for, make_user, nothing_written, tmp_path
):
    # Given alice's private video, whose sha256 anyone who once saw it knows (its ETag)
    alice = make_user("alice")
    video = stored_video(tmp_path)
    DreamFactory(owner=alice, video_asset=video)
    mallory = make_user("mallory")
    archive = journal_zip(
        dream_json(video={"file": f"videos/{video.sha256}.mp4", "sha256": video.sha256}),
        videos={video.sha256: b"junk!"},
    )

    # When mallory imports an archive naming it, with other bytes under that name
    with nothing_written():
        response = post_archive(client_for(mallory), archive)

    # Then the archive is refused as damaged, and mallory's journal stays empty
    assert response.status_code == 400, response.data
    assert "do not match its name" in response.data["file"][0]
    assert not Dream.objects.filter(owner=mallory).exists()


# --- The account page, without JavaScript ---------------------------------------------------------


def test_the_account_page_imports_without_javascript(make_user, nothing_written):
    # Given bob on his account page, in a browser whose CSRF token is checked
    bob = make_user("bob")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(bob)
    assert b"A DreamJourney export (.zip)" in browser.get("/account/").content
    token = browser.cookies["csrftoken"].value

    def send(data: bytes, **extra):
        upload = SimpleUploadedFile("journal.zip", data, content_type="application/zip")
        return browser.post("/account/import/", {"file": upload, **extra}, follow=True)

    # When a form without its token is sent (a forged one), then it is refused unread
    with nothing_written():
        assert send(journal_zip(dream_json())).status_code == 403

    # When he sends a broken archive, then the page says why and nothing is imported
    with nothing_written():
        broken = send(b"not a zip", csrfmiddlewaretoken=token)
    assert broken.redirect_chain[-1][0] == "/account/#archive"
    assert "Your archive was not imported: This is not a ZIP archive" in broken.content.decode()

    # When he sends a good one, then the page says what it did
    done = send(journal_zip(dream_json(title="Back from the archive")), csrfmiddlewaretoken=token)
    assert "Imported 1 dream." in done.content.decode()
    assert Dream.objects.get(owner=bob, title="Back from the archive")


def test_the_import_page_sends_a_visitor_to_sign_in():
    upload = SimpleUploadedFile("journal.zip", b"PK", content_type="application/zip")
    response = Client().post("/account/import/", {"file": upload})
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
