"""The LLM analyst in the background: queued on commit, retried by re-enqueueing, never
overwriting an edit, with the local reading as the fallback.

Dreams are written through the API; ``run_jobs`` plays the worker (it runs the queued
tasks, and those they queue, without waiting for ``run_after``). The analyst is a fake
chat-completions server on loopback (pytest-httpserver).
"""

from __future__ import annotations

import json
import threading
import time

import pytest
from django.tasks import task_backends
from django.utils import timezone
from pytest_httpserver import HTTPServer
from rest_framework.test import APIClient
from werkzeug import Request, Response

from dreams.analysis.llm import OpenAIAnalyst
from dreams.models import AnalysisStatus, DemoDream, Dream
from dreams.services.analysis import analysis_key, dream_analysis_refresh
from dreams.tasks import dream_analysis_task
from tests.dreams.analysis.test_llm import GOOD, KEY, PATH, completion
from tests.support.factories import DreamFactory

pytestmark = pytest.mark.django_db

DREAMS = "/api/dreams"
BODY = {
    "title": "The coral library",
    "content": "I walked down a spiral staircase into a library of coral. I felt calm wonder.",
}
RATE_LIMITED = {"error": {"message": "Rate limit reached", "type": "requests", "code": None}}


@pytest.fixture
def llm(httpserver: HTTPServer, settings) -> HTTPServer:
    """The LLM analyst on, pointed at the fake server."""
    settings.ANALYSIS_PROVIDER = "openai"
    settings.ANALYSIS_BASE_URL = httpserver.url_for("")
    settings.ANALYSIS_MODEL = "gpt-4o-mini"
    settings.ANALYSIS_API_KEY = KEY
    settings.ANALYSIS_TIMEOUT_SECONDS = 5
    settings.ANALYSIS_MAX_ATTEMPTS = 3
    return httpserver


def queued() -> list:
    return [r for r in task_backends["default"].results if r.task.func is dream_analysis_task.func]


def create(client: APIClient, committed, **extra) -> dict:
    with committed():
        response = client.post(DREAMS, {**BODY, **extra}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def stored(dream_id: str) -> Dream:
    return Dream.objects.get(pk=dream_id)


def asked(server: HTTPServer) -> list[dict]:
    """The dreams the analyst was sent, in order."""
    return [
        json.loads(json.loads(request.data)["messages"][1]["content"])
        for request, _ in server.log
        if request.path == PATH
    ]


# -- the request stays fast; the reading arrives -----------------------------------------


def test_a_new_dream_gets_the_local_reading_at_once_and_the_llms_on_commit(
    auth_client, committed, run_jobs, llm
):
    llm.expect_oneshot_request(PATH, method="POST").respond_with_json(completion(GOOD))

    with committed():
        response = auth_client.post(DREAMS, BODY, format="json")
        # Nothing is queued before the dream is committed, and nobody was asked yet.
        assert queued() == []
    body = response.json()

    assert response.status_code == 201
    assert body["analysis_status"] == "pending"
    assert body["analysis"]["source"] == "local" and body["analysis"]["emotions"]
    assert llm.log == []
    [task] = queued()
    assert task.args[:2] == [body["id"], "dreams.Dream"]

    run_jobs()

    dream = auth_client.get(f"{DREAMS}/{body['id']}").json()
    assert dream["analysis_status"] == "ready"
    analysis = dream["analysis"]
    assert analysis["source"] == "llm"
    assert analysis["emotions"] == ["wonder", "calm"]
    assert analysis["mood"] == "serene" and analysis["valence"] == 0.6
    assert analysis["symbols"][0] == {"name": "staircase", "family": "house and rooms"}
    assert analysis["reflection"] == GOOD["reflection"]
    assert analysis["video_prompt"] == GOOD["video_prompt"]
    assert "confidence" not in analysis
    assert asked(llm) == [{"title": BODY["title"], "dream": BODY["content"]}]
    [(sent, _)] = llm.log
    assert sent.headers["Authorization"] == f"Bearer {KEY}"


def test_fields_the_llm_leaves_out_come_from_the_local_reading(
    auth_client, committed, run_jobs, llm
):
    llm.expect_oneshot_request(PATH).respond_with_json(
        completion({"emotions": ["awe"], "mood": "enchanted"})
    )
    body = create(auth_client, committed)
    local = body["analysis"]

    run_jobs()

    analysis = stored(body["id"]).analysis
    assert analysis["emotions"] == ["awe"] and analysis["mood"] == "enchanted"
    assert analysis["keywords"] == local["keywords"]
    assert analysis["symbols"] == local["symbols"]
    assert analysis["source"] == "llm"


def test_with_the_local_provider_nothing_is_queued(auth_client, committed, settings):
    settings.ANALYSIS_PROVIDER = "local"

    body = create(auth_client, committed)

    assert body["analysis_status"] == "local" and body["analysis"]["source"] == "local"
    assert queued() == []


def test_a_clients_own_analysis_is_kept_and_not_sent_to_the_llm(auth_client, committed, llm):
    mine = {"emotions": ["hope"], "keywords": ["lantern"], "mood": "hope"}

    body = create(auth_client, committed, analysis=mine)

    assert body["analysis_status"] == "local" and body["analysis"] == mine
    assert queued() == []


def test_with_video_creates_pending_too(auth_client, committed, run_jobs, llm):
    llm.expect_oneshot_request(PATH).respond_with_json(completion(GOOD))
    with committed():
        response = auth_client.post(
            f"{DREAMS}/with-video", {**BODY, "generate_video": False}, format="json"
        )
    dream = response.json()["dream"]
    assert dream["analysis_status"] == "pending" and dream["analysis"]["source"] == "local"

    run_jobs()

    assert stored(dream["id"]).analysis_status == AnalysisStatus.READY


# -- failures: the local reading stays ----------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param("{not json", id="malformed-envelope"),
        pytest.param(json.dumps(completion("The dream means you miss the sea.")), id="prose"),
        pytest.param(json.dumps(completion({**GOOD, "valence": 7})), id="schema-violation"),
        pytest.param(json.dumps(completion({"mood": "calm"})), id="emotions-missing"),
        pytest.param(json.dumps(completion(None, refusal="I can't help with that.")), id="refusal"),
        pytest.param(
            json.dumps(completion(None, finish_reason="content_filter")), id="content-filter"
        ),
    ],
)
def test_an_unusable_answer_or_a_refusal_fails_at_once_keeping_the_local_reading(
    auth_client, committed, run_jobs, llm, answer
):
    llm.expect_request(PATH).respond_with_data(answer, content_type="application/json")
    body = create(auth_client, committed)

    run_jobs()

    dream = auth_client.get(f"{DREAMS}/{body['id']}").json()
    assert dream["analysis_status"] == "failed"
    assert dream["analysis"] == body["analysis"]  # the local reading, untouched
    assert len(llm.log) == 1  # never retried


