"""Background tasks: thin, idempotent, safe to retry. They load a row and call a service."""

from __future__ import annotations

from django.tasks import task


@task()
def video_job_advance_task(job_id: str) -> None:
    """Move one video job one step on (submit, poll, ingest); re-enqueues itself when not done."""
    from videos.services import video_job_advance

    video_job_advance(job_id=job_id)


@task()
def video_job_cancel_at_provider_task(provider: str, task_id: str) -> None:
    """Tell the provider to stop a job we already cancelled on our side."""
    from videos.services import video_job_cancel_at_provider

    video_job_cancel_at_provider(provider=provider, task_id=task_id)
