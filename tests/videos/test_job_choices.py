"""A generation job keeps its model, style and sound: in the admin, on retry, and from
before migration 0003 (old generate jobs read as gen4.5 without a style)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from common.owners import Owner
from videos.jobs.control import JobNotRetryable, video_job_retry
from videos.jobs.submission import video_job_submit_generation
from videos.models import JobKind, JobStatus, VideoJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(user) -> Owner:
    return Owner(user=user)


def _failed(job: VideoJob) -> VideoJob:
    VideoJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED)
    job.refresh_from_db()
    return job


def test_a_retry_asks_for_the_same_model_style_and_sound(owner, committed):
    with committed():
        first = video_job_submit_generation(
            owner=owner,
            prompt="Stars",
            model="veo3.1_fast",
            ratio="1080:1920",
            duration=6,
            audio=False,
            style="anime",
        )
        again = video_job_retry(job=_failed(first))
    assert (again.model, again.ratio, again.duration, again.audio, again.style) == (
        "veo3.1_fast",
        "1080:1920",
        6,
        False,
        "anime",
    )


def test_a_job_whose_model_was_disabled_since_is_not_retried(owner, committed, settings):
    with committed():
        first = video_job_submit_generation(owner=owner, prompt="Stars", model="veo3.1")
    settings.RUNWAYML_MODELS = ["gen4.5"]
    with pytest.raises(JobNotRetryable, match="veo3.1 is not enabled"):
        video_job_retry(job=_failed(first))


def test_ingest_jobs_carry_no_generation_choices(user):
    with pytest.raises(IntegrityError):
        VideoJob.objects.create(kind=JobKind.INGEST, provider="url", user=user, model="veo3.1")


def test_the_admin_lists_and_shows_the_choices(owner, make_user, committed):
    with committed():
        job = video_job_submit_generation(owner=owner, prompt="Stars", model="veo3.1", style="noir")
    client = Client()
    client.force_login(make_user("ops", is_staff=True, is_superuser=True))

    listing = client.get(reverse("admin:videos_videojob_changelist")).content.decode()
    page = client.get(reverse("admin:videos_videojob_change", args=[job.pk])).content.decode()

    assert "veo3.1" in listing and "noir" in listing
    assert "Audio" in page and "veo3.1" in page


@pytest.mark.django_db(transaction=True)
def test_migration_0003_reads_old_generate_jobs_as_gen45_and_reverses():
    executor = MigrationExecutor(connection)
    before, after = (
        [("videos", "0002_job_hints_one_source_enum")],
        [("videos", "0003_job_model_style")],
    )
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(before)
        old = executor.loader.project_state(before).apps.get_model("videos", "VideoJob")
        user = get_user_model().objects.create_user(username="old", password="x" * 12)
        generate = old.objects.create(kind="generate", provider="demo", user_id=user.pk)
        ingest = old.objects.create(kind="ingest", provider="url", user_id=user.pk)

        executor = MigrationExecutor(connection)
        executor.migrate(after)
        new = executor.loader.project_state(after).apps.get_model("videos", "VideoJob")
        assert new.objects.values_list("model", "style", "audio").get(pk=generate.pk) == (
            "gen4.5",
            "none",
            None,
        )
        assert new.objects.values_list("model", "style").get(pk=ingest.pk) == ("", "")

        executor = MigrationExecutor(connection)
        executor.migrate(before)  # reversible
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