def test_an_oversized_answer_is_refused_and_the_local_reading_stays(
    auth_client, committed, run_jobs, llm, settings
):
    settings.ANALYSIS_MAX_RESPONSE_BYTES = 4096
    llm.expect_request(PATH).respond_with_json(completion({**GOOD, "reflection": "x" * 5000}))
    body = create(auth_client, committed)

    run_jobs()

    dream = stored(body["id"])
    assert dream.analysis_status == AnalysisStatus.FAILED
    assert dream.analysis == body["analysis"]
    assert len(llm.log) == 1


def test_401_fails_at_once(auth_client, committed, run_jobs, llm):
    llm.expect_request(PATH).respond_with_json({"error": {"message": "bad key"}}, status=401)
    body = create(auth_client, committed)

    run_jobs()

    assert stored(body["id"]).analysis_status == AnalysisStatus.FAILED
    assert len(llm.log) == 1


# -- retries: re-enqueued with run_after, never slept for ---------------------------------


def test_429_then_success_is_retried_by_re_enqueueing(auth_client, committed, run_jobs, llm):
    llm.expect_ordered_request(PATH).respond_with_json(
        RATE_LIMITED, status=429, headers={"Retry-After": "3"}
    )
    llm.expect_ordered_request(PATH).respond_with_json(completion(GOOD))
    body = create(auth_client, committed)

    run_jobs()

    dream = stored(body["id"])
    assert dream.analysis_status == AnalysisStatus.READY
    assert dream.analysis["mood"] == "serene"
    assert len(llm.log) == 2
    llm.check_assertions()


def test_429_until_the_attempts_run_out_fails_keeping_the_local_reading(
    auth_client, committed, run_jobs, llm, settings
):
    settings.ANALYSIS_MAX_ATTEMPTS = 3
    llm.expect_request(PATH).respond_with_json(RATE_LIMITED, status=429)
    body = create(auth_client, committed)

    run_jobs()

    dream = stored(body["id"])
    assert dream.analysis_status == AnalysisStatus.FAILED
    assert dream.analysis == body["analysis"]
    assert len(llm.log) == 3


