"""Moderation cannot be bypassed: what the public sees of an approved dream is what was approved.

The owner of an approved public dream in the gallery tries every way to change what
strangers see (edits, a new generated video, a stored video) without a moderator looking
again. Under pre-moderation (the default) each sends it back to ``pending`` and out of the
gallery; under post-moderation it stays. Driven through the API with the job steps run in
process (``run_jobs``), the demo provider rendering real videos.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from dreams.models import Dream, ModerationStatus, VideoStatus
from dreams.moderation import dream_approve
from dreams.selectors import dream_moderation_queue
from tests.support.factories import DreamFactory
from tests.support.mp4s import make_mp4
from videos.assets import video_asset_create_from_file
from videos.sources import VideoSource

pytestmark = pytest.mark.django_db

UNREVIEWED = "A prompt no moderator has read"


@pytest.fixture
def owner(client_for, user) -> APIClient:
    return client_for(user)


@pytest.fixture
def moderator(make_user):
    return make_user("moderator", is_staff=True)


@pytest.fixture
def gallery_dream(user) -> Dream:
    """Alice's public dream, approved, with a ready video: in the gallery."""
    dream = DreamFactory(owner=user, in_gallery=True, video_prompt="A calm sea at dawn")
    assert _in_gallery(dream)
    return dream


def _gallery() -> dict[str, dict]:
    """The public gallery as a stranger sees it, by dream id."""
    response = APIClient().get("/api/dreams/public/gallery", {"page_size": 100})
    assert response.status_code == 200
    return {d["id"]: d for d in response.json()["results"]}


def _in_gallery(dream: Dream) -> bool:
    return str(dream.pk) in _gallery()


def _status(dream: Dream) -> str:
    dream.refresh_from_db()
    return dream.moderation_status


def _assert_back_in_review(dream: Dream) -> None:
    assert _status(dream) == ModerationStatus.PENDING
    assert not _in_gallery(dream)
    assert APIClient().get(f"/api/dreams/{dream.pk}").status_code == 404  # strangers: gone
    assert dream in dream_moderation_queue()


def _assert_unreviewed_text_never_public() -> None:
    for shown in _gallery().values():
        assert shown["video_prompt"] != UNREVIEWED, "the gallery shows text no moderator approved"


def _upload(owner: APIClient, dream: Dream, data: bytes, **fields):
    upload = SimpleUploadedFile("clip.mp4", data, content_type="video/mp4")
    return owner.post(
        f"/api/ai/store-video?dream_id={dream.pk}",
        {"dream_id": str(dream.pk), "file": upload, **fields},
        format="multipart",
    )


def _generate(owner: APIClient, dream: Dream, prompt: str, **options):
    return owner.post(
        "/api/ai/generate-video",
        {"prompt": prompt, "dream_id": str(dream.pk), "duration": 2, **options},
        format="json",
    )


# --- Pre-moderation: every change to what strangers see is reviewed again ---------------------

EDITS = {
    "title": "A title no moderator has read",
    "content": "Content no moderator has read.",
    "analysis": {"emotions": ["dread"], "keywords": ["unreviewed"]},
    "video_prompt": UNREVIEWED,
    "thumbnail_url": "https://images.example.com/unreviewed.jpg",
    "video_url": None,  # filled with the loopback file server's URL
}


