"""The job state machine (``videos.jobs.machine``), driven directly on real rows.

Jobs here have no subject (they are for nothing in particular): the machine never needs
one. Where a provider is needed it is the demo provider, or a fake RunwayML on loopback
(``tests.support.fakes.runway``). Tasks are recorded by Django's dummy backend, not run,
so each test sees exactly which step was scheduled and when.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.tasks import task_backends
from django.utils import timezone
from werkzeug import Response

from tests.support.fakes import TASK
from videos import errors
from videos.jobs.machine import (
    TRANSITIONS,
    IllegalTransition,
    job_finish,
    job_transition,
    video_job_advance,
    video_job_advance_task,
    video_job_cancel_at_provider_task,
)
from videos.models import (
    ACTIVE_JOB_STATUSES,
    FINISHED_JOB_STATUSES,
    JobKind,
    JobStatus,
    VideoAsset,
    VideoJob,
)
from videos.providers.base import backoff_delay
from videos.signals import video_job_changed
from videos.sources import VideoSource

pytestmark = pytest.mark.django_db

QUEUED, RUNNING, INGESTING = JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.INGESTING
SUCCEEDED, FAILED, CANCELLED = JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED

#: The table of docs/architecture.md §3 ("States and legal moves").
DOCUMENTED_MOVES = {
    QUEUED: {RUNNING, INGESTING, FAILED, CANCELLED},
    RUNNING: {INGESTING, FAILED, CANCELLED},
    INGESTING: {INGESTING, SUCCEEDED, FAILED, CANCELLED},
    SUCCEEDED: set(),
    FAILED: set(),
    CANCELLED: set(),
}


@pytest.fixture
def make_job(user):
    """``make_job(status=…, **fields)``: a generation job of ``user`` with no subject."""

    def make(status: str = QUEUED, **fields) -> VideoJob:
        fields = {
            "kind": JobKind.GENERATE,
            "provider": VideoSource.DEMO,
            "prompt": "A lighthouse in fog",
            "duration": 2,
            **fields,
        }
        if status in FINISHED_JOB_STATUSES:
            fields.setdefault("finished_at", timezone.now() - timedelta(minutes=1))
        return VideoJob.objects.create(status=status, user=user, **fields)

    return make


@pytest.fixture
def announced():
    """Every ``video_job_changed`` sent during the test, as ``(job id, status)``."""
    seen: list[tuple[uuid.UUID, str]] = []

    def receiver(sender, job, **kwargs):
        seen.append((job.pk, job.status))

    video_job_changed.connect(receiver, weak=False, dispatch_uid="test_machine.announced")
    yield seen
    video_job_changed.disconnect(dispatch_uid="test_machine.announced")


@pytest.fixture
def enqueued():
    """The tasks enqueued so far (the dummy backend's records), emptied first."""
    backend = task_backends["default"]
    backend.clear()
    return backend.results


def _row(job: VideoJob) -> VideoJob:
    return VideoJob.objects.get(pk=job.pk)


def _delay(result) -> float:
    """Seconds between enqueueing a task and the earliest time it may run."""
    if result.task.run_after is None:
        return 0.0
    return (result.task.run_after - result.enqueued_at).total_seconds()


# --- The table of legal moves --------------------------------------------------------------


def test_the_table_is_the_documented_one():
    assert {state: set(moves) for state, moves in TRANSITIONS.items()} == DOCUMENTED_MOVES


def test_the_table_has_a_row_for_every_status_and_names_only_known_ones():
    assert set(TRANSITIONS) == set(JobStatus.values)
    assert set().union(*TRANSITIONS.values()) <= set(JobStatus.values)


@pytest.mark.parametrize("final", FINISHED_JOB_STATUSES)
def test_a_final_state_has_no_moves(final):
    assert TRANSITIONS[final] == frozenset()


@pytest.mark.parametrize("active", ACTIVE_JOB_STATUSES)
def test_every_active_state_can_fail_or_be_cancelled(active):
    assert {FAILED, CANCELLED} <= TRANSITIONS[active]


def test_nothing_leads_back_to_queued():
    assert all(QUEUED not in moves for moves in TRANSITIONS.values())


# --- job_transition: compare-and-set ---------------------------------------------------------


def test_a_move_from_an_expected_state_updates_the_row_and_the_instance(make_job):
    # Given a queued job
    job = make_job(QUEUED)
    before = job.updated_at

    # When a worker claims it
    moved = job_transition(job, expected=[QUEUED], to=RUNNING)

    # Then the row and the instance are running, and the change is stamped
    assert moved is True
    assert job.status == RUNNING and _row(job).status == RUNNING
    assert _row(job).updated_at > before


def test_a_move_from_a_state_the_row_is_not_in_changes_nothing(make_job):
    job = make_job(QUEUED)

    moved = job_transition(job, expected=[RUNNING], to=INGESTING)

    assert moved is False
    assert job.status == QUEUED and _row(job).status == QUEUED


def test_when_another_worker_moved_the_row_first_the_loser_gets_false_and_keeps_its_instance(
    make_job,
):
    # Given two workers holding the same queued job
    mine = make_job(QUEUED)
    theirs = VideoJob.objects.get(pk=mine.pk)
    before = mine.updated_at

    # When the other worker claims it first
    assert job_transition(theirs, expected=[QUEUED], to=RUNNING) is True
    moved = job_transition(mine, expected=[QUEUED], to=RUNNING, provider_task_id="second-task")

    # Then my claim fails, my instance is untouched and the row is as they left it
    assert moved is False
    assert (mine.status, mine.provider_task_id, mine.updated_at) == (QUEUED, "", before)
    row = _row(mine)
    assert (row.status, row.provider_task_id) == (RUNNING, "")


@pytest.mark.parametrize(
    ("source", "to"),
    [
        (QUEUED, SUCCEEDED),  # nothing is stored without ingesting it
        (RUNNING, QUEUED),
        (RUNNING, RUNNING),
        (RUNNING, SUCCEEDED),
        (INGESTING, RUNNING),
        (SUCCEEDED, FAILED),
        (FAILED, RUNNING),
        (CANCELLED, SUCCEEDED),
    ],
)
def test_a_forbidden_move_raises_illegal_transition_and_writes_nothing(make_job, source, to):
    job = make_job(source)
    before = _row(job).updated_at

    with pytest.raises(IllegalTransition):
        job_transition(job, expected=[source], to=to)

    assert job.status == source
    row = _row(job)
    assert (row.status, row.updated_at) == (source, before)


def test_a_move_forbidden_from_any_one_expected_state_is_refused(make_job):
    # queued → running is legal, running → running is not: the whole call is refused.
    job = make_job(QUEUED)

    with pytest.raises(IllegalTransition):
        job_transition(job, expected=[QUEUED, RUNNING], to=RUNNING)

    assert _row(job).status == QUEUED


@pytest.mark.parametrize("active", ACTIVE_JOB_STATUSES)
def test_a_job_in_flight_may_change_its_fields_without_moving(make_job, active):
    job = make_job(active)

    changed = job_transition(
        job, expected=[active], progress=0.45, attempts=2, provider_task_id=TASK
    )

    assert changed is True
    row = _row(job)
    assert (row.status, row.progress, row.attempts, row.provider_task_id) == (
        active,
        0.45,
        2,
        TASK,
    )
    assert (job.progress, job.attempts, job.provider_task_id) == (0.45, 2, TASK)


@pytest.mark.parametrize("final", FINISHED_JOB_STATUSES)
def test_a_finished_job_refuses_field_updates(make_job, final):
    job = make_job(final, progress=1.0 if final == SUCCEEDED else 0.0)

    with pytest.raises(IllegalTransition):
        job_transition(job, expected=[final], progress=0.5)

    assert _row(job).progress == job.progress


def test_a_field_update_misses_a_job_that_finished_meanwhile(make_job):
    # Given a worker's running job, cancelled by its owner in the meantime
    job = make_job(RUNNING)
    VideoJob.objects.filter(pk=job.pk).update(status=CANCELLED, finished_at=timezone.now())

    # When the worker reports progress
    changed = job_transition(job, expected=[RUNNING], progress=0.8)

    # Then nothing is written: the cancelled job stays as it ended
    assert changed is False
    assert job.progress == 0.0
    assert (_row(job).status, _row(job).progress) == (CANCELLED, 0.0)


# --- job_finish: one final move, announced once -----------------------------------------------


def test_finishing_a_job_announces_it_exactly_once_and_stamps_finished_at(make_job, announced):
    job = make_job(RUNNING)

    finished = job_finish(
        job, status=FAILED, code=errors.PROVIDER_FAILED, message="The provider failed."
    )

    assert finished is True
    assert announced == [(job.pk, FAILED)]
    row = _row(job)
    assert (row.status, row.error_code, row.error_message) == (
        FAILED,
        errors.PROVIDER_FAILED,
        "The provider failed.",
    )
    assert row.finished_at is not None and row.finished_at == job.finished_at


def test_success_stores_the_asset_full_progress_and_clears_an_earlier_error(make_job, announced):
    asset = VideoAsset.objects.create(
        file="videos/ab/abc.mp4",
        sha256="ab" + "c" * 62,
        bytes=1000,
        duration=2.0,
        width=64,
        height=48,
        codec="h264",
        source_kind=VideoSource.DEMO,
    )
    job = make_job(INGESTING, progress=0.9, error_code=errors.UNREACHABLE, error_message="Later.")

    assert job_finish(job, status=SUCCEEDED, asset=asset) is True

    row = _row(job)
    assert (row.status, row.progress, row.asset_id) == (SUCCEEDED, 1.0, asset.pk)
    assert (row.error_code, row.error_message) == ("", "")
    assert announced == [(job.pk, SUCCEEDED)]


@pytest.mark.parametrize("not_ingesting", [QUEUED, RUNNING])
def test_only_an_ingesting_job_can_succeed(make_job, announced, not_ingesting):
    job = make_job(not_ingesting)

    assert job_finish(job, status=SUCCEEDED) is False

    assert _row(job).status == not_ingesting
    assert announced == []


@pytest.mark.parametrize("final", FINISHED_JOB_STATUSES)
@pytest.mark.parametrize("ending", [FAILED, CANCELLED])
def test_a_job_already_finished_is_not_finished_again_nor_announced(
    make_job, announced, final, ending
):
    job = make_job(final)
    finished_at = job.finished_at

    assert job_finish(job, status=ending, code="cancelled", message="Too late.") is False

    row = _row(job)
    assert (row.status, row.finished_at, row.error_message) == (final, finished_at, "")
    assert announced == []


def test_cancel_and_success_cannot_both_win(make_job, announced):
    # Given a worker about to store the video of a job its owner cancels at the same moment
    worker_copy = make_job(INGESTING)
    owner_copy = VideoJob.objects.get(pk=worker_copy.pk)

    cancelled = job_finish(owner_copy, status=CANCELLED, code="cancelled", message="Cancelled.")
    succeeded = job_finish(worker_copy, status=SUCCEEDED)

    assert (cancelled, succeeded) == (True, False)
    assert _row(worker_copy).status == CANCELLED
    assert announced == [(worker_copy.pk, CANCELLED)]


def test_a_long_error_message_is_cut_to_fit_its_column(make_job):
    job = make_job(RUNNING)

    job_finish(job, status=FAILED, code=errors.PROVIDER_FAILED, message="x" * 5000)

    assert len(_row(job).error_message) == 1000


# --- video_job_advance: one step, safe to run any number of times -------------------------------


@pytest.mark.parametrize("final", FINISHED_JOB_STATUSES)
def test_advancing_a_finished_job_does_nothing(make_job, announced, enqueued, final):
    job = make_job(final)
    before = _row(job)

    returned = video_job_advance(job_id=str(job.pk))

    assert returned.pk == job.pk and returned.status == final
    row = _row(job)
    assert (row.status, row.updated_at, row.attempts) == (final, before.updated_at, 0)
    assert announced == [] and list(enqueued) == []


def test_advancing_a_job_that_does_not_exist_does_nothing(announced, enqueued):
    assert video_job_advance(job_id=str(uuid.uuid4())) is None
    assert announced == [] and list(enqueued) == []


def test_a_demo_job_is_claimed_rendered_and_stored_in_one_step(make_job, announced, enqueued):
    # Given a queued job for the demo provider (it renders inside submit: no polling)
    job = make_job(QUEUED, provider=VideoSource.DEMO)

    # When one step runs
    video_job_advance(job_id=str(job.pk))

    # Then the job went through every state, announcing each, and nothing is left to do
    row = _row(job)
    assert (row.status, row.progress, row.attempts) == (SUCCEEDED, 1.0, 0)
    assert row.asset is not None and row.asset.source_kind == VideoSource.DEMO
    assert row.submitted_at and row.provider_finished_at and row.finished_at
    assert [status for _, status in announced] == [RUNNING, INGESTING, SUCCEEDED]
    assert list(enqueued) == []

    # And running the step again changes nothing
    video_job_advance(job_id=str(job.pk))
    assert _row(job).updated_at == row.updated_at
    assert len(announced) == 3


# --- Retries: retryable provider errors back off, then give up -----------------------------------


def test_backoff_is_exponential_with_jitter_and_capped():
    for attempt in range(1, 12):
        ceiling = min(300.0, 2.0 * 2**attempt)
        delays = [backoff_delay(attempt) for _ in range(200)]
        assert all(1.0 <= d <= ceiling for d in delays), attempt
        assert len(set(delays)) > 1  # jitter: retries of many jobs do not line up


def test_a_retryable_error_counts_an_attempt_and_schedules_the_step_later(
    make_job, runway, enqueued
):
    # Given RunwayML answers the create with 503
    runway.expect_request("/v1/text_to_video", method="POST").respond_with_data("busy", status=503)
    job = make_job(QUEUED, provider=VideoSource.RUNWAY)

    video_job_advance(job_id=str(job.pk))

    # Then the job is still in flight (claimed), one attempt counted, and its step is
    # enqueued again after the backoff instead of being slept for
    row = _row(job)
    assert (row.status, row.attempts, row.error_code) == (RUNNING, 1, "")
    [retry] = enqueued
    assert retry.task.func is video_job_advance_task.func and list(retry.args) == [str(job.pk)]
    assert 1.0 - 0.1 <= _delay(retry) <= min(300.0, 2.0 * 2**1) + 0.1


def test_a_longer_retry_after_from_the_provider_is_honoured(make_job, runway, enqueued):
    runway.expect_request("/v1/text_to_video", method="POST").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "120"}
    )
    job = make_job(QUEUED, provider=VideoSource.RUNWAY)

    video_job_advance(job_id=str(job.pk))

    assert _row(job).attempts == 1
    [retry] = enqueued
    assert 120.0 - 0.1 <= _delay(retry) <= 120.0 + 1.0