def test_a_timeout_is_retried_later_not_slept_for(auth_client, committed, llm, settings):
    settings.ANALYSIS_TIMEOUT_SECONDS = 0.2
    release = threading.Event()

    def slow(_request: Request) -> Response:
        release.wait(timeout=3)  # far past the analyst's 0.2 s
        return Response(json.dumps(completion(GOOD)), content_type="application/json")

    llm.expect_ordered_request(PATH).respond_with_handler(slow)
    llm.expect_ordered_request(PATH).respond_with_json(completion(GOOD))
    body = create(auth_client, committed)
    backend = task_backends["default"]
    [first] = backend.results
    backend.clear()

    started = time.monotonic()
    try:
        with committed():
            first.task.call(*first.args, **first.kwargs)
    finally:
        release.set()
    assert time.monotonic() - started < 2  # timed out, did not wait for the answer

    # Still pending, with attempt 2 queued for later.
    assert stored(body["id"]).analysis_status == AnalysisStatus.PENDING
    [retry] = backend.results
    assert retry.args[2] == 2 and retry.args[3] == first.args[3]
    assert retry.task.run_after > timezone.now()
    # The fake server answers one request at a time: the slow one is done before the next.
    deadline = time.monotonic() + 5
    while len(llm.log) < 1 and time.monotonic() < deadline:
        time.sleep(0.02)

    backend.clear()
    with committed():
        retry.task.call(*retry.args, **retry.kwargs)

    assert stored(body["id"]).analysis_status == AnalysisStatus.READY
    assert backend.results == []


def test_timeouts_until_the_attempts_run_out_fail(auth_client, committed, run_jobs, llm, settings):
    settings.ANALYSIS_TIMEOUT_SECONDS = 0.2
    settings.ANALYSIS_MAX_ATTEMPTS = 2
    release = threading.Event()

    def slow(_request: Request) -> Response:
        release.wait(timeout=1)
        return Response(json.dumps(completion(GOOD)), content_type="application/json")

    llm.expect_request(PATH).respond_with_handler(slow)
    body = create(auth_client, committed)
    try:
        run_jobs()
    finally:
        release.set()

    dream = stored(body["id"])
    assert dream.analysis_status == AnalysisStatus.FAILED
    assert dream.analysis == body["analysis"]


# -- edits --------------------------------------------------------------------------------


def test_an_analysis_the_owner_gives_meanwhile_is_not_overwritten(
    auth_client, committed, run_jobs, llm
):
    llm.expect_request(PATH).respond_with_json(completion(GOOD))
    body = create(auth_client, committed)
    mine = {"emotions": ["hope"], "keywords": ["lantern"], "mood": "hope"}

    with committed():
        edited = auth_client.patch(f"{DREAMS}/{body['id']}", {"analysis": mine}, format="json")
    assert edited.json()["analysis_status"] == "local"
    run_jobs()

    dream = stored(body["id"])
    assert dream.analysis == mine and dream.analysis_status == AnalysisStatus.LOCAL
    assert llm.log == []  # nothing left to ask


def test_an_edit_while_the_llm_is_thinking_is_not_overwritten(
    auth_client, committed, run_jobs, llm, monkeypatch
):
    llm.expect_request(PATH).respond_with_json(completion(GOOD))
    body = create(auth_client, committed)
    mine = {"emotions": ["hope"], "keywords": ["lantern"], "mood": "hope"}
    real = OpenAIAnalyst.analyse

    def owner_edits_meanwhile(self, title, content):
        reading = real(self, title, content)  # the LLM answered...
        # ...and while it was thinking, the owner gave their own reading.
        response = auth_client.patch(f"{DREAMS}/{body['id']}", {"analysis": mine}, format="json")
        assert response.status_code == 200
        return reading

    monkeypatch.setattr(OpenAIAnalyst, "analyse", owner_edits_meanwhile)
    run_jobs()

    dream = stored(body["id"])
    assert dream.analysis == mine and dream.analysis_status == AnalysisStatus.LOCAL
    assert len(llm.log) == 1


