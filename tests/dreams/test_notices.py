"""What a dream's owner hears, and when (``dreams.notices`` over the notifications app).

A moderator's approval or rejection (with the reason), a video made or failed, a journal
export packed: each is a notification the owner lists in the API, written in the same
transaction as the change, and an email sent by the task queued when it commits, unless
the owner has no address or turned emails off. The mails of the approve and reject tests
go through a real SMTP server (aiosmtpd on loopback).
"""

from __future__ import annotations

import threading
from email import message_from_bytes, policy
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.db import transaction

from dreams import moderation
from dreams.models import ModerationStatus
from notifications.models import Notification
from notifications.services import notification_settings_update
from tests.support.factories import DemoDreamFactory, DreamFactory, UserFactory, VideoAssetFactory
from tests.support.processes import free_port, wait_for
from videos.jobs.machine import job_fail, job_finish
from videos.models import JobKind, JobStatus, VideoJob
from videos.sources import VideoSource

pytestmark = pytest.mark.django_db

REASON = "Please leave out the <b>names</b> of real people & places."


@pytest.fixture
def moderator(make_user):
    return make_user("moderator", is_staff=True, is_superuser=True)


@pytest.fixture
def luna():
    return UserFactory(username="luna", email="luna@example.com")


def told(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user).order_by("created_at"))


def titles_in_the_api(client_for, user) -> list[str]:
    return [n["title"] for n in client_for(user).get("/api/notifications").json()["results"]]


# --- Moderation -------------------------------------------------------------------------------


def test_an_approval_tells_the_owner_with_the_dreams_title(luna, moderator, client_for):
    dream = DreamFactory(owner=luna, title="The glass tide", is_public=True)

    moderation.dream_approve(dream=dream, moderator=moderator)

    [notice] = told(luna)
    assert notice.kind == "dream_approved"
    assert notice.title == "“The glass tide” was approved"
    assert "gallery" in notice.body
    assert notice.link == f"/dreams/{dream.pk}/"
    assert titles_in_the_api(client_for, luna) == ["“The glass tide” was approved"]


def test_approving_an_approved_dream_again_tells_no_one_twice(luna, moderator):
    dream = DreamFactory(owner=luna, is_public=True)

    moderation.dream_approve(dream=dream, moderator=moderator)
    moderation.dream_approve(dream=dream, moderator=moderator)
    moderation.dreams_approve(queryset=type(dream).objects.all(), moderator=moderator)

    assert len(told(luna)) == 1


def test_a_rejection_tells_the_owner_the_moderators_reason(luna, moderator):
    dream = DreamFactory(owner=luna, title="The glass tide", is_public=True)

    moderation.dream_reject(dream=dream, moderator=moderator, reason=f"  {REASON}  ")

    [notice] = told(luna)
    assert notice.kind == "dream_rejected"
    assert notice.title == "“The glass tide” was not approved for the gallery"
    assert f"The moderator's reason: {REASON}" in notice.body


def test_bulk_decisions_tell_each_owner_once(luna, moderator):
    sol = UserFactory(username="sol")
    mine = DreamFactory.create_batch(2, owner=luna, is_public=True)
    theirs = DreamFactory(owner=sol, is_public=True, moderation_status=ModerationStatus.APPROVED)
    everything = type(theirs).objects.all()

    assert moderation.dreams_approve(queryset=everything, moderator=moderator) == 3
    # sol's dream was approved already: nothing new for sol
    assert sorted(n.link for n in told(luna)) == sorted(f"/dreams/{d.pk}/" for d in mine)
    assert told(sol) == []

    moderation.dreams_reject(queryset=everything, moderator=moderator, reason="Too real.")
    assert [n.kind for n in told(sol)] == ["dream_rejected"]
    assert len(told(luna)) == 4


def test_a_refused_rejection_tells_no_one(luna, moderator):
    dream = DreamFactory(owner=luna, is_public=True)

    with pytest.raises(moderation.ValidationError):
        moderation.dream_reject(dream=dream, moderator=moderator, reason="  ")

    assert told(luna) == []


def test_demo_dreams_have_no_one_to_tell(moderator):
    demo = DemoDreamFactory(is_public=True)

    moderation.dream_approve(dream=demo, moderator=moderator)
    moderation.dreams_reject(queryset=type(demo).objects.all(), moderator=moderator, reason="No.")

    assert Notification.objects.count() == 0


