"""Backfill web renditions, preview loops and posters for stored videos that lack them."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db.models import Q

from videos.models import VideoAsset
from videos.renditions.services import video_renditions_make
from videos.sandbox import SandboxError

_BAR_WIDTH = 30


def progress_bar(done: int, total: int, *, width: int = _BAR_WIDTH) -> str:
    """``[########......] 12/40``: how far a backfill has come."""
    filled = width * done // total if total else width
    return f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total}"


class Command(BaseCommand):
    help = (
        "Make the web rendition, preview loop and poster of every stored video that has none "
        "yet (in the video sandbox, one at a time). Resumable: what was made stays made."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Only say what would be made.")
        parser.add_argument(
            "--retry-failed", action="store_true", help="Also retry videos that failed before."
        )
        parser.add_argument("--force", action="store_true", help="Make them again for every video.")

    def handle(
        self, *args, dry_run: bool = False, retry_failed: bool = False, force: bool = False, **_
    ) -> None:
        todo = VideoAsset.objects.all()
        if not force:
            pending = Q(renditions_at__isnull=True)
            if retry_failed:
                pending |= ~Q(renditions_error="")
            todo = todo.filter(pending)
        ids = list(todo.order_by("created_at", "pk").values_list("pk", flat=True))
        if dry_run:
            self.stdout.write(f"{len(ids)} video(s) would get renditions.")
            return
        made = skipped = failed = 0
        self._bar(0, len(ids))
        for done, asset_id in enumerate(ids, start=1):
            asset = VideoAsset.objects.filter(pk=asset_id).first()
            if asset is None:  # deleted meanwhile
                skipped += 1
            else:
                try:
                    asset = video_renditions_make(asset=asset, force=force or retry_failed)
                except (SandboxError, OSError) as exc:
                    failed += 1
                    self.stderr.write(f"\nasset {asset_id}: {exc}")
                else:
                    if asset.renditions_error:
                        failed += 1
                    else:
                        made += 1
            self._bar(done, len(ids))
        self.stderr.write("")
        self.stdout.write(f"{made} made, {failed} failed, {skipped} gone.")

    def _bar(self, done: int, total: int) -> None:
        self.stderr.write(f"\r{progress_bar(done, total)}", ending="")
        self.stderr.flush()
