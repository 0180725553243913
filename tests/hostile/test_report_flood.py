"""Hiding a public dream by reporting it from one machine, as many "visitors", does not work.

Real HTTP to the live server: every report comes from a fresh client (new cookies, a new
CSRF secret) with a forged ``X-Forwarded-For``; "other machines" connect from other
loopback addresses (127.0.0.2, ...), which the server sees as different ``REMOTE_ADDR``s.
Without trusted proxies (``NUM_PROXIES = 0``) a visitor is their socket address: one open
report each, and one report budget (``dream_report``) each.
"""

from __future__ import annotations

import itertools

import pytest
from rest_framework.throttling import ScopedRateThrottle

from dreams.models import Dream, DreamReport
from tests.hostile.fixtures_hostile import RawClient
from tests.support.factories import DreamFactory

pytestmark = pytest.mark.django_db(transaction=True)

_forged = (f"203.0.113.{i % 250 + 1}" for i in itertools.count())


def _report(live_server, dream, *, source: str = "127.0.0.1", csrf: bool = True) -> int:
    client = RawClient(live_server.url, source=source, csrf=csrf)
    response = client.post(
        f"/api/dreams/{dream.pk}/report",
        json={"reason": "spam"},
        headers={"X-Forwarded-For": next(_forged)},
    )
    return response.status


def test_one_machine_is_one_reporter_whatever_it_forges(live_server, settings, monkeypatch):
    settings.REPORTS_HIDE_THRESHOLD = 3
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"dream_report": "1000/hour"})
    dream = DreamFactory(in_gallery=True)

    statuses = [_report(live_server, dream) for _ in range(8)]

    assert statuses == [201] + [409] * 7
    assert not Dream.objects.get(pk=dream.pk).hidden_by_reports
    # Three machines do hide it (the threshold is about distinct visitors).
    assert _report(live_server, dream, source="127.0.0.2") == 201
    assert _report(live_server, dream, source="127.0.0.3") == 201
    assert Dream.objects.get(pk=dream.pk).hidden_by_reports


def test_one_machine_runs_out_of_reports(live_server, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"dream_report": "3/hour"})
    dreams = DreamFactory.create_batch(5, in_gallery=True)

    statuses = [_report(live_server, dream) for dream in dreams]

    assert statuses == [201, 201, 201, 429, 429]
    assert _report(live_server, dreams[4], source="127.0.0.4") == 201  # another machine


def test_another_site_cannot_report_from_its_visitors_browsers(live_server):
    dream = DreamFactory(in_gallery=True)

    forged = _report(live_server, dream, csrf=False)

    assert forged == 403
    assert not DreamReport.objects.exists()