# --- Videos -------------------------------------------------------------------------------------


def job_for(dream, status=JobStatus.INGESTING) -> VideoJob:
    return VideoJob.objects.create(
        kind=JobKind.GENERATE,
        provider=VideoSource.DEMO,
        user=dream.owner,
        dream=dream,
        status=status,
    )


def test_a_finished_video_tells_the_owner(luna):
    dream = DreamFactory(owner=luna, title="Owls at noon")

    job_finish(job_for(dream), status=JobStatus.SUCCEEDED, asset=VideoAssetFactory())

    [notice] = told(luna)
    assert (notice.kind, notice.title) == ("video_ready", "The video of “Owls at noon” is ready")
    assert notice.link == f"/dreams/{dream.pk}/"


def test_a_failed_video_tells_the_owner_why(luna):
    dream = DreamFactory(owner=luna, title="Owls at noon")

    job_fail(job_for(dream, JobStatus.RUNNING), "safety_rejected")

    [notice] = told(luna)
    assert notice.kind == "video_failed"
    assert notice.title == "The video of “Owls at noon” could not be made"
    assert "content policy" in notice.body


def test_only_the_end_of_a_dreams_newest_job_is_news(luna):
    dream = DreamFactory(owner=luna)
    older, newer = job_for(dream, JobStatus.RUNNING), job_for(dream, JobStatus.RUNNING)

    job_fail(older, "provider_failed")  # superseded: the dream shows the newer one
    assert told(luna) == []

    job_fail(newer, "provider_failed")
    assert [n.kind for n in told(luna)] == ["video_failed"]


def test_a_cancelled_video_is_the_owners_own_doing(luna):
    dream = DreamFactory(owner=luna)

    job_finish(job_for(dream, JobStatus.RUNNING), status=JobStatus.CANCELLED, code="cancelled")

    assert told(luna) == []


def test_a_generated_video_tells_its_owner_through_the_worker(
    client_for, luna, committed, run_jobs
):
    # Given luna asks for a dream with a video (the demo renderer makes it)
    client = client_for(luna)
    with committed():
        created = client.post(
            "/api/dreams/with-video",
            {"title": "A lantern sea", "content": "Lanterns floated on a calm sea."},
            format="json",
        )
    assert created.status_code == 201

    # When the worker has made it
    run_jobs()

    # Then she has a notification, and an email with an absolute link to the dream
    assert titles_in_the_api(client_for, luna) == ["The video of “A lantern sea” is ready"]
    [message] = mail.outbox
    assert message.to == ["luna@example.com"]
    assert message.subject == "The video of “A lantern sea” is ready"
    assert f"http://127.0.0.1:8000/dreams/{created.json()['dream']['id']}/" in message.body


def test_demo_videos_tell_no_one():
    demo = DemoDreamFactory()
    job = VideoJob.objects.create(
        kind=JobKind.GENERATE,
        provider=VideoSource.DEMO,
        session_key=demo.session_key,
        demo_dream=demo,
        status=JobStatus.RUNNING,
    )

    job_fail(job, "provider_failed")

    assert Notification.objects.count() == 0


# --- Exports ------------------------------------------------------------------------------------


def test_a_packed_export_tells_its_owner_until_when(
    luna, client_for, committed, run_jobs, settings
):
    # Given a journal too large to stream at once
    settings.EXPORT_INLINE_MAX_DREAMS = 1
    DreamFactory.create_batch(2, owner=luna)
    with committed():
        asked = client_for(luna).post("/api/account/export")
    assert asked.status_code == 202
    assert told(luna) == []

    # When the worker has packed it
    run_jobs()

    # Then she is told where to download it, and until when, in the app and by email
    [notice] = told(luna)
    assert (notice.kind, notice.title) == ("export_ready", "Your journal export is ready")
    assert notice.link == "/account/#archive"
    assert "until" in notice.body and "UTC" in notice.body
    [message] = mail.outbox
    assert message.subject == "Your journal export is ready"
    assert "http://127.0.0.1:8000/account/#archive" in message.body


# --- Emails -------------------------------------------------------------------------------------