@pytest.mark.parametrize("budget", [1, 3, 6])
def test_the_job_fails_at_the_attempt_budget_with_the_providers_code(
    make_job, runway, enqueued, announced, settings, budget
):
    # Given RunwayML keeps answering 500 and a budget of ``budget`` attempts
    settings.VIDEO_MAX_ATTEMPTS = budget
    runway.expect_request("/v1/text_to_video", method="POST").respond_with_data("oops", status=500)
    job = make_job(QUEUED, provider=VideoSource.RUNWAY)

    # When each scheduled step runs
    for step in range(1, budget + 1):
        enqueued.clear()
        video_job_advance(job_id=str(job.pk))
        if step < budget:
            assert _row(job).status == RUNNING and len(enqueued) == 1, step

    # Then the last failure ends the job, and no further step is scheduled
    row = _row(job)
    assert (row.status, row.error_code) == (FAILED, errors.PROVIDER_UNAVAILABLE)
    assert row.error_message.startswith(errors.message_for(errors.PROVIDER_UNAVAILABLE))
    assert list(enqueued) == []
    assert sum(1 for request, _ in runway.log if request.path == "/v1/text_to_video") == budget
    assert [status for _, status in announced].count(FAILED) == 1


def test_a_non_retryable_error_fails_the_job_at_once(make_job, runway, enqueued):
    runway.expect_request("/v1/text_to_video", method="POST").respond_with_data(
        '{"error": "Invalid API key"}', status=401
    )
    job = make_job(QUEUED, provider=VideoSource.RUNWAY)

    video_job_advance(job_id=str(job.pk))

    row = _row(job)
    assert (row.status, row.error_code, row.attempts) == (FAILED, errors.AUTH_FAILED, 0)
    assert list(enqueued) == []


