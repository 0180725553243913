"""Moderating the public gallery: what shows when, and what staff can do in the admin.

Moderators work in the Django admin (logged in with the test client); owners see the
outcome through the API. Videos are stored rows (factories) unless bytes are needed.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from dreams.models import DemoDream, Dream, ModerationStatus, VideoStatus
from tests.support.factories import DemoDreamFactory, DreamFactory, VideoAssetFactory
from tests.support.mp4s import make_mp4
from videos.assets import video_asset_create_from_file
from videos.models import JobKind, JobStatus, VideoJob
from videos.sources import VideoSource

pytestmark = pytest.mark.django_db

GALLERY = "/api/dreams/public/gallery"
CHANGELIST = reverse("admin:dreams_dream_changelist")
DEMO_CHANGELIST = reverse("admin:dreams_demodream_changelist")


def change_url(dream) -> str:
    return reverse(f"admin:dreams_{dream._meta.model_name}_change", args=[dream.pk])


def gallery_ids() -> list[str]:
    response = APIClient().get(GALLERY)
    assert response.status_code == 200
    return [d["id"] for d in response.json()["results"]]


@pytest.fixture
def moderator(make_user):
    return make_user("moderator", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(moderator) -> Client:
    client = Client()
    client.force_login(moderator)
    return client


def run_action(admin_client, dreams, action: str, url: str = CHANGELIST, **extra):
    return admin_client.post(
        url, {"action": action, "_selected_action": [str(d.pk) for d in dreams], **extra}
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def give_ready_video(dream_id: str) -> None:
    """The state after a finished job: a stored video on the dream (bytes not needed here)."""
    Dream.objects.filter(pk=dream_id).update(
        video_status=VideoStatus.READY, video_asset=VideoAssetFactory()
    )


# --- the gallery under pre- and post-moderation -------------------------------------------

DECISIONS = ["none", "approve", "reject", "unpublish"]
VISIBLE = {
    # (pre-moderation, decision) -> in the gallery afterwards
    (True, "none"): False,
    (True, "approve"): True,
    (True, "reject"): False,
    (True, "unpublish"): False,
    (False, "none"): True,
    (False, "approve"): True,
    (False, "reject"): False,
    (False, "unpublish"): False,
}


@pytest.mark.parametrize(
    "premoderation, decision",
    list(VISIBLE),
    ids=[f"{'pre' if p else 'post'}-{d}" for p, d in VISIBLE],
)
def test_gallery_shows_a_public_dream_according_to_the_moderation_mode_and_decision(
    settings, client_for, admin_client, premoderation, decision
):
    # Given an owner's public dream with a stored video, under this moderation mode
    settings.DREAMS_PREMODERATION = premoderation
    owner = client_for()
    created = owner.post(
        "/api/dreams", {"title": "Flying", "content": "Over the sea.", "is_public": True}
    ).json()
    give_ready_video(created["id"])
    dream = Dream.objects.get(pk=created["id"])

    # When a moderator decides (or not) in the admin
    if decision == "reject":
        run_action(admin_client, [dream], "reject_dreams", reason="Not a dream.", apply="1")
    elif decision != "none":
        run_action(admin_client, [dream], f"{decision}_dreams")

    # Then anyone sees it in the gallery exactly when expected
    assert (created["id"] in gallery_ids()) is VISIBLE[(premoderation, decision)]


def test_a_private_dream_never_reaches_the_gallery_even_when_approved(client_for, admin_client):
    owner = client_for()
    created = owner.post("/api/dreams", {"title": "Mine", "content": "Only mine."}).json()
    give_ready_video(created["id"])

    run_action(admin_client, [Dream.objects.get(pk=created["id"])], "approve_dreams")

    assert gallery_ids() == []
    assert owner.get(f"/api/dreams/{created['id']}").json()["moderation_status"] == "approved"


# --- bulk actions from the changelist ------------------------------------------------------


def test_approving_selected_dreams_publishes_only_those(admin_client, moderator):
    # Given three public dreams waiting with stored videos
    waiting = [DreamFactory(with_video=True, is_public=True) for _ in range(3)]

    # When the moderator approves two of them
    response = run_action(admin_client, waiting[:2], "approve_dreams")

    # Then those two are in the gallery, with who approved them and when
    assert response.status_code == 302
    assert set(gallery_ids()) == {str(d.pk) for d in waiting[:2]}
    for dream in waiting[:2]:
        dream.refresh_from_db()
        assert dream.moderated_by == moderator
        assert dream.moderated_at is not None
    waiting[2].refresh_from_db()
    assert waiting[2].moderation_status == ModerationStatus.PENDING


def test_rejecting_asks_for_a_reason_first_and_changes_nothing_until_given(admin_client):
    dreams = [DreamFactory(in_gallery=True, title=f"Nightmare {n}") for n in range(2)]

    response = run_action(admin_client, dreams, "reject_dreams")

    # An intermediate page names the dreams and asks for the reason
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nightmare 0" in page and "Nightmare 1" in page
    assert 'name="reason"' in page
    assert len(gallery_ids()) == 2


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_rejecting_without_an_acceptable_reason_is_refused(admin_client, reason):
    dream = DreamFactory(in_gallery=True)

    response = run_action(admin_client, [dream], "reject_dreams", reason=reason, apply="1")

    assert response.status_code == 200  # the form again, with its error
    assert "errorlist" in response.content.decode()
    dream.refresh_from_db()
    assert dream.moderation_status == ModerationStatus.APPROVED
    assert gallery_ids() == [str(dream.pk)]


def test_owner_sees_the_rejection_and_its_reason_through_the_api(client_for, admin_client):
    # Given an owner's dream in the gallery
    owner = client_for()
    dream = DreamFactory(in_gallery=True, owner=owner.user)

    # When a moderator rejects it with a reason
    response = run_action(
        admin_client,
        [dream],
        "reject_dreams",
        reason="  Shows a real person's face.  ",
        apply="1",
    )
    assert response.status_code == 302

    # Then it leaves the gallery and the owner reads why
    assert gallery_ids() == []
    body = owner.get(f"/api/dreams/{dream.pk}").json()
    assert body["moderation_status"] == "rejected"
    assert body["moderation_reason"] == "Shows a real person's face."
    listed = owner.get("/api/dreams").json()["results"][0]
    assert listed["moderation_reason"] == "Shows a real person's face."


def test_approving_again_clears_an_old_rejection_reason(client_for, admin_client):
    owner = client_for()
    dream = DreamFactory(in_gallery=True, owner=owner.user)
    run_action(admin_client, [dream], "reject_dreams", reason="Too dark.", apply="1")

    run_action(admin_client, [dream], "approve_dreams")

    body = owner.get(f"/api/dreams/{dream.pk}").json()
    assert (body["moderation_status"], body["moderation_reason"]) == ("approved", "")


def test_unpublishing_makes_dreams_private_for_their_owners(client_for, admin_client):
    owner = client_for()
    dream = DreamFactory(in_gallery=True, owner=owner.user)

    run_action(admin_client, [dream], "unpublish_dreams")

    assert gallery_ids() == []
    assert owner.get(f"/api/dreams/{dream.pk}").json()["is_public"] is False


@pytest.mark.parametrize("action", ["approve_dreams", "unpublish_dreams", "reject_dreams"])
def test_a_bulk_decision_costs_the_same_for_3_or_30_dreams(admin_client, action):
    extra = {"reason": "Off topic.", "apply": "1"} if action == "reject_dreams" else {}
    few = [DreamFactory(with_video=True, is_public=True) for _ in range(3)]
    many = [DreamFactory(with_video=True, is_public=True) for _ in range(30)]

    with CaptureQueriesContext(connection) as for_few:
        run_action(admin_client, few, action, **extra)
    with CaptureQueriesContext(connection) as for_many:
        run_action(admin_client, many, action, **extra)

    # (the first request also fills caches such as ContentType's: never more for 30)
    assert len(for_many.captured_queries) <= len(for_few.captured_queries)
    expected = {"approve_dreams": "approved", "unpublish_dreams": "pending"}
    expected["reject_dreams"] = "rejected"
    assert {d.moderation_status for d in Dream.objects.all()} == {expected[action]}


def test_actions_on_all_matching_rows_follow_the_filter(admin_client):
    # "Select all N" on a filtered list: only the filtered rows are approved
    public = [DreamFactory(with_video=True, is_public=True) for _ in range(2)]
    private = DreamFactory(with_video=True, is_public=False)

    admin_client.post(
        f"{CHANGELIST}?is_public__exact=1",
        {"action": "approve_dreams", "_selected_action": [str(public[0].pk)], "select_across": 1},
    )

    assert set(gallery_ids()) == {str(d.pk) for d in public}
    private.refresh_from_db()
    assert private.moderation_status == ModerationStatus.PENDING


def test_regenerating_queues_a_new_video_even_when_the_owner_is_at_their_cap(
    settings, client_for, admin_client, committed, run_jobs
):
    # Given an owner with a stored video, already at their cap of jobs in flight elsewhere
    settings.VIDEO_MAX_JOBS_IN_FLIGHT = 1
    owner = client_for()
    dream = DreamFactory(in_gallery=True, owner=owner.user, video_prompt="A red balloon")
    other = DreamFactory(owner=owner.user)
    VideoJob.objects.create(
        kind=JobKind.GENERATE, provider=VideoSource.DEMO, user=owner.user, dream=other
    )
    old_asset = dream.video_asset_id

    # When a moderator regenerates its video
    with committed():
        response = run_action(admin_client, [dream], "regenerate_videos")
    assert response.status_code == 302
    assert any("Started 1" in m for m in messages_of(admin_client.get(CHANGELIST)))

    # Then a generation job with the dream's prompt and duration runs for the owner...
    job = VideoJob.objects.get(dream=dream)
    assert (job.kind, job.prompt, job.duration, job.user) == (
        JobKind.GENERATE,
        "A red balloon",
        dream.video_duration,
        owner.user,
    )
    VideoJob.objects.filter(dream=other).update(status=JobStatus.CANCELLED)
    run_jobs()
    # ...and the owner ends up with a new stored video
    body = owner.get(f"/api/dreams/{dream.pk}").json()
    assert body["video_status"] == "ready"
    assert Dream.objects.get(pk=dream.pk).video_asset_id != old_asset


def test_regenerating_a_dream_whose_video_is_in_flight_is_reported_not_doubled(admin_client):
    dream = DreamFactory(is_public=True, title="Busy")
    VideoJob.objects.create(
        kind=JobKind.GENERATE, provider=VideoSource.DEMO, user=dream.owner, dream=dream
    )

    response = run_action(admin_client, [dream], "regenerate_videos")

    assert response.status_code == 302
    warnings = messages_of(admin_client.get(CHANGELIST))
    assert any("Not regenerated" in m and "Busy" in m for m in warnings)
    assert VideoJob.objects.filter(dream=dream).count() == 1


def test_regenerating_a_demo_dream_runs_for_its_session(admin_client):
    demo = DemoDreamFactory(title="Demo")

    run_action(admin_client, [demo], "regenerate_videos", url=DEMO_CHANGELIST)

    job = VideoJob.objects.get(demo_dream=demo)
    assert (job.session_key, job.user) == (demo.session_key, None)
    assert job.prompt  # built from the dream when it had none


# --- the dream's own page ---------------------------------------------------------------


def test_dream_page_plays_the_video_and_shows_who_moderated_when(admin_client, moderator):
    dream = DreamFactory(in_gallery=True, title="Lighthouse")
    run_action(admin_client, [dream], "approve_dreams")

    page = admin_client.get(change_url(dream)).content.decode()

    video = reverse("dream-video", kwargs={"dream_id": dream.pk})
    thumb = reverse("dream-thumbnail", kwargs={"dream_id": dream.pk})
    assert f'<video controls preload="metadata" src="{video}" poster="{thumb}"' in page
    assert "Lighthouse" in page
    assert "moderator" in page  # moderated by
    assert 'name="_save"' not in page  # nothing to save: decisions are actions


def test_a_decision_can_be_taken_from_the_dream_page(admin_client):
    dream = DreamFactory(with_video=True, is_public=True)

    response = admin_client.post(
        change_url(dream),
        {"CHANGE_FORM-action": "approve_dreams", "_selected_action": str(dream.pk), "index": 0},
    )

    assert response.status_code == 302
    assert response["Location"].endswith(change_url(dream))
    assert gallery_ids() == [str(dream.pk)]


def test_rejecting_from_the_dream_page_asks_for_the_reason_then_rejects(admin_client):
    dream = DreamFactory(in_gallery=True)
    fields = {"CHANGE_FORM-action": "reject_dreams", "_selected_action": str(dream.pk)}

    asked = admin_client.post(change_url(dream), fields)
    done = admin_client.post(change_url(dream), {**fields, "reason": "Spam.", "apply": "1"})

    assert asked.status_code == 200 and 'name="CHANGE_FORM-action"' in asked.content.decode()
    assert done.status_code == 302
    dream.refresh_from_db()
    assert (dream.moderation_status, dream.moderation_reason) == ("rejected", "Spam.")


def test_the_admin_cannot_overwrite_a_dream_by_saving_its_page(admin_client):
    dream = DreamFactory(in_gallery=True, title="Original")

    response = admin_client.post(
        change_url(dream), {"title": "Changed", "moderation_status": "rejected", "_save": "1"}
    )

    assert response.status_code == 403
    dream.refresh_from_db()
    assert (dream.title, dream.moderation_status) == ("Original", "approved")


def test_staff_who_may_only_view_dreams_get_no_moderation_actions(make_user):
    from django.contrib.auth.models import Permission

    viewer = make_user("viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_dream"))
    client = Client()
    client.force_login(viewer)
    dream = DreamFactory(with_video=True, is_public=True)

    listed = client.get(CHANGELIST)
    response = run_action(client, [dream], "approve_dreams")

    assert listed.status_code == 200
    assert "approve_dreams" not in listed.content.decode()
    assert response.status_code in (200, 302)
    dream.refresh_from_db()
    assert dream.moderation_status == ModerationStatus.PENDING


# --- the moderation queue, filters, search --------------------------------------------------


def test_moderation_queue_lists_pending_public_dreams_oldest_first(admin_client):
    oldest = DreamFactory(is_public=True, title="first in")
    DreamFactory(is_public=False, title="private")
    DreamFactory(in_gallery=True, title="approved")
    newest = DreamFactory(is_public=True, title="last in")

    changelist = admin_client.get(CHANGELIST)
    queue = admin_client.get(CHANGELIST, {"queue": "pending"})

    assert "Moderation queue (2)" in changelist.content.decode()
    assert [d.title for d in queue.context["cl"].result_list] == [oldest.title, newest.title]


def test_provider_filter_uses_each_dreams_latest_job(admin_client):
    def job(dream, provider, minutes):
        from datetime import timedelta

        VideoJob.objects.create(
            kind=JobKind.GENERATE,
            provider=provider,
            user=dream.owner,
            dream=dream,
            status=JobStatus.SUCCEEDED,
            created_at=dream.created_at + timedelta(minutes=minutes),
        )

    runway_now = DreamFactory(title="runway now")
    job(runway_now, VideoSource.DEMO, 1)
    job(runway_now, VideoSource.RUNWAY, 2)
    runway_before = DreamFactory(title="runway before")
    job(runway_before, VideoSource.RUNWAY, 1)
    job(runway_before, VideoSource.DEMO, 2)

    runway = admin_client.get(CHANGELIST, {"provider": "runway"})
    demo = admin_client.get(CHANGELIST, {"provider": "demo"})

    assert [d.title for d in runway.context["cl"].result_list] == ["runway now"]
    assert [d.title for d in demo.context["cl"].result_list] == ["runway before"]


def test_search_finds_dreams_by_title_content_and_owner(admin_client, make_user):
    owner = make_user("insomniac")
    DreamFactory(owner=owner, title="Quiet", content="Nothing")
    DreamFactory(title="Whales", content="Singing whales")
    DreamFactory(title="Other", content="A lantern")

    def found(q):
        return sorted(
            d.title for d in admin_client.get(CHANGELIST, {"q": q}).context["cl"].result_list
        )

    assert found("insomniac") == ["Quiet"]
    assert found("whales") == ["Whales"]
    assert found("lantern") == ["Other"]


def test_changelist_query_count_does_not_grow_with_rows(
    admin_client, django_assert_max_num_queries
):
    def seed(n):
        for _ in range(n):
            dream = DreamFactory(in_gallery=True)
            VideoJob.objects.create(
                kind=JobKind.GENERATE, provider=VideoSource.DEMO, user=dream.owner, dream=dream
            )
        Dream.objects.update(moderated_by=get_user_model().objects.get(username="moderator"))

    seed(3)
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(CHANGELIST).status_code == 200
    seed(27)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = admin_client.get(CHANGELIST)
    assert len(response.context["cl"].result_list) == 30
    assert response.content.decode().count('loading="lazy"') == 30


# --- owners editing moderated dreams ------------------------------------------------------


@pytest.mark.parametrize(
    "change, back_to_pending",
    [
        ({"title": "A new title"}, True),
        ({"content": "Different words."}, True),
        ({"video_url": "https://videos.example.com/new.mp4"}, True),
        ({"video_duration": 8}, False),
        ({"video_prompt": "Another prompt"}, True),
        ({"analysis": {"emotions": ["dread"], "keywords": ["cellar"]}}, True),
        ({"thumbnail_url": "https://videos.example.com/other.jpg"}, True),
    ],
    ids=["title", "content", "video", "duration-only", "prompt", "analysis", "thumbnail"],
)
def test_owner_editing_an_approved_dream_sends_it_back_to_moderation_for_what_the_public_sees(
    client_for, admin_client, change, back_to_pending
):
    # Given an approved dream in the gallery (pre-moderation)
    owner = client_for()
    dream = DreamFactory(in_gallery=True, owner=owner.user)

    # When its owner edits it through the API
    response = owner.patch(f"/api/dreams/{dream.pk}", change, format="json")

    # Then changes the public would see wait for a moderator again; other edits do not
    assert response.status_code == 200, response.content
    expected = "pending" if back_to_pending else "approved"
    assert response.json()["moderation_status"] == expected
    queue = admin_client.get(CHANGELIST, {"queue": "pending"}).context["cl"].result_list
    assert ([d.pk for d in queue] == [dream.pk]) is back_to_pending


# --- who may do this --------------------------------------------------------------------


def test_non_staff_users_are_sent_to_the_admin_login(make_user):
    client = Client()
    client.force_login(make_user("plain"))

    for url in (CHANGELIST, reverse("admin:videos_videojob_stats")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


@pytest.fixture
def stored_asset(tmp_path):
    path = make_mp4(tmp_path / "clip.mp4")
    return video_asset_create_from_file(path=path, source_kind=VideoSource.DEMO)


def test_staff_can_watch_any_private_dream_video_others_cannot(
    stored_asset, admin_client, client_for
):
    dream = DreamFactory(video_asset=stored_asset, video_status=VideoStatus.READY)
    demo = DemoDreamFactory(video_asset=stored_asset, video_status=VideoStatus.READY)
    stranger = Client()
    stranger.force_login(client_for().user)

    for target in (dream, demo):
        video = reverse("dream-video", kwargs={"dream_id": target.pk})
        thumb = reverse("dream-thumbnail", kwargs={"dream_id": target.pk})
        watched = admin_client.get(video)
        assert watched.status_code == 200
        assert watched["Content-Type"] == "video/mp4"
        assert b"".join(watched.streaming_content) == stored_asset.file.open("rb").read()
        assert admin_client.get(thumb)["Content-Type"] == "image/jpeg"
        assert stranger.get(video).status_code == 404
        assert Client().get(video).status_code == 404


def test_a_deactivated_staff_account_cannot_watch_private_videos(stored_asset, make_user):
    former = make_user("former", is_staff=True, is_active=False)
    dream = DreamFactory(video_asset=stored_asset, video_status=VideoStatus.READY)
    client = Client()
    client.force_login(former)

    response = client.get(reverse("dream-video", kwargs={"dream_id": dream.pk}))

    assert response.status_code == 404


def test_deleting_a_dream_in_the_admin_goes_through_the_dream_service(admin_client, committed):
    from django.tasks import task_backends

    # Given a dream whose video RunwayML is still making
    dream = DreamFactory(title="Gone")
    VideoJob.objects.create(
        kind=JobKind.GENERATE,
        provider=VideoSource.RUNWAY,
        provider_task_id="task-123",
        status=JobStatus.RUNNING,
        user=dream.owner,
        dream=dream,
    )

    # When a moderator deletes the dream
    with committed():
        response = admin_client.post(
            reverse("admin:dreams_dream_delete", args=[dream.pk]), {"post": "yes"}
        )

    # Then it is gone, and its job was cancelled first (a provider cancel was queued)
    assert response.status_code == 302
    assert not Dream.objects.filter(pk=dream.pk).exists()
    queued = [r.task.name for r in task_backends["default"].results]
    assert "video_job_cancel_at_provider_task" in queued


def test_demo_dreams_are_moderated_the_same_way(admin_client):
    demo = DemoDreamFactory(with_video=True, is_public=True)

    run_action(admin_client, [demo], "reject_dreams", url=DEMO_CHANGELIST, reason="No.", apply=1)

    demo.refresh_from_db()
    assert (demo.moderation_status, demo.moderation_reason) == ("rejected", "No.")
    page = admin_client.get(change_url(demo)).content.decode()
    assert "<video controls" in page
    assert demo.session_key not in page  # only a prefix of the visitor's key is shown
    assert DemoDream.objects.count() == 1


# --- staff accounts -----------------------------------------------------------------------


def test_bootstrap_superuser_does_nothing_without_the_environment(monkeypatch):
    monkeypatch.delenv("DJANGO_SUPERUSER_USERNAME", raising=False)
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)

    call_command("bootstrap_superuser")

    assert not get_user_model().objects.exists()


def test_bootstrap_superuser_creates_then_keeps_the_admin_idempotently(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "root")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a long enough passphrase 42")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "root@example.com")

    call_command("bootstrap_superuser")
    first_hash = get_user_model().objects.get(username="root").password
    call_command("bootstrap_superuser")

    user = get_user_model().objects.get(username="root")
    assert (user.is_staff, user.is_superuser, user.email) == (True, True, "root@example.com")
    assert user.password == first_hash  # not re-hashed: sessions stay valid
    client = Client()
    assert client.login(username="root", password="a long enough passphrase 42")
    assert client.get(CHANGELIST).status_code == 200


def test_bootstrap_superuser_updates_a_changed_password(monkeypatch, make_user):
    make_user("root")
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "root")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "the new passphrase 2026")

    call_command("bootstrap_superuser")

    user = get_user_model().objects.get(username="root")
    assert user.is_superuser and user.check_password("the new passphrase 2026")


@pytest.mark.parametrize("premoderation", [True, False])
def test_a_rejected_dream_returns_to_the_queue_only_when_its_owner_changes_it(
    client_for, settings, premoderation
):
    settings.DREAMS_PREMODERATION = premoderation
    owner = client_for()
    dream = DreamFactory(owner=owner.user, is_public=True, moderation_status="rejected")
    url = f"/api/dreams/{dream.pk}"

    # Toggling public off and on does not wash a rejection away
    owner.patch(url, {"is_public": False}, format="json")
    owner.patch(url, {"is_public": True}, format="json")
    assert owner.get(url).json()["moderation_status"] == "rejected"

    # Changing the text sends it back to the moderators
    owner.patch(url, {"content": "I rewrote it."}, format="json")
    assert owner.get(url).json()["moderation_status"] == "pending"
