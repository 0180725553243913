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
from django.db.models import ProtectedError, Q
from django.db.models.fields.files import FieldFile

from videos import errors
from videos.credentials import (
    Credentials,
    CredentialsError,
    Generation,
    Origin,
    Signature,
    credentials_read_isolated,
    credentials_sign,
)
from videos.ingest import IngestError, IngestPolicy, download_video
from videos.models import VideoAsset
from videos.renditions.tasks import video_renditions_enqueue
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
    generation: Generation | None = None,
) -> VideoAsset:
    """Store the video at ``path`` (probed, thumbnailed) once; the same bytes give the same asset.

    The file is probed and thumbnailed in one run of the sandbox
    (:func:`videos.sandbox.inspect_video`, limits from settings), so this process
    decodes none of it. ``sha256`` and ``inspection`` may be given when the caller
    already has them for these very bytes; ``inspection`` must come from the sandbox
    (a download's does).

    Content Credentials: with a ``generation`` (a provider made the file), a copy signed
    with our C2PA manifest is what is hashed and stored, and the same provider output
    (``unsigned_sha256``) gives the same asset however often it is collected. Without
    one, the file is stored untouched and whatever manifest it brings is recorded.

    Raises:
        IngestError: ``not_a_video`` when the file is not a video we serve, ``too_large``
            when it is over the pixel or duration cap or needs more memory or time than
            the sandbox allows, ``internal_error`` when the sandbox itself failed or a
            generated video could not be signed (an unmarked AI video is never stored).
    """
    if generation is not None:
        return _create_generated(
            path=path,
            source_url=source_url,
            sha256=sha256,
            inspection=inspection,
            generation=generation,
        )
    sha256 = sha256 or _sha256_of(path)
    if existing := VideoAsset.objects.filter(sha256=sha256).first():
        return existing
    # A video first (probed in the sandbox), and only then its manifest: a file that is
    # not a video never costs a manifest reader.
    inspection = inspection or _inspect(path)
    return _store(
        path=path,
        source_kind=source_kind,
        source_url=source_url,
        sha256=sha256,
        inspection=inspection,
        # Someone else's file: its manifest (if any) is recorded, read in a limited child.
        credentials=credentials_read_isolated(path, origin=Origin.UPLOADED)
        or Credentials(origin=Origin.UPLOADED, signature=Signature.INVALID),
    )


def _create_generated(
    *,
    path: Path,
    source_url: str,
    sha256: str | None,
    inspection: Inspection | None,
    generation: Generation,
) -> VideoAsset:
    unsigned = sha256 or _sha256_of(path)
    if existing := VideoAsset.objects.filter(unsigned_sha256=unsigned).first():
        return existing  # collected before (a re-run step, the same demo render): one asset
    with tempfile.TemporaryDirectory(prefix="dj-sign-") as tmp:
        signed = Path(tmp) / "signed.mp4"
        try:
            credentials = credentials_sign(source=path, target=signed, generation=generation)
        except CredentialsError as exc:
            logger.exception("could not sign a generated video")
            raise IngestError(errors.INTERNAL) from exc
        # Signing adds a box and moves none of the media: the source's inspection holds.
        return _store(
            path=signed,
            source_kind=generation.source,
            source_url=source_url,
            sha256=_sha256_of(signed),
            inspection=inspection,
            credentials=credentials,
            unsigned_sha256=unsigned,
        )


def _store(
    *,
    path: Path,
    source_kind: VideoSource,
    source_url: str,
    sha256: str,
    inspection: Inspection | None,
    credentials: Credentials,
    unsigned_sha256: str = "",
) -> VideoAsset:
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
        credentials=credentials.as_json(),
        unsigned_sha256=unsigned_sha256,
    )
    with path.open("rb") as fh:
        asset.file.save(f"{sha256}.mp4", File(fh), save=False)
    asset.thumbnail.save(f"{sha256}.jpg", ContentFile(thumbnail), save=False)
    try:
        with transaction.atomic():
            asset.save(force_insert=True)
            # The web rendition, preview loop and poster follow in the worker.
            video_renditions_enqueue(asset.pk)
    except IntegrityError:
        # Another worker stored the same bytes (or signed the same output) first: keep
        # theirs, drop our copy.
        asset.file.delete(save=False)
        asset.thumbnail.delete(save=False)
        same = Q(sha256=sha256) | (Q(unsigned_sha256=unsigned_sha256) if unsigned_sha256 else Q())
        return VideoAsset.objects.get(same)
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


def video_asset_create_from_url(
    *, url: str, source_kind: VideoSource, generation: Generation | None = None
) -> VideoAsset:
    """Download ``url`` (SSRF-guarded, size-capped, inspected in the sandbox) and store it;
    a provider's output (``generation``) is signed first (see ``video_asset_create_from_file``).

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
            generation=generation,
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
        # Its renditions' rows go with it (CASCADE); their files must too.
        renditions = list(asset.renditions.values_list("file", flat=True))
        try:
            asset.delete()
        except ProtectedError:  # raised before any SQL: still someone's video
            continue
        storage = asset.file.storage
        for name in (asset.file.name, asset.thumbnail.name, *renditions):
            if name:
                # robust: a file that cannot be removed is logged, the others still go.
                transaction.on_commit(partial(storage.delete, name), robust=True)
        deleted += 1
    return deleted
