"""Video assets: the bytes of a video in our own storage, with a thumbnail, stored once."""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from uuid import UUID

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.db.models.fields.files import FieldFile

from videos import errors
from videos.ingest import IngestError, IngestPolicy, download_video
from videos.models import VideoAsset
from videos.sandbox import (
    Inspection,
    InspectionRefused,
    SandboxError,
    inspect_video,
    limits_from_settings,
)
from videos.sources import VideoSource

logger = logging.getLogger(__name__)

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
    inspection: Inspection | None = None,
) -> VideoAsset:
    """Store the video at ``path`` (probed, thumbnailed) once; the same bytes give the same asset.

    The file is probed and thumbnailed in one run of the sandbox
    (:func:`videos.sandbox.inspect_video`, limits from settings), so this process
    decodes none of it. ``sha256`` and ``inspection`` may be given when the caller
    already has them for these very bytes; ``inspection`` must come from the sandbox
    (a download's does).

    Raises:
        IngestError: ``not_a_video`` when the file is not a video we serve, ``too_large``
            when it is over the pixel or duration cap or needs more memory or time than
            the sandbox allows, ``internal_error`` when the sandbox itself failed.
    """
    sha256 = sha256 or _sha256_of(path)
    if existing := VideoAsset.objects.filter(sha256=sha256).first():
        return existing
    if inspection is None:
        inspection = _inspect(path)
    probe, thumbnail = inspection
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


def _inspect(path: Path) -> Inspection:
    """Probe and thumbnail ``path`` in the sandbox; every failure becomes an ``IngestError``."""
    try:
        return inspect_video(path, limits_from_settings())
    except InspectionRefused as exc:
        raise IngestError(exc.code) from exc
    except SandboxError as exc:
        # Our fault, not the file's; retrying the same bytes would fail the same way.
        logger.exception("video sandbox failed on %s", path.name)
        raise IngestError(errors.INTERNAL) from exc


def ingest_policy() -> IngestPolicy:
    """What a download may fetch and how much, and the limits its check runs under."""
    return IngestPolicy(
        allow_http=settings.VIDEO_INGEST_ALLOW_HTTP,
        max_bytes=settings.VIDEO_MAX_BYTES,
        allowed_hosts=frozenset(settings.VIDEO_INGEST_ALLOWED_HOSTS),
        allowed_addresses=frozenset(settings.VIDEO_INGEST_ALLOWED_ADDRESSES),
        inspection=limits_from_settings(),
    )


def video_asset_create_from_url(*, url: str, source_kind: VideoSource) -> VideoAsset:
    """Download ``url`` (SSRF-guarded, size-capped, inspected in the sandbox) and store it.

    Raises ``IngestError`` (see :func:`videos.ingest.download_video`).
    """
    with tempfile.TemporaryDirectory(prefix="dj-ingest-") as tmp:
        downloaded = download_video(url, policy=ingest_policy(), dest_dir=Path(tmp))
        return video_asset_create_from_file(
            path=downloaded.path,
            source_kind=source_kind,
            source_url=url,
            sha256=downloaded.sha256,
            # download_video already ran the sandbox on these bytes: no second decode.
            inspection=downloaded.inspection,
        )


def video_asset_create_from_staged(*, staged: FieldFile) -> VideoAsset:
    """Store an uploaded file staged in storage (copied to local disk to probe it)."""
    with tempfile.TemporaryDirectory(prefix="dj-upload-") as tmp:
        local = Path(tmp) / "upload.mp4"
        with staged.open("rb") as src, local.open("wb") as dst:
            shutil.copyfileobj(src, dst, _CHUNK)
        return video_asset_create_from_file(path=local, source_kind=VideoSource.UPLOAD)


@transaction.atomic
def video_assets_delete_unreferenced(*, asset_ids: Iterable[UUID | str]) -> int:
    """Delete those of ``asset_ids`` that nothing points at any more: rows, videos, thumbnails.

    Assets are shared (one per sha256), so another owner's dream, demo dream or job may
    still use one; the ``PROTECT`` foreign keys say so and such an asset stays, bytes and
    all. The rows are locked while they are checked and deleted; a writer that starts
    pointing at one meanwhile fails on the foreign key instead of keeping a video without
    bytes. Files are deleted once the transaction commits, so a rollback never leaves a
    row whose file is gone. Returns how many assets were deleted.
    """
    deleted = 0
    assets = VideoAsset.objects.select_for_update().filter(pk__in=set(asset_ids)).order_by("pk")
    for asset in assets:
        try:
            asset.delete()
        except ProtectedError:  # raised before any SQL: still someone's video
            continue
        storage = asset.file.storage
        for name in (asset.file.name, asset.thumbnail.name):
            if name:
                # robust: a file that cannot be removed is logged, the others still go.
                transaction.on_commit(partial(storage.delete, name), robust=True)
        deleted += 1
    return deleted
