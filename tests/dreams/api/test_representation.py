"""The dream representation built by ``dreams.api.representation`` is, byte for byte, what
``DreamSerializer`` (DRF's fields, one by one) rendered with DRF's ``JSONRenderer`` gives,
and the list endpoints run a constant number of SQL statements however many dreams a page
holds."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from common.owners import DEMO_SESSION_FIELD
from common.renderers import OrjsonRenderer
from dreams.api.representation import dream_representation, dream_representations
from dreams.api.serializers import DreamSerializer
from dreams.models import DemoDream, Dream, ModerationStatus
from dreams.selectors import dream_rows
from dreams.storage.journal import EmergencyRecord
from dreams.storage.records import record_as_dream
from tests.support.factories import DemoDreamFactory, DreamFactory, UserFactory

pytestmark = pytest.mark.django_db

DEMO_KEY = "demo-session-key-for-the-representation-test"
UNICODE = "Träume 🌙 “quoted” \\ back\\slash, tab\t, line\u2028break, para\u2029, nul-free ✓"


@pytest.fixture(autouse=True)
def _served_as_dreams_example(settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "dreams.example"]


def _request(user=None, demo_key: str = ""):
    request = RequestFactory().get("/api/dreams", HTTP_HOST="dreams.example:8443")
    request.user = user or AnonymousUser()
    request.session = {DEMO_SESSION_FIELD: demo_key} if demo_key else {}
    return request


def _varied_dreams(owner) -> list:
    """Dreams covering every value format the representation has."""
    rich_analysis = {
        "emotions": ["wonder", "fear"],
        "keywords": ["lighthouse", "glass sea"],
        "symbols": [{"name": "sea", "family": "water"}],
        "mood": "uneasy",
        "valence": -0.35,
        "arousal": 0.5,
        "reflection": "Only the dreamer should read this.",
        "video_prompt": "A lighthouse at dusk",
    }
    return [
        DreamFactory(
            owner=owner,
            in_gallery=True,
            title=UNICODE,
            content=UNICODE * 3,
            analysis=rich_analysis,
            tags=["sea", "lighthouse"],
            lucid=True,
            recurring=True,
            clarity=5,
            sleep_quality=1,
            dreamt_on=date(1999, 12, 31),
        ),
        DreamFactory(
            owner=owner,
            is_public=True,
            video_url="https://videos.example/given.mp4",
            thumbnail_url="https://videos.example/given.jpg",
            video_prompt="given elsewhere",
            video_duration=8,
            nightmare=True,
            moderation_status=ModerationStatus.REJECTED,
            moderation_reason="Not for the gallery, sorry.",
        ),
        DreamFactory(owner=owner, analysis={}, tags=[], clarity=None, sleep_quality=None),
        # A stored video whose preview loop was made (videos.renditions): a preview_url.
        DreamFactory(owner=owner, with_video=True, video_asset__preview_ready=True),
        DreamFactory(
            owner=owner,
            created_at=timezone.now().replace(microsecond=0),
            analysis={"emotions": [], "valence": 0.0, "arousal": 1.0},
        ),
    ]


def _emergency_dream(user):
    record = EmergencyRecord(
        id=str(uuid.uuid4()),
        owner_user_id=user.pk,
        owner_session="",
        payload={
            "title": "Written while the database was away",
            "content": UNICODE,
            "tags": ["offline"],
            "dreamt_on": "2026-01-02",
            "lucid": True,
            "clarity": 3,
            "generate_video": True,
        },
        created_at=timezone.now() - timedelta(minutes=3),
        state="pending",
        error="",
    )
    return record_as_dream(record)


def _assert_same_bytes(dreams, request) -> None:
    """Given dreams and a caller, the builder's JSON is the serializer's, byte for byte."""
    reference = DreamSerializer(dreams, many=True, context={"request": request}).data
    expected = JSONRenderer().render(reference)

    built = dream_representations(dreams, request=request)

    assert OrjsonRenderer().render(built) == expected
    assert JSONRenderer().render(built) == expected
    assert json.loads(OrjsonRenderer().render(built)) == json.loads(expected) == reference
    for dream, one in zip(dreams, built, strict=True):
        assert dream_representation(dream, request=request) == one


@pytest.mark.parametrize("caller", ["owner", "stranger", "anonymous", "no request"])
def test_accounts_dreams_render_as_the_serializer_did(caller):
    # Given an account's varied dreams, one of them still waiting in the emergency journal
    owner = UserFactory()
    dreams = [_emergency_dream(owner), *_varied_dreams(owner)]
    request = {
        "owner": _request(owner),
        "stranger": _request(UserFactory()),
        "anonymous": _request(),
        "no request": None,
    }[caller]

    # Then the builder renders each exactly as the serializer did, instances or rows
    _assert_same_bytes(dreams, request)
    rows = list(dream_rows(Dream.objects.filter(owner=owner).order_by("-created_at")))
    stored = list(Dream.objects.filter(owner=owner).order_by("-created_at"))
    assert dream_representations(rows, request=request) == dream_representations(
        stored, request=request
    )
    _assert_same_bytes(stored, request)


def test_owners_see_their_tags_and_reflection_and_nobody_else_does():
    # Given a tagged dream with the analyst's reflection
    owner = UserFactory()
    dream = _varied_dreams(owner)[0]

    # When its owner and a stranger read it
    mine = dream_representation(dream, request=_request(owner))
    theirs = dream_representation(dream, request=_request(UserFactory()))

    # Then only the owner sees the tags and the reflection
    assert mine["tags"] == ["sea", "lighthouse"] and "reflection" in mine["analysis"]
    assert theirs["tags"] == [] and "reflection" not in theirs["analysis"]
    assert mine["video_url"] == f"http://dreams.example:8443/media/dreams/{dream.pk}/video.mp4"
    assert mine["created_at"].endswith("Z") and mine["dreamt_on"] == "1999-12-31"


@pytest.mark.parametrize("caller", ["demo owner", "other demo", "account"])
def test_demo_dreams_render_as_the_serializer_did(caller):
    # Given demo dreams of one browser session, with tags and a reflection
    dreams = [
        DemoDreamFactory(
            session_key=DEMO_KEY,
            tags=["demo"],
            analysis={"emotions": ["joy"], "reflection": "for the dreamer"},
        ),
        DemoDreamFactory(session_key=DEMO_KEY, with_video=True),
    ]
    request = {
        "demo owner": _request(demo_key=DEMO_KEY),
        "other demo": _request(demo_key="someone-else"),
        "account": _request(UserFactory()),
    }[caller]

    # Then the builder renders them as the serializer did (rows included)
    _assert_same_bytes(dreams, request)
    rows = list(dream_rows(DemoDream.objects.filter(session_key=DEMO_KEY).order_by("created_at")))
    assert dream_representations(rows, request=request) == dream_representations(
        dreams, request=request
    )
    assert {row["storage"] for row in dream_representations(rows, request=request)} == {
        "demo_dreams"
    }


def _statements(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries.captured_queries)


@pytest.mark.parametrize(
    ("list_path", "full_page"), [("/api/dreams", 20), ("/api/dreams/public/gallery", 20)]
)
def test_a_full_page_runs_the_same_sql_as_a_page_of_one(
    list_path, full_page, client_for, django_assert_num_queries
):
    # Given an owner with one gallery dream, tagged
    owner = UserFactory()
    client = client_for(owner)
    DreamFactory(owner=owner, in_gallery=True, tags=["one"])
    with_one = _statements(client, list_path)

    # When the journal and the gallery hold twenty
    for n in range(19):
        DreamFactory(owner=owner, in_gallery=True, tags=[f"t{n}"], clarity=n % 5 + 1)

    # Then a page of twenty costs the same statements as a page of one
    with django_assert_num_queries(with_one):
        response = client.get(list_path)
    assert len(response.json()["results"]) == full_page
