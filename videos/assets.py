"""Video assets: the bytes of a video in our own storage, with a thumbnail, stored once."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models.fields.files import FieldFile

from videos import errors
from videos.ingest import IngestError, IngestPolicy, download_video
from videos.media import NotAVideoError, VideoProbe, make_thumbnail, probe_video
from videos.models import VideoAsset
from videos.sources import VideoSource

_CHUNK = 1024 * 1024


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def video_asset_create_from_file(
    *,
    path: Path,
    source_kind: VideoSource,
    source_url: str = "",
    sha256: str | None = None,
    probe: VideoProbe | None = None,
) -> VideoAsset:
    """Store the video at ``path`` (probed, thumbnailed) once; the same bytes give the same asset.

    ``sha256`` and ``probe`` may be given when the caller already computed them.
    Raises ``IngestError(not_a_video)`` when the file is not a playable video.
    """
    sha256 = sha256 or _sha256_of(path)
    if existing := VideoAsset.objects.filter(sha256=sha256).first():
        return existing
    try:
        probe = probe or probe_video(path)
        thumbnail = make_thumbnail(path)
    except NotAVideoError as exc:
        raise IngestError(errors.NOT_A_VIDEO, errors.message_for(errors.NOT_A_VIDEO)) from exc
    asset = VideoAsset(
        sha256=sha256,
        bytes=path.stat().st_size,
        duration=probe.duration,
        width=probe.width,
        height=probe.height,
        codec=probe.codec,
        source_url=source_url[:2048],
        source_kind=source_kind,
    )
    with path.open("rb") as fh:
        asset.file.save(f"{sha256}.mp4", File(fh), save=False)
    asset.thumbnail.save(f"{sha256}.jpg", ContentFile(thumbnail), save=False)
    try:
        with transaction.atomic():
            asset.save(force_insert=True)
    except IntegrityError:
        # Another worker stored the same bytes first: keep theirs, drop our copy.
        asset.file.delete(save=False)
        asset.thumbnail.delete(save=False)
        return VideoAsset.objects.get(sha256=sha256)
    return asset


def ingest_policy() -> IngestPolicy:
    """What a download may fetch and how much, from settings."""
    return IngestPolicy(
        allow_http=settings.VIDEO_INGEST_ALLOW_HTTP,
        max_bytes=settings.VIDEO_MAX_BYTES,
        allowed_hosts=frozenset(settings.VIDEO_INGEST_ALLOWED_HOSTS),
        allowed_addresses=frozenset(settings.VIDEO_INGEST_ALLOWED_ADDRESSES),
    )


def video_asset_create_from_url(*, url: str, source_kind: VideoSource) -> VideoAsset:
    """Download ``url`` (SSRF-guarded, size-capped, probed) and store it; raises ``IngestError``."""
    with tempfile.TemporaryDirectory(prefix="dj-ingest-") as tmp:
        downloaded = download_video(url, policy=ingest_policy(), dest_dir=Path(tmp))
        return video_asset_create_from_file(
            path=downloaded.path,
            source_kind=source_kind,
            source_url=url,
            sha256=downloaded.sha256,
            probe=downloaded.probe,
        )


def video_asset_create_from_staged(*, staged: FieldFile) -> VideoAsset:
    """Store an uploaded file staged in storage (copied to local disk to probe it)."""
    with tempfile.TemporaryDirectory(prefix="dj-upload-") as tmp:
        local = Path(tmp) / "upload.mp4"
        with staged.open("rb") as src, local.open("wb") as dst:
            shutil.copyfileobj(src, dst, _CHUNK)
        return video_asset_create_from_file(path=local, source_kind=VideoSource.UPLOAD)
