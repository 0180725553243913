from datetime import timedelta

from django.core.management.base import BaseCommand

from videos.jobs.control import video_jobs_recover


class Command(BaseCommand):
    help = "Re-enqueue video jobs in flight that no worker has touched lately (e.g. after a crash)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--stale-seconds", type=int, default=None, help="Default: VIDEO_JOB_STALE_SECONDS."
        )

    def handle(self, *args, stale_seconds: int | None = None, **options) -> None:
        stale = timedelta(seconds=stale_seconds) if stale_seconds is not None else None
        count = video_jobs_recover(stale_after=stale)
        self.stdout.write(f"Re-enqueued {count} stalled video job(s).")