def test_a_text_edit_while_the_llm_is_thinking_asks_again_for_the_new_text(
    auth_client, committed, run_jobs, llm, monkeypatch
):
    llm.expect_request(PATH).respond_with_json(completion(GOOD))
    body = create(auth_client, committed)
    real = OpenAIAnalyst.analyse
    edits = []

    def owner_rewrites_meanwhile(self, title, content):
        reading = real(self, title, content)
        if not edits:
            with committed():
                edits.append(
                    auth_client.patch(
                        f"{DREAMS}/{body['id']}",
                        {"content": "A lighthouse of glass, and a storm I was not afraid of."},
                        format="json",
                    )
                )
        return reading

    monkeypatch.setattr(OpenAIAnalyst, "analyse", owner_rewrites_meanwhile)
    run_jobs()

    assert edits[0].json()["analysis_status"] == "pending"
    assert "lighthouse" in json.dumps(edits[0].json()["analysis"])  # read locally at once
    assert [d["dream"] for d in asked(llm)] == [
        BODY["content"],
        "A lighthouse of glass, and a storm I was not afraid of.",
    ]
    assert stored(body["id"]).analysis_status == AnalysisStatus.READY


def test_editing_the_text_queues_a_new_reading(auth_client, committed, run_jobs, llm):
    llm.expect_request(PATH).respond_with_json(completion(GOOD))
    body = create(auth_client, committed)
    run_jobs()
    assert stored(body["id"]).analysis_status == AnalysisStatus.READY

    with committed():
        edited = auth_client.patch(
            f"{DREAMS}/{body['id']}", {"title": "The glass lighthouse"}, format="json"
        ).json()

    assert edited["analysis_status"] == "pending" and edited["analysis"]["source"] == "local"
    assert len(queued()) == 1
    run_jobs()
    assert stored(body["id"]).analysis_status == AnalysisStatus.READY
    assert [d["title"] for d in asked(llm)] == [BODY["title"], "The glass lighthouse"]


def test_editing_other_fields_keeps_the_reading(auth_client, committed, run_jobs, llm):
    llm.expect_request(PATH).respond_with_json(completion(GOOD))
    body = create(auth_client, committed)
    run_jobs()

    with committed():
        auth_client.patch(f"{DREAMS}/{body['id']}", {"video_duration": 6}, format="json")

    assert queued() == []
    assert stored(body["id"]).analysis_status == AnalysisStatus.READY


def test_the_reading_sent_back_unchanged_does_not_end_it(auth_client, committed, run_jobs, llm):
    # Given a dream the analyst has read
    llm.expect_request(PATH).respond_with_json(completion(GOOD))
    body = create(auth_client, committed)
    run_jobs()
    reading = stored(body["id"]).analysis

    # When a client sends the reading back as it was, with another change
    with committed():
        kept = auth_client.put(
            f"{DREAMS}/{body['id']}",
            {**BODY, "analysis": reading, "is_public": True},
            format="json",
        ).json()
    # Then it is not the owner's own reading: the analyst's stays
    assert kept["analysis_status"] == "ready" and kept["analysis"] == reading
    assert queued() == []

    # When the words change without a reading (what the editor sends then)
    with committed():
        rewritten = auth_client.put(
            f"{DREAMS}/{body['id']}", {**BODY, "content": "Now it was a desert."}, format="json"
        ).json()
    # Then a fresh reading is on its way
    assert rewritten["analysis_status"] == "pending" and len(queued()) == 1

    # When the owner changes the emotions themselves
    changed = {**reading, "emotions": ["joy"]}
    with committed():
        mine = auth_client.put(
            f"{DREAMS}/{body['id']}", {**BODY, "analysis": changed}, format="json"
        ).json()
    # Then the reading is theirs
    assert mine["analysis_status"] == "local" and mine["analysis"]["emotions"] == ["joy"]


# -- idempotency and odd cases ------------------------------------------------------------


def test_the_task_is_idempotent(auth_client, committed, llm):
    llm.expect_request(PATH).respond_with_json(completion(GOOD))
    body = create(auth_client, committed)
    [task] = queued()

    for _ in range(3):
        with committed():
            task.task.call(*task.args, **task.kwargs)

    assert stored(body["id"]).analysis_status == AnalysisStatus.READY
    assert len(llm.log) == 1


def test_a_run_queued_for_older_text_does_nothing(llm):
    dream = DreamFactory(analysis_status=AnalysisStatus.PENDING)

    outcome = dream_analysis_refresh(
        dream_id=str(dream.pk), model_label="dreams.Dream", key=analysis_key("old", "text")
    )

    assert outcome.status == AnalysisStatus.PENDING and outcome.retry_in is None
    assert llm.log == []