@pytest.mark.parametrize("field", list(EDITS))
def test_editing_what_the_gallery_shows_sends_it_back_to_review(
    request, owner, gallery_dream, committed, run_jobs, field
):
    value = EDITS[field]
    if field == "video_url":
        value = request.getfixturevalue("files").url_for("/dream.mp4")

    with committed():
        response = owner.patch(f"/api/dreams/{gallery_dream.pk}", {field: value}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["moderation_status"] == "pending"
    _assert_back_in_review(gallery_dream)
    run_jobs()  # a new video_url is copied in: the dream stays in review once it is ready
    _assert_back_in_review(gallery_dream)


def test_a_put_that_changes_the_text_sends_it_back_to_review(owner, gallery_dream):
    response = owner.put(
        f"/api/dreams/{gallery_dream.pk}",
        {"title": "Replaced", "content": "Replaced entirely."},
        format="json",
    )
    assert response.status_code == 200
    _assert_back_in_review(gallery_dream)


def test_a_generated_video_sends_it_back_to_review(owner, gallery_dream, committed, run_jobs):
    old_asset = gallery_dream.video_asset_id
    with committed():
        response = _generate(owner, gallery_dream, "A storm over the sea")
    assert response.status_code == 202, response.content

    run_jobs()

    gallery_dream.refresh_from_db()
    assert gallery_dream.video_status == VideoStatus.READY
    assert gallery_dream.video_asset_id != old_asset
    _assert_back_in_review(gallery_dream)


def test_a_stored_upload_sends_it_back_to_review(
    owner, gallery_dream, committed, run_jobs, video_bytes
):
    with committed():
        response = _upload(owner, gallery_dream, video_bytes)
    assert response.status_code == 202, response.content

    run_jobs()

    gallery_dream.refresh_from_db()
    assert gallery_dream.video_status == VideoStatus.READY
    assert gallery_dream.video_asset.source_kind == VideoSource.UPLOAD
    _assert_back_in_review(gallery_dream)


def test_a_stored_url_sends_it_back_to_review(owner, gallery_dream, committed, run_jobs, files):
    with committed():
        response = owner.post(
            "/api/ai/store-video",
            {"dream_id": str(gallery_dream.pk), "video_url": files.url_for("/dream.mp4")},
            format="json",
        )
    assert response.status_code == 202, response.content

    run_jobs()

    _assert_back_in_review(gallery_dream)


def test_making_a_dream_private_editing_it_and_republishing_is_reviewed(owner, gallery_dream):
    url = f"/api/dreams/{gallery_dream.pk}"
    assert owner.patch(url, {"is_public": False}, format="json").status_code == 200
    assert owner.patch(url, {"title": "Quietly changed"}, format="json").status_code == 200
    assert owner.patch(url, {"is_public": True}, format="json").status_code == 200

    _assert_back_in_review(gallery_dream)


def test_editing_a_private_dream_changes_nothing_about_its_moderation(owner, user):
    dream = DreamFactory(
        owner=user, with_video=True, is_public=False, moderation_status=ModerationStatus.APPROVED
    )

    response = owner.patch(
        f"/api/dreams/{dream.pk}", {"title": "Private edit", "content": "Only mine."}, format="json"
    )

    assert response.status_code == 200
    assert _status(dream) == ModerationStatus.APPROVED
    assert not _in_gallery(dream)


def test_editing_a_field_the_gallery_does_not_show_keeps_it_approved(owner, gallery_dream):
    response = owner.patch(f"/api/dreams/{gallery_dream.pk}", {"video_duration": 6}, format="json")

    assert response.status_code == 200
    assert _status(gallery_dream) == ModerationStatus.APPROVED
    assert _in_gallery(gallery_dream)


def test_a_rejected_dream_cannot_be_republished_as_approved(owner, gallery_dream, moderator):
    from dreams.moderation import dream_reject

    dream_reject(dream=gallery_dream, moderator=moderator, reason="Not for the gallery.")
    url = f"/api/dreams/{gallery_dream.pk}"
    owner.patch(url, {"is_public": False}, format="json")
    owner.patch(url, {"is_public": True}, format="json")

    assert _status(gallery_dream) in (ModerationStatus.REJECTED, ModerationStatus.PENDING)
    assert not _in_gallery(gallery_dream)


def test_the_owner_cannot_set_the_moderation_status_themselves(owner, user):
    dream = DreamFactory(owner=user, with_video=True, is_public=True)  # pending
    response = owner.patch(
        f"/api/dreams/{dream.pk}",
        {"moderation_status": "approved", "moderation_reason": ""},
        format="json",
    )

    assert response.status_code in (200, 400)
    assert _status(dream) == ModerationStatus.PENDING
    assert not _in_gallery(dream)


# --- Post-moderation: approved at once, and it stays approved ---------------------------------


@pytest.fixture
def post_moderation(settings):
    settings.DREAMS_PREMODERATION = False


def test_post_moderation_keeps_edited_dreams_approved(
    post_moderation, owner, gallery_dream, committed, run_jobs, video_bytes
):
    url = f"/api/dreams/{gallery_dream.pk}"
    assert owner.patch(url, {"title": "Edited in the open"}, format="json").status_code == 200
    assert _status(gallery_dream) == ModerationStatus.APPROVED and _in_gallery(gallery_dream)

    with committed():
        assert _generate(owner, gallery_dream, "A new storm").status_code == 202
    run_jobs()
    assert _status(gallery_dream) == ModerationStatus.APPROVED and _in_gallery(gallery_dream)

    with committed():
        assert _upload(owner, gallery_dream, video_bytes).status_code == 202
    run_jobs()
    assert _status(gallery_dream) == ModerationStatus.APPROVED and _in_gallery(gallery_dream)
    gallery_dream.refresh_from_db()
    assert gallery_dream.video_asset.source_kind == VideoSource.UPLOAD


# --- Bypasses found -----------------------------------------------------------------------


def test_a_cancelled_generation_does_not_publish_its_prompt(
    owner, gallery_dream, committed, run_jobs
):
    with committed():
        job = _generate(owner, gallery_dream, UNREVIEWED).json()["job"]
    assert owner.post(f"/api/videos/jobs/{job['id']}/cancel").json()["status"] == "cancelled"
    run_jobs()

    _assert_unreviewed_text_never_public()


def test_a_failed_upload_does_not_publish_its_prompt(owner, gallery_dream, committed, run_jobs):
    with committed():
        response = _upload(owner, gallery_dream, b"not a video at all", video_prompt=UNREVIEWED)
    assert response.status_code == 202
    run_jobs()

    assert Dream.objects.get(pk=gallery_dream.pk).video_status == VideoStatus.READY
    _assert_unreviewed_text_never_public()


def test_the_same_video_stored_again_does_not_publish_a_new_prompt(
    owner, user, committed, run_jobs, tmp_path
):
    clip = make_mp4(tmp_path / "approved.mp4", seconds=1)
    asset = video_asset_create_from_file(path=clip, source_kind=VideoSource.UPLOAD)
    dream = DreamFactory(owner=user, in_gallery=True, video_asset=asset)
    assert _in_gallery(dream)

    with committed():
        response = _upload(owner, dream, clip.read_bytes(), video_prompt=UNREVIEWED)
    assert response.status_code == 202
    run_jobs()

    _assert_unreviewed_text_never_public()


def test_regenerating_the_same_video_does_not_publish_a_new_prompt(
    owner, user, moderator, committed, run_jobs
):
    dream = DreamFactory(owner=user, is_public=True, video_prompt="A calm sea at dawn")
    with committed():
        assert _generate(owner, dream, "A calm sea at dawn", seed=7).status_code == 202
    run_jobs()
    dream_approve(dream=Dream.objects.get(pk=dream.pk), moderator=moderator)
    assert _in_gallery(dream)

    with committed():
        assert _generate(owner, dream, UNREVIEWED, seed=7).status_code == 202
    run_jobs()

    _assert_unreviewed_text_never_public()
