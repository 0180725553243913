"""A real ``db_worker`` process makes a dream's video: the dream follows its job to ``ready``."""

from __future__ import annotations

from pathlib import Path

import av
import pytest

from common.owners import Owner
from dreams.services import dream_create, dream_video_generate
from tests.support.processes import wait_for
from videos.models import VideoJob

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


def test_worker_process_runs_a_generation_end_to_end(start_worker, user, settings):
    start_worker()
    owner = Owner(user=user)
    dream = dream_create(
        owner=owner,
        title="The glass forest",
        content="Trees of glass chimed while I floated, calm and curious.",
    )
    job = dream_video_generate(owner=owner, dream=dream, prompt="glass forest", duration=3)

    finished = wait_for(
        lambda: VideoJob.objects.filter(pk=job.pk, status__in=["succeeded", "failed"]).first()
    )

    assert finished.status == "succeeded", finished.error_message
    dream.refresh_from_db()
    assert dream.video_status == "ready"
    path = Path(settings.MEDIA_ROOT) / dream.video_asset.file.name
    with av.open(str(path)) as container:
        assert abs(container.duration / 1_000_000 - 3) < 0.1
