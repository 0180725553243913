"""Moderators in the admin: the branded site, what waits on its index, the report queue and
resolving reports (dismiss / unpublish / reject) with the moderation audit trail.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from dreams.models import (
    Dream,
    DreamReport,
    ModerationDecision,
    ModerationStatus,
    ReportStatus,
)
from tests.support.factories import DreamFactory
from videos.models import JobKind, JobStatus, VideoJob
from videos.sources import VideoSource

pytestmark = pytest.mark.django_db

REPORTS = reverse("admin:dreams_dreamreport_changelist")
INDEX = reverse("admin:index")


@pytest.fixture
def moderator(make_user):
    return make_user("moderator", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(moderator) -> Client:
    client = Client()
    client.force_login(moderator)
    return client


def reported(dream, *numbers: int, reason: str = "spam") -> None:
    for number in numbers:
        response = APIClient(REMOTE_ADDR=f"192.0.2.{number}").post(
            f"/api/dreams/{dream.pk}/report", {"reason": reason}, format="json"
        )
        assert response.status_code == 201, response.content


def selected(reports) -> list[str]:
    return [str(r.pk) for r in reports]


def log_messages(obj) -> list[str]:
    kind = ContentType.objects.get_for_model(obj)
    entries = LogEntry.objects.filter(content_type=kind, object_id=str(obj.pk))
    return list(entries.values_list("change_message", flat=True))


def failed_job(owner, *, days_ago: int = 0, status: str = JobStatus.FAILED) -> VideoJob:
    return VideoJob.objects.create(
        kind=JobKind.GENERATE,
        provider=VideoSource.DEMO,
        status=status,
        user=owner,
        prompt="A door in the sea",
        error_code="provider_failed" if status == JobStatus.FAILED else "",
        created_at=timezone.now() - timedelta(days=days_ago),
    )


# --- branding and the index ----------------------------------------------------------------


def test_the_admin_is_branded_for_moderators(admin_client):
    login = Client().get(reverse("admin:login"))
    index = admin_client.get(INDEX)

    for page in (login, index):
        html = page.content.decode()
        assert "DreamJourney moderation" in html
        assert "Django administration" not in html
    assert "<title>What waits for you | DreamJourney moderation</title>" in index.content.decode()


def test_the_index_counts_what_waits_each_linking_to_its_list(admin_client, moderator, settings):
    settings.REPORTS_HIDE_THRESHOLD = 0
    DreamFactory.create_batch(2, with_video=True, is_public=True)  # pending review
    DreamFactory(with_video=True, is_public=False)  # private: not waiting
    shown = DreamFactory(in_gallery=True)
    reported(shown, 1, 2, 3)
    other = DreamFactory(in_gallery=True)
    reported(other, 4)
    DreamReport.objects.filter(dream=other).update(
        status=ReportStatus.DISMISSED, resolved_at=timezone.now()
    )
    failed_job(moderator)
    failed_job(moderator, days_ago=3)
    failed_job(moderator, days_ago=30)  # older than the window
    failed_job(moderator, status=JobStatus.SUCCEEDED)

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(INDEX)

    waiting = {item.label: item for item in response.context["waiting"]}
    assert {label: item.count for label, item in waiting.items()} == {
        "Dreams waiting for review": 2,
        "Open reports": 3,
        "Failed video jobs": 2,
    }
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 3
    html = response.content.decode()
    for item in waiting.values():
        assert f'href="{item.url.replace("&", "&amp;")}"' in html
    # Each link opens the list of exactly what it counted.
    pending = admin_client.get(waiting["Dreams waiting for review"].url)
    reports = admin_client.get(waiting["Open reports"].url)
    jobs = admin_client.get(waiting["Failed video jobs"].url)
    assert pending.context["cl"].result_count == 2
    assert reports.context["cl"].result_count == 3
    assert jobs.context["cl"].result_count == 2
    assert "Past 7 days" in jobs.content.decode()  # the date filter shows its choice


def test_staff_see_only_the_counts_of_lists_they_may_open(make_user):
    staff = make_user("helper", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_videojob"))
    client = Client()
    client.force_login(staff)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(INDEX)

    assert response.status_code == 200
    assert [item.label for item in response.context["waiting"]] == ["Failed video jobs"]
    assert sum("COUNT(" in q["sql"].upper() for q in queries.captured_queries) == 1


# --- the report queue -----------------------------------------------------------------------


def test_the_report_list_shows_each_report_and_filters(admin_client, settings, client_for):
    settings.REPORTS_HIDE_THRESHOLD = 2
    dream = DreamFactory(in_gallery=True, title="Stairs to nowhere")
    reported(dream, 1, reason="spam")
    report = client_for().post(
        f"/api/dreams/{dream.pk}/report", {"reason": "violence", "text": "Gore"}, format="json"
    )
    assert report.status_code == 201

    listing = admin_client.get(REPORTS, {"status__exact": "open"})
    violence = admin_client.get(REPORTS, {"reason__exact": "violence"})

    html = listing.content.decode()
    assert listing.context["cl"].result_count == 2
    assert "Stairs to nowhere" in html and "(hidden from the gallery)" in html
    assert "Spam or advertising" in html and "Violence or self-harm" in html
    assert "visitor" in html and "account" in html and "Gore" in html
    assert "192.0.2" not in html  # no address anywhere
    assert violence.context["cl"].result_count == 1


def test_the_report_list_costs_the_same_for_many_reports(admin_client, settings):
    settings.REPORTS_HIDE_THRESHOLD = 0
    few = DreamFactory(in_gallery=True)
    reported(few, 1)
    with CaptureQueriesContext(connection) as one:
        admin_client.get(REPORTS)
    for dream in DreamFactory.create_batch(4, in_gallery=True):
        reported(dream, 2, 3)

    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(REPORTS)

    assert response.context["cl"].result_count == 9
    assert len(many.captured_queries) == len(one.captured_queries)


# --- resolving ------------------------------------------------------------------------------


def test_dismissing_shows_the_dream_again_and_closes_all_its_reports(
    admin_client, moderator, settings
):
    settings.REPORTS_HIDE_THRESHOLD = 2
    dream = DreamFactory(in_gallery=True)
    reported(dream, 1, 2)
    assert Dream.objects.get(pk=dream.pk).hidden_by_reports
    one = DreamReport.objects.filter(dream=dream)[:1]

    response = admin_client.post(
        REPORTS, {"action": "dismiss_reports", "_selected_action": selected(one)}
    )

    assert response.status_code == 302
    dream.refresh_from_db()
    assert (dream.hidden_by_reports, dream.open_reports) == (False, 0)
    assert dream.is_public and dream.moderation_status == ModerationStatus.APPROVED
    closed = DreamReport.objects.filter(dream=dream)
    assert {(r.status, r.resolution, r.resolved_by_id) for r in closed} == {
        (ReportStatus.DISMISSED, "dismiss", moderator.pk)
    }
    assert all(r.resolved_at for r in closed)
    assert log_messages(dream) == ["Reports dismissed."]
    assert all(log_messages(r) == ["Reports dismissed."] for r in closed)
    gallery = APIClient().get("/api/dreams/public/gallery").json()["results"]
    assert [d["id"] for d in gallery] == [str(dream.pk)]


def test_unpublishing_makes_the_reported_dream_private(admin_client, moderator):
    dream = DreamFactory(in_gallery=True)
    reported(dream, 1)

    admin_client.post(
        REPORTS,
        {"action": "unpublish_reported", "_selected_action": selected(dream.reports.all())},
    )

    dream.refresh_from_db()
    assert not dream.is_public
    assert dream.moderated_by == moderator and dream.moderated_at is not None
    report = dream.reports.get()
    assert (report.status, report.resolution) == (ReportStatus.ACTIONED, "unpublish")
    assert log_messages(dream) == ["Unpublished after reports."]
    assert log_messages(report) == ["Unpublished after reports."]


def test_rejecting_asks_for_a_reason_then_rejects_through_moderation(admin_client, moderator):
    dream = DreamFactory(in_gallery=True, title="Red door")
    reported(dream, 1, 2)
    chosen = selected(dream.reports.all())

    asked = admin_client.post(REPORTS, {"action": "reject_reported", "_selected_action": chosen})
    empty = admin_client.post(
        REPORTS,
        {"action": "reject_reported", "_selected_action": chosen, "apply": "1", "reason": " "},
    )
    done = admin_client.post(
        REPORTS,
        {
            "action": "reject_reported",
            "_selected_action": chosen,
            "apply": "1",
            "reason": "Shows a real address.",
        },
    )

    assert asked.status_code == 200
    html = asked.content.decode()
    assert "Reject 1 dream?" in html and "Red door" in html
    assert 'value="reject_reported"' in html
    assert empty.status_code == 200 and "This field is required" in empty.content.decode()
    assert done.status_code == 302
    dream.refresh_from_db()
    assert dream.moderation_status == ModerationStatus.REJECTED
    assert dream.moderation_reason == "Shows a real address."
    assert dream.moderated_by == moderator
    assert set(dream.reports.values_list("status", flat=True)) == {ReportStatus.ACTIONED}
    assert log_messages(dream) == ["Rejected after reports: Shows a real address."]
    decision = ModerationDecision.objects.get(dream_id=dream.pk)
    assert (decision.decision, decision.moderator) == ("rejected", moderator)
    history = admin_client.get(reverse("admin:dreams_moderationdecision_changelist"))
    assert history.context["cl"].result_count == 1
    assert reverse("admin:dreams_dream_change", args=[dream.pk]) in history.content.decode()


def test_reports_are_view_only(admin_client):
    dream = DreamFactory(in_gallery=True)
    reported(dream, 1)
    report = dream.reports.get()
    change = reverse("admin:dreams_dreamreport_change", args=[report.pk])

    page = admin_client.get(change)
    posted = admin_client.post(change, {"reason": "other", "status": "dismissed"})

    assert page.status_code == 200
    assert posted.status_code == 403
    assert admin_client.get(reverse("admin:dreams_dreamreport_add")).status_code == 403
    assert DreamReport.objects.get().status == ReportStatus.OPEN


def test_the_dreams_list_links_a_dreams_open_reports(admin_client, settings):
    settings.REPORTS_HIDE_THRESHOLD = 2
    dream = DreamFactory(in_gallery=True, title="Glass bell")
    DreamFactory(in_gallery=True)
    reported(dream, 1, 2)

    listing = admin_client.get(reverse("admin:dreams_dream_changelist"))
    hidden = admin_client.get(
        reverse("admin:dreams_dream_changelist"), {"hidden_by_reports__exact": "1"}
    )
    link = f"{REPORTS}?dream__id__exact={dream.pk}&amp;status__exact=open"
    its_reports = admin_client.get(f"{REPORTS}?dream__id__exact={dream.pk}&status__exact=open")

    assert f'<a href="{link}">2</a> (hidden)' in listing.content.decode()
    assert hidden.context["cl"].result_count == 1
    assert its_reports.context["cl"].result_count == 2


def test_resolving_needs_the_permission_to_change_dreams_too(make_user):
    dream = DreamFactory(in_gallery=True)
    reported(dream, 1)
    clerk = make_user("clerk", is_staff=True)
    clerk.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_dreamreport", "change_dreamreport", "view_dream"]
        )
    )
    client = Client()
    client.force_login(clerk)

    listing = client.get(REPORTS)
    tried = client.post(
        REPORTS, {"action": "unpublish_reported", "_selected_action": selected(dream.reports.all())}
    )

    assert listing.status_code == 200
    assert "unpublish_reported" not in listing.content.decode()
    assert tried.status_code in (200, 302)
    assert Dream.objects.get(pk=dream.pk).is_public
    assert DreamReport.objects.get().status == ReportStatus.OPEN
