"""Reporting a public dream: ``POST /api/dreams/{id}/report``, and the gallery hiding a dream
that enough visitors reported until a moderator decides.

Visitors are API clients with their own socket address (``REMOTE_ADDR``), as the throttle
and the one-open-report rule tell visitors apart.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from dreams import reports
from dreams.models import Dream, DreamReport, ReportStatus
from dreams.selectors import dream_gallery_list
from tests.support.factories import DemoDreamFactory, DreamFactory

pytestmark = pytest.mark.django_db

GALLERY = "/api/dreams/public/gallery"


def report_url(dream) -> str:
    return f"/api/dreams/{dream.pk}/report"


def visitor(number: int = 1) -> APIClient:
    """An anonymous visitor from their own address."""
    return APIClient(REMOTE_ADDR=f"203.0.113.{number}")


def report(client: APIClient, dream, **body):
    return client.post(report_url(dream), {"reason": "spam", **body}, format="json")


def gallery_ids() -> list[str]:
    response = APIClient().get(GALLERY)
    assert response.status_code == 200
    return [d["id"] for d in response.json()["results"]]


@pytest.fixture
def public_dream():
    return DreamFactory(in_gallery=True, title="A lighthouse of glass")


# --- opening a report -------------------------------------------------------------------


def test_a_visitor_reports_a_public_dream(public_dream):
    response = report(visitor(), public_dream, reason="harassment", text="  Names a real person. ")

    assert response.status_code == 201
    body = response.json()
    assert body["dream_id"] == str(public_dream.pk)
    assert body["reason"] == "harassment"
    assert body["status"] == "open"
    stored = DreamReport.objects.get(pk=body["id"])
    assert stored.text == "Names a real person."
    assert stored.reporter is None
    # The visitor is a keyed hash of their network: the address itself is not stored.
    assert stored.reporter_key.startswith("a:") and "203.0.113" not in stored.reporter_key
    assert Dream.objects.get(pk=public_dream.pk).open_reports == 1


def test_a_signed_in_reporter_is_their_account(public_dream, client_for):
    client = client_for()

    response = report(client, public_dream)

    assert response.status_code == 201
    stored = DreamReport.objects.get()
    assert stored.reporter == client.user
    assert stored.reporter_key == f"u:{client.user.pk}"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "boring"}, "reason"),
        ({"reason": ""}, "reason"),
        ({"text": "only text"}, "reason"),
        ({"reason": "other", "text": "x" * 501}, "text"),
        ({"reason": "other", "text": "nul\x00byte"}, "text"),
        ({"reason": ["spam"]}, "reason"),
    ],
)
def test_a_bad_reason_or_text_is_a_400_naming_the_field(public_dream, body, field):
    response = visitor().post(report_url(public_dream), body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not DreamReport.objects.exists()


def test_the_reasons_are_named_in_the_error(public_dream):
    response = report(visitor(), public_dream, reason="boring")

    assert "spam" in response.json()["reason"][0] and "other" in response.json()["reason"][0]


@pytest.mark.parametrize(
    "make",
    [
        lambda: DreamFactory(with_video=True, is_public=False, moderation_status="approved"),
        lambda: DreamFactory(with_video=True, is_public=True, moderation_status="pending"),
        lambda: DreamFactory(with_video=True, is_public=True, moderation_status="rejected"),
        lambda: DreamFactory(is_public=True, moderation_status="approved"),  # no video yet
        lambda: DemoDreamFactory(with_video=True, is_public=True, moderation_status="approved"),
    ],
    ids=["private", "pending", "rejected", "no-video", "demo"],
)
def test_only_dreams_in_the_gallery_can_be_reported(make):
    dream = make()

    response = report(visitor(), dream)

    assert response.status_code == 404
    assert not DreamReport.objects.exists()


def test_a_malformed_or_unknown_id_is_a_404():
    assert visitor().post("/api/dreams/not-a-uuid/report", {"reason": "spam"}).status_code == 404
    unknown = "/api/dreams/8b1c9a53-6a1e-4a43-9a3e-5d2a8f0c1b2d/report"
    assert visitor().post(unknown, {"reason": "spam"}, format="json").status_code == 404


def test_the_same_visitor_cannot_open_a_second_report(public_dream):
    assert report(visitor(7), public_dream).status_code == 201

    again = report(visitor(7), public_dream, reason="other")

    assert again.status_code == 409
    assert "already reported" in again.json()["detail"]
    assert DreamReport.objects.count() == 1
    assert Dream.objects.get(pk=public_dream.pk).open_reports == 1


def test_reporters_a_moderator_overruled_cannot_hide_the_dream_again(
    public_dream, settings, make_user
):
    # Given three visitors whose reports hid a dream, and a moderator who kept it
    settings.REPORTS_HIDE_THRESHOLD = 3
    for n in (1, 2, 3):
        assert report(visitor(n), public_dream).status_code == 201
    assert str(public_dream.pk) not in gallery_ids()
    moderator = make_user("mod", is_staff=True, is_superuser=True)
    reports.dreams_reports_resolve(
        dream_ids=[public_dream.pk], resolution="dismiss", moderator=moderator
    )
    assert str(public_dream.pk) in gallery_ids()

    # When the same three report it again
    again = [report(visitor(n), public_dream).status_code for n in (1, 2, 3)]

    # Then they are told they already did, and the dream stays in the gallery
    assert again == [409, 409, 409]
    assert str(public_dream.pk) in gallery_ids()


def test_one_ipv6_network_is_one_visitor(public_dream):
    first = APIClient(REMOTE_ADDR="2001:db8:1:2::10")
    same_network = APIClient(REMOTE_ADDR="2001:db8:1:2:ffff::99")

    assert report(first, public_dream).status_code == 201
    assert report(same_network, public_dream).status_code == 409


def test_owners_cannot_report_their_own_dream(public_dream, client_for):
    response = report(client_for(public_dream.owner), public_dream)

    assert response.status_code == 403
    assert response.json() == {"detail": "You cannot report your own dream."}
    assert not DreamReport.objects.exists()


def test_reports_are_throttled_per_visitor(public_dream, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"dream_report": "2/hour"})
    others = DreamFactory.create_batch(3, in_gallery=True)
    noisy = visitor(9)

    answers = [report(noisy, dream).status_code for dream in [public_dream, *others]]

    assert answers == [201, 201, 429, 429]
    assert report(noisy, others[0]).headers["Retry-After"]
    # Another visitor still has their own budget.
    assert report(visitor(10), others[1]).status_code == 201


def test_the_throttle_ignores_a_forwarded_for_header_without_trusted_proxies(
    public_dream, monkeypatch
):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"dream_report": "1/hour"})
    others = DreamFactory.create_batch(2, in_gallery=True)

    first = report(visitor(11), public_dream, HTTP_X_FORWARDED_FOR="198.51.100.1")
    spoofed = report(visitor(11), others[0], HTTP_X_FORWARDED_FOR="198.51.100.2")

    assert (first.status_code, spoofed.status_code) == (201, 429)


def test_a_browser_report_needs_its_csrf_token_even_without_a_session(public_dream):
    # A report counts the sender's address: another site must not send them from its
    # visitors' browsers, with a form (no preflight) or otherwise.
    browser = Client(enforce_csrf_checks=True, REMOTE_ADDR="203.0.113.50")
    browser.get(f"/dreams/{public_dream.pk}/")  # the page sets the CSRF cookie
    url = report_url(public_dream)

    forged = browser.post(url, {"reason": "spam"})
    token = browser.cookies["csrftoken"].value
    sent = browser.post(
        url, {"reason": "spam"}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )

    assert forged.status_code == 403
    assert "CSRF" in forged.json()["detail"]
    assert sent.status_code == 201
    assert DreamReport.objects.count() == 1


# --- auto-hide at the threshold ------------------------------------------------------------


def test_the_threshold_hides_a_dream_from_the_gallery_its_page_and_its_media(
    public_dream, settings, client_for
):
    settings.REPORTS_HIDE_THRESHOLD = 3
    kept = DreamFactory(in_gallery=True, title="Untouched")
    page = f"/dreams/{public_dream.pk}/"

    for number in (1, 2):
        assert report(visitor(number), public_dream).status_code == 201
    assert str(public_dream.pk) in gallery_ids()  # two reports: still shown

    assert report(visitor(3), public_dream).status_code == 201

    assert gallery_ids() == [str(kept.pk)]
    assert Client().get(page).status_code == 404
    assert APIClient().get(f"/api/dreams/{public_dream.pk}").status_code == 404
    assert Client().get(f"/media/dreams/{public_dream.pk}/video.mp4").status_code == 404
    assert b"Untouched" in Client().get("/gallery/").content
    assert b"A lighthouse of glass" not in Client().get("/gallery/").content
    feed = Client().get("/gallery/feed.atom").content
    assert b"Untouched" in feed and b"A lighthouse of glass" not in feed
    # Its owner still sees it, told why it is not in the gallery.
    owner = Client()
    owner.force_login(public_dream.owner)
    mine = owner.get(page)
    assert mine.status_code == 200
    assert b"hidden while a moderator reviews reports" in mine.content
    # A hidden dream takes no more reports.
    assert report(visitor(4), public_dream).status_code == 404
    assert Dream.objects.get(pk=public_dream.pk).open_reports == 3


def test_accounts_from_one_network_count_once_towards_the_threshold(
    public_dream, settings, client_for, make_user
):
    # Given three accounts, cheap to make, all reporting from one address
    settings.REPORTS_HIDE_THRESHOLD = 3
    same_place = []
    for n in (1, 2, 3):
        client = client_for(make_user(f"sock{n}"))
        client.defaults["REMOTE_ADDR"] = "203.0.113.200"
        same_place.append(client)

    # When each reports the dream, then all three reports are open for a moderator, and
    # the dream stays in the gallery: one network is one voice
    assert [report(c, public_dream).status_code for c in same_place] == [201, 201, 201]
    assert Dream.objects.get(pk=public_dream.pk).open_reports == 3
    assert str(public_dream.pk) in gallery_ids()

    # And two more networks (an account elsewhere, an anonymous visitor) make three
    elsewhere = client_for(make_user("elsewhere"))
    elsewhere.defaults["REMOTE_ADDR"] = "198.51.100.7"
    assert report(elsewhere, public_dream).status_code == 201
    assert str(public_dream.pk) in gallery_ids()
    assert report(visitor(5), public_dream).status_code == 201
    assert str(public_dream.pk) not in gallery_ids()


def test_a_threshold_of_zero_never_hides(public_dream, settings):
    settings.REPORTS_HIDE_THRESHOLD = 0

    for number in range(1, 5):
        assert report(visitor(number), public_dream).status_code == 201

    assert gallery_ids() == [str(public_dream.pk)]


def test_reporting_costs_a_constant_number_of_queries(public_dream, django_assert_num_queries):
    # Found (1), locked (1), this visitor's open report looked for (1), inserted (1), the
    # dream's counters (1); the transaction is a SAVEPOINT and its RELEASE inside the test's.
    client = visitor(20)
    report(visitor(21), public_dream)
    with django_assert_num_queries(7):
        assert report(client, public_dream).status_code == 201


def test_the_gallery_query_stays_one_query_with_hidden_dreams(settings, django_assert_num_queries):
    settings.REPORTS_HIDE_THRESHOLD = 1
    shown = DreamFactory.create_batch(3, in_gallery=True)
    hidden = DreamFactory(in_gallery=True)
    report(visitor(), hidden)

    with django_assert_num_queries(1):
        ids = gallery_ids()

    assert ids == [str(d.pk) for d in reversed(shown)]
    assert DreamReport.objects.get().status == ReportStatus.OPEN


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the partial index is PostgreSQL's")
def test_the_gallery_is_still_served_by_its_partial_index():
    DreamFactory.create_batch(3, in_gallery=True)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table: ask what it could use

    plan = dream_gallery_list()[:20].explain()

    assert "dreams_gallery_idx" in plan