def test_a_deleted_dream_or_a_bad_id_is_nothing_to_do(llm):
    assert dream_analysis_refresh(dream_id="not-a-uuid").status is None
    assert dream_analysis_refresh(dream_id="6f1c1d2e-0000-4000-8000-000000000000").status is None
    assert llm.log == []


def test_switched_back_to_local_a_pending_dream_keeps_the_local_reading(settings):
    settings.ANALYSIS_PROVIDER = "local"
    dream = DreamFactory(analysis_status=AnalysisStatus.PENDING)

    outcome = dream_analysis_refresh(dream_id=str(dream.pk))

    assert outcome.status == AnalysisStatus.LOCAL
    dream.refresh_from_db()
    assert dream.analysis_status == AnalysisStatus.LOCAL


def test_a_misconfigured_base_url_fails_without_a_request(auth_client, committed, llm, settings):
    body = create(auth_client, committed)
    settings.ANALYSIS_BASE_URL = "file:///etc/passwd"
    [task] = queued()

    with committed():
        task.task.call(*task.args, **task.kwargs)

    assert stored(body["id"]).analysis_status == AnalysisStatus.FAILED
    assert llm.log == []


def test_a_demo_dream_claimed_meanwhile_still_gets_its_reading(committed, run_jobs, llm):
    llm.expect_request(PATH).respond_with_json(completion(GOOD))
    visitor = APIClient()
    body = create(visitor, committed)
    assert queued()[0].args[1] == "dreams.DemoDream"

    with committed():
        registered = visitor.post(
            "/api/auth/register",
            {"username": "newcomer", "password": "a quiet tide of stars"},
            format="json",
        )
    assert registered.status_code == 201, registered.content
    assert not DemoDream.objects.filter(pk=body["id"]).exists()
    run_jobs()

    dream = stored(body["id"])
    assert dream.analysis_status == AnalysisStatus.READY and dream.analysis["source"] == "llm"


# -- who sees what ------------------------------------------------------------------------


def test_the_reflection_is_for_the_owner_only(auth_client, client_for, api_client, client, llm):
    reading = {**GOOD, "source": "llm"}
    dream = DreamFactory(in_gallery=True, analysis=reading, analysis_status=AnalysisStatus.READY)
    owner = client_for(dream.owner)

    mine = owner.get(f"{DREAMS}/{dream.pk}").json()
    theirs = auth_client.get(f"{DREAMS}/{dream.pk}").json()
    anyones = api_client.get(f"{DREAMS}/{dream.pk}").json()
    gallery = api_client.get(f"{DREAMS}/public/gallery").json()["results"]

    assert mine["analysis"]["reflection"] == GOOD["reflection"]
    for seen in (theirs["analysis"], anyones["analysis"], gallery[0]["analysis"]):
        assert "reflection" not in seen and seen["mood"] == GOOD["mood"]
    public_page = client.get(f"/dreams/{dream.pk}/").content.decode()
    client.force_login(dream.owner)
    owners_page = client.get(f"/dreams/{dream.pk}/").content.decode()
    assert "A reflection for you" in owners_page and GOOD["reflection"] in owners_page
    assert "A reflection for you" not in public_page and GOOD["reflection"] not in public_page


def test_the_dream_page_says_analysing_then_shows_the_reading(
    client, user, committed, run_jobs, llm
):
    llm.expect_request(PATH).respond_with_json(completion(GOOD))
    client.force_login(user)
    with committed():
        created = client.post(DREAMS, BODY, content_type="application/json").json()

    page = client.get(f"/dreams/{created['id']}/").content.decode()
    assert 'data-analysis-status="pending"' in page and "Analysing…" in page
    assert "<script>" not in page.split("</main>")[0]  # no inline script (CSP)

    run_jobs()

    page = client.get(f"/dreams/{created['id']}/").content.decode()
    assert 'data-analysis-status="ready"' in page
    assert "Symbols" in page and "staircase" in page
    assert GOOD["reflection"] in page


def test_the_schema_shows_analysis_status_read_only(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()

    field = schema["components"]["schemas"]["Dream"]["properties"]["analysis_status"]
    assert field.get("readOnly") is True
    enum = field.get("enum") or schema["components"]["schemas"][
        field["allOf"][0]["$ref"].rsplit("/", 1)[-1]
    ].get("enum")
    assert set(enum) == {"local", "pending", "ready", "failed"}
    request = schema["components"]["schemas"].get("DreamInputRequest", {})
    assert "analysis_status" not in request.get("properties", {})