def test_an_owner_who_turned_emails_off_gets_none(luna, moderator, committed, run_jobs):
    notification_settings_update(user=luna, email_enabled=False)
    dream = DreamFactory(owner=luna, is_public=True)

    with committed():
        moderation.dream_approve(dream=dream, moderator=moderator)
    run_jobs()

    assert len(told(luna)) == 1
    assert mail.outbox == []


def test_an_owner_without_an_address_gets_no_email(moderator, committed, run_jobs):
    nobody = UserFactory(username="nobody", email="")
    dream = DreamFactory(owner=nobody, is_public=True)

    with committed():
        moderation.dream_approve(dream=dream, moderator=moderator)
    run_jobs()

    assert len(told(nobody)) == 1
    assert mail.outbox == []


def test_turning_emails_off_before_the_worker_sends_still_counts(
    luna, moderator, committed, run_jobs
):
    dream = DreamFactory(owner=luna, is_public=True)
    with committed():
        moderation.dream_approve(dream=dream, moderator=moderator)

    notification_settings_update(user=luna, email_enabled=False)
    run_jobs()

    assert mail.outbox == []


def test_a_bulk_decision_buries_no_inbox(luna, moderator, committed, run_jobs, settings):
    settings.NOTIFICATION_EMAIL_RATE = "2/hour"
    DreamFactory.create_batch(3, owner=luna, is_public=True)

    with committed():
        moderation.dreams_reject(
            queryset=DreamFactory._meta.model.objects.all(), moderator=moderator, reason="No."
        )
    run_jobs()

    assert len(told(luna)) == 3  # all of them in the app
    assert len(mail.outbox) == 2


def test_a_decision_rolled_back_tells_no_one(luna, moderator, committed, run_jobs):
    dream = DreamFactory(owner=luna, is_public=True)
    with committed():
        try:
            with transaction.atomic():
                moderation.dream_approve(dream=dream, moderator=moderator)
                raise RuntimeError("the admin request failed later")
        except RuntimeError:
            pass
    run_jobs()

    assert told(luna) == []
    assert mail.outbox == []


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        with self._lock:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_inbox(settings):
    """Mail really leaves through SMTP, to a server on loopback (as ``EMAIL_URL`` sets it)."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "timeout": 5},
        }
    }
    settings.SITE_URL = "https://dreams.example"
    yield inbox
    controller.stop()


def parts(message: Message) -> dict[str, str]:
    return {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in message.walk()
        if not part.is_multipart()
    }


def test_an_approval_is_emailed_through_smtp(luna, moderator, committed, run_jobs, smtp_inbox):
    dream = DreamFactory(owner=luna, title="Owls & <lanterns>", is_public=True)

    with committed():
        moderation.dream_approve(dream=dream, moderator=moderator)
    run_jobs()

    message = wait_for(lambda: smtp_inbox.messages and smtp_inbox.messages[0], timeout=10)
    assert message["To"] == "luna@example.com"
    assert message["From"] == "DreamJourney <noreply@localhost>"
    assert message["Subject"] == "“Owls & <lanterns>” was approved"
    text, html = parts(message)["text/plain"], parts(message)["text/html"]
    assert "“Owls & <lanterns>” was approved" in text
    assert f"https://dreams.example/dreams/{dream.pk}/" in text
    assert "https://dreams.example/account/#notifications" in text
    # The HTML part escapes what the owner wrote
    assert "Owls &amp; &lt;lanterns&gt;" in html and "<lanterns>" not in html
    assert f'href="https://dreams.example/dreams/{dream.pk}/"' in html
    assert len(smtp_inbox.messages) == 1


def test_a_rejection_is_emailed_with_the_reason_through_smtp(
    luna, moderator, committed, run_jobs, smtp_inbox
):
    dream = DreamFactory(owner=luna, title="The glass tide", is_public=True)

    with committed():
        moderation.dream_reject(dream=dream, moderator=moderator, reason=REASON)
    run_jobs()
    run_jobs()  # a second run of the queue sends nothing more

    [message] = wait_for(lambda: smtp_inbox.messages, timeout=10)
    assert message["Subject"] == "“The glass tide” was not approved for the gallery"
    text, html = parts(message)["text/plain"], parts(message)["text/html"]
    assert REASON in text
    assert "Please leave out the &lt;b&gt;names&lt;/b&gt; of real people &amp; places." in html
    assert "<b>names</b>" not in html
