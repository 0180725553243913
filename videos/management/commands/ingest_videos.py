"""Copy every dream video that still lives at an outside URL into our own storage."""

from __future__ import annotations

from collections import Counter

from django.core.management.base import BaseCommand
from django.db.models import Q

from dreams.models import DemoDream, Dream
from dreams.owners import Owner
from videos.models import JobStatus
from videos.services import video_ingest_submit, video_job_advance


def _outside_our_storage(model):
    return model.objects.filter(video_asset__isnull=True).filter(
        Q(video_url__istartswith="http://") | Q(video_url__istartswith="https://")
    )


class Command(BaseCommand):
    help = "Find dreams whose video_url points outside our storage and copy the videos in."

    def handle(self, *args, **options) -> None:
        pending = [
            *_outside_our_storage(Dream).select_related("owner"),
            *_outside_our_storage(DemoDream),
        ]
        outcomes: Counter[str] = Counter()
        total = len(pending)
        for index, dream in enumerate(pending, start=1):
            owner = (
                Owner(session_key=dream.session_key)
                if isinstance(dream, DemoDream)
                else Owner(user=dream.owner)
            )
            job = video_ingest_submit(
                owner=owner,
                dream=dream,
                source_url=dream.video_url,
                enqueue=False,
                enforce_limit=False,
            )
            # Run the copy here, step by step, until it ends (retries are not waited for).
            for _ in range(5):
                job = video_job_advance(job_id=str(job.pk))
                if job is None or job.is_finished:
                    break
                job.refresh_from_db()
            outcome = job.status if job.status != JobStatus.FAILED else f"failed:{job.error_code}"
            outcomes[outcome] += 1
            self._progress(index, total, dream.title)
        if total:
            self.stdout.write("")
        summary = ", ".join(f"{name}: {count}" for name, count in sorted(outcomes.items()))
        self.stdout.write(
            f"{total} dream video(s) outside our storage. {summary or 'Nothing to do.'}"
        )

    def _progress(self, done: int, total: int, title: str) -> None:
        width = 30
        filled = int(width * done / total)
        bar = "#" * filled + "-" * (width - filled)
        self.stdout.write(f"\r[{bar}] {done}/{total} {title[:40]:<40}", ending="")
        self.stdout.flush()
