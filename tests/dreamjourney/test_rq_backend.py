"""The scale-out setting: the same application code on the RQ task backend (real Redis)."""

from __future__ import annotations

import pytest
import redis
from django.conf import settings as django_settings

from videos.models import VideoJob

pytestmark = pytest.mark.django_db

REDIS_URL = getattr(django_settings, "REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0]
TEST_REDIS = f"{REDIS_URL}/15"


@pytest.fixture
def rq_backend(settings):
    try:
        redis.Redis.from_url(TEST_REDIS).ping()
    except redis.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    redis.Redis.from_url(TEST_REDIS).flushdb()
    settings.RQ_QUEUES = {"default": {"URL": TEST_REDIS, "DEFAULT_TIMEOUT": 600}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    yield
    redis.Redis.from_url(TEST_REDIS).flushdb()


def test_generation_runs_on_rq(rq_backend, auth_client, committed):
    import django_rq

    with committed():
        body = auth_client.post(
            "/api/dreams/with-video",
            {"title": "Rain", "content": "Warm rain fell upwards.", "video_duration": 2},
            format="json",
        ).json()
    queue = django_rq.get_queue("default")
    assert queue.count == 1

    # What `manage.py rqworker --job-class django_tasks_rq.Job` runs, in this process.
    from django_tasks_rq.backend import Job
    from rq import SimpleWorker

    django_rq.get_worker("default", job_class=Job, worker_class=SimpleWorker).work(burst=True)

    job = VideoJob.objects.get(pk=body["video_job"]["id"])
    assert job.status == "succeeded", job.error_message


def test_renditions_and_first_steps_queue_at_once_on_rq(rq_backend, committed, settings):
    # RQ has no task priorities and sends dated tasks through its scheduler: renditions go
    # without RENDITIONS_PRIORITY, and a job's first step undated, straight onto the queue.
    import uuid

    import django_rq

    from videos.jobs.machine import enqueue_advance
    from videos.renditions.tasks import video_renditions_enqueue

    settings.VIDEO_RENDITIONS = True
    with committed():
        video_renditions_enqueue(uuid.uuid4())
    enqueue_advance(uuid.uuid4())

    queue = django_rq.get_queue("default")
    assert queue.count == 2
    assert queue.scheduled_job_registry.count == 0
