"""Copy every dream video that still lives at an outside URL into our own storage."""

from __future__ import annotations

from collections import Counter

from django.core.management.base import BaseCommand
from django.db.models import Q

from dreams.models import DemoDream, Dream
from dreams.ownership import dream_owner
from dreams.services import dream_video_store
from videos.jobs.machine import video_job_advance
from videos.jobs.submission import OverLimit
from videos.models import JobStatus


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
            job = dream_video_store(
                owner=dream_owner(dream),
                dream=dream,
                source_url=dream.video_url,
                enqueue=False,
                over_limit=OverLimit.IGNORE,
            )
            # Run the copy here, step by step, until it ends (retries are not waited for).
            for _ in range(5):
                job = video_job_advance(job_id=str(job.pk))
                if job is None or job.is_finished:
                    break
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
