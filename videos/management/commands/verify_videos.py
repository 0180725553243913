"""Prove nothing was lost: re-read every stored video, check its sha256, repair what we can."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from videos.assets import ingest_policy
from videos.ingest import IngestError, download_video
from videos.models import VideoAsset
from videos.provenance import video_asset_credentials_verify
from videos.renditions.verify import video_renditions_verify


def _stored_sha256(asset: VideoAsset) -> str | None:
    """The sha256 of the stored bytes, or ``None`` when the file is missing."""
    storage = asset.file.storage
    if not asset.file.name or not storage.exists(asset.file.name):
        return None
    digest = hashlib.sha256()
    with storage.open(asset.file.name, "rb") as fh:
        while chunk := fh.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _repair_from_source(asset: VideoAsset) -> bool:
    """Download the original again; store it if it is the very same bytes."""
    if not asset.source_url.lower().startswith(("http://", "https://")):
        return False
    with tempfile.TemporaryDirectory(prefix="dj-verify-") as tmp:
        try:
            downloaded = download_video(
                asset.source_url, policy=ingest_policy(), dest_dir=Path(tmp)
            )
        except IngestError:
            return False
        if downloaded.sha256 != asset.sha256:
            return False
        name = asset.file.name
        asset.file.storage.delete(name)
        with downloaded.path.open("rb") as fh:
            saved = asset.file.storage.save(name, File(fh))
    VideoAsset.objects.filter(pk=asset.pk).update(file=saved, verified_at=timezone.now())
    return True


class Command(BaseCommand):
    help = (
        "Check every stored video exists and matches its sha256; re-ingest from source if possible."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--no-repair", action="store_true", help="Only report.")

    def handle(self, *args, no_repair: bool = False, **options) -> None:
        ok = repaired = 0
        broken: list[str] = []
        unlabelled = 0
        for asset in VideoAsset.objects.order_by("created_at").iterator(chunk_size=200):
            actual = _stored_sha256(asset)
            if actual == asset.sha256:
                VideoAsset.objects.filter(pk=asset.pk).update(verified_at=timezone.now())
                ok += 1
                # The bytes are ours: now their Content Credentials (videos.provenance).
                problem = video_asset_credentials_verify(asset=asset).problem
                if problem == "unlabelled":
                    unlabelled += 1
                elif problem:
                    broken.append(
                        f"{problem} content credentials: generated asset {asset.pk} "
                        f"sha256 {asset.sha256}"
                    )
                # Its web rendition and preview loop (videos.renditions), if made.
                broken.extend(video_renditions_verify(asset=asset))
                continue
            problem = "missing" if actual is None else "corrupt"
            if not no_repair and _repair_from_source(asset):
                repaired += 1
                self.stdout.write(
                    f"repaired {asset.sha256[:12]} ({problem}) from {asset.source_url}"
                )
                continue
            broken.append(
                f"{problem}: asset {asset.pk} sha256 {asset.sha256} file {asset.file.name}"
            )
        for line in broken:
            self.stderr.write(line)
        self.stdout.write(f"{ok} ok, {repaired} repaired, {len(broken)} missing or corrupt.")
        if unlabelled:
            self.stdout.write(
                f"{unlabelled} generated video(s) from before Content Credentials carry none."
            )
        if broken:
            raise CommandError(f"{len(broken)} stored video(s) are missing or corrupt.")