# --- Timeouts ----------------------------------------------------------------------------------


def test_a_job_older_than_the_timeout_fails_with_timed_out(make_job, enqueued, settings):
    settings.VIDEO_JOB_TIMEOUT_SECONDS = 60
    job = make_job(QUEUED, created_at=timezone.now() - timedelta(seconds=61))

    video_job_advance(job_id=str(job.pk))

    row = _row(job)
    assert (row.status, row.error_code) == (FAILED, errors.TIMED_OUT)
    assert row.error_message == errors.message_for(errors.TIMED_OUT)
    assert row.asset is None and list(enqueued) == []


def test_a_job_within_the_timeout_is_not_timed_out(make_job, settings):
    settings.VIDEO_JOB_TIMEOUT_SECONDS = 60
    job = make_job(QUEUED, created_at=timezone.now() - timedelta(seconds=50))

    video_job_advance(job_id=str(job.pk))

    assert _row(job).status == SUCCEEDED  # the demo provider made it in this step


def test_a_timed_out_runway_job_also_cancels_its_task_at_runway(
    make_job, runway, enqueued, committed, settings
):
    # Given a RunwayML job submitted long ago and still running there
    settings.VIDEO_JOB_TIMEOUT_SECONDS = 60
    runway.expect_request(f"/v1/tasks/{TASK}", method="DELETE").respond_with_response(
        Response(status=204)
    )
    job = make_job(
        RUNNING,
        provider=VideoSource.RUNWAY,
        provider_task_id=TASK,
        created_at=timezone.now() - timedelta(minutes=5),
    )

    # When its next step runs
    with committed():
        video_job_advance(job_id=str(job.pk))

    # Then it fails with timed_out and, once committed, RunwayML is told to stop the task
    assert (_row(job).status, _row(job).error_code) == (FAILED, errors.TIMED_OUT)
    [cancel] = enqueued
    assert cancel.task.func is video_job_cancel_at_provider_task.func
    assert list(cancel.args) == [VideoSource.RUNWAY, TASK]
    cancel.task.call(*cancel.args, **cancel.kwargs)
    assert [request.method for request, _ in runway.log] == ["DELETE"]
