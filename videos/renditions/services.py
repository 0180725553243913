"""Making and storing an asset's renditions: the web rendition, the preview loop, the poster.

``video_renditions_make`` is the one writer of ``VideoRendition`` rows and of an asset's
rendition fields. The original always stays; the web rendition is kept only when it is
worth serving (the skip rule, ``web_rendition_worth_keeping``).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import replace
from functools import partial
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage
from django.db import transaction
from django.utils import timezone

from videos import errors
from videos.credentials import Credentials, credentials_carry_over
from videos.models import RenditionKind, VideoAsset, VideoRendition
from videos.renditions.encode import RenditionOptions
from videos.renditions.facts import FileFacts
from videos.renditions.sandboxed import (
    Rendered,
    RenditionRefused,
    render_in_sandbox,
)
from videos.sandbox import SandboxError, SandboxLimits, limits_from_settings
from videos.signals import video_asset_changed

logger = logging.getLogger(__name__)

_CHUNK = 1024 * 1024


def rendition_options() -> RenditionOptions:
    """The rendition settings (``VIDEO_RENDITION_*``) as encoder options."""
    return RenditionOptions(
        max_side=settings.VIDEO_RENDITION_MAX_SIDE,
        crf=settings.VIDEO_RENDITION_CRF,
        maxrate=settings.VIDEO_RENDITION_MAXRATE,
        bufsize=settings.VIDEO_RENDITION_BUFSIZE,
        preset=settings.VIDEO_RENDITION_PRESET,
    )


def rendition_limits() -> SandboxLimits:
    """The probe's media limits, with the rendition's own memory and time budget."""
    probe = limits_from_settings()
    return SandboxLimits(
        media=probe.media,
        memory_mb=settings.VIDEO_RENDITION_MEMORY_MB,
        seconds=settings.VIDEO_RENDITION_SECONDS,
    )


def web_rendition_worth_keeping(*, original: FileFacts, web: FileFacts, max_side: int) -> bool:
    """False when the original already is a web rendition (H.264 Main/High, yuv420p, moov
    first, within the cap, AAC or silent) and is no bigger than the new one."""
    return not (original.qualifies(max_side=max_side) and original.bytes <= web.bytes)


@contextmanager
def _local_original(asset: VideoAsset):
    """A local path of the asset's original: the file itself on the filesystem storage,
    else a copy in a temp folder deleted on exit."""
    storage = asset.file.storage
    if isinstance(storage, FileSystemStorage):
        yield Path(storage.path(asset.file.name))
        return
    with tempfile.TemporaryDirectory(prefix="dj-render-") as tmp:
        local = Path(tmp) / "original.mp4"
        with storage.open(asset.file.name, "rb") as src, local.open("wb") as dst:
            shutil.copyfileobj(src, dst, _CHUNK)
        yield local


def video_renditions_make(*, asset: VideoAsset, force: bool = False) -> VideoAsset:
    """Make and store ``asset``'s web rendition (unless skipped), preview loop and poster.

    Idempotent: an asset whose renditions were made (``renditions_at``) is returned as is
    unless ``force``. Safe to run twice at once: the asset row is locked while the result
    is recorded, and the loser's files are deleted. A video the sandbox refuses (over its
    limits) is recorded with ``renditions_error`` and keeps being served as it is. Every
    local file is deleted whatever happens.

    Raises:
        SandboxError: the sandbox itself failed (nothing recorded; a later run retries).
        OSError: the original could not be read or the results not stored.
    """
    if asset.renditions_at is not None and not force:
        return asset
    options = rendition_options()
    started = time.perf_counter()
    with (
        _local_original(asset) as original,
        tempfile.TemporaryDirectory(prefix="dj-render-") as workdir,
    ):
        try:
            rendered = render_in_sandbox(
                original,
                Path(workdir),
                options=options,
                limits=rendition_limits(),
                max_output_bytes=settings.VIDEO_MAX_BYTES,
            )
        except RenditionRefused as exc:
            logger.info("no renditions for asset %s: %s", asset.pk, exc)
            return _record_refusal(asset, exc.code)
        # Renditions say what their original says (C2PA): sign them before storing.
        credentials_carry_over(
            source=original,
            targets=(rendered.web_path, rendered.preview_path),
            recorded=_recorded_credentials(asset),
        )
        rendered = _remeasured(rendered)
        keep_web = web_rendition_worth_keeping(
            original=rendered.original, web=rendered.web, max_side=options.max_side
        )
        return _store(asset, rendered, keep_web=keep_web, started=started)


def _recorded_credentials(asset: VideoAsset) -> Credentials | None:
    """What the asset's manifest said when it was stored; None for an asset stored
    before credentials were recorded (or a record we cannot parse)."""
    try:
        return Credentials.from_json(asset.credentials) if asset.credentials else None
    except ValueError:
        return None


def _remeasured(rendered: Rendered) -> Rendered:
    """The files' sizes after signing (a manifest adds bytes)."""
    return replace(
        rendered,
        web=replace(rendered.web, bytes=rendered.web_path.stat().st_size),
        preview=replace(rendered.preview, bytes=rendered.preview_path.stat().st_size),
    )


def _record_refusal(asset: VideoAsset, code: str) -> VideoAsset:
    fields = {"renditions_at": timezone.now(), "renditions_error": code[:200]}
    VideoAsset.objects.filter(pk=asset.pk).update(**fields)
    for name, value in fields.items():
        setattr(asset, name, value)
    return asset


def _save(storage, name: str, path: Path) -> str:
    with path.open("rb") as fh:
        return storage.save(name, File(fh))


def _store(asset: VideoAsset, rendered: Rendered, *, keep_web: bool, started: float) -> VideoAsset:
    storage = asset.file.storage
    prefix = f"renditions/{asset.sha256[:2]}/{asset.sha256}"
    saved: list[str] = []
    try:
        names = {}
        if keep_web:
            names[RenditionKind.WEB] = _save(storage, f"{prefix}-web.mp4", rendered.web_path)
            saved.append(names[RenditionKind.WEB])
        names[RenditionKind.PREVIEW] = _save(
            storage, f"{prefix}-preview.mp4", rendered.preview_path
        )
        saved.append(names[RenditionKind.PREVIEW])
        poster = _save(
            storage, f"posters/{asset.sha256[:2]}/{asset.sha256}.jpg", rendered.poster_path
        )
        saved.append(poster)
        with transaction.atomic():
            return _record(asset, rendered, names=names, poster=poster, started=started)
    except BaseException:
        for name in saved:
            storage.delete(name)
        raise


def _record(
    asset: VideoAsset, rendered: Rendered, *, names: dict[str, str], poster: str, started: float
) -> VideoAsset:
    storage = asset.file.storage
    locked = VideoAsset.objects.select_for_update().get(pk=asset.pk)
    old_files = [r.file.name for r in locked.renditions.all()]
    if locked.thumbnail.name and locked.thumbnail.name != poster:
        old_files.append(locked.thumbnail.name)
    locked.renditions.all().delete()
    rows = {RenditionKind.WEB: rendered.web, RenditionKind.PREVIEW: rendered.preview}
    seconds = {RenditionKind.WEB: rendered.seconds, RenditionKind.PREVIEW: rendered.preview_seconds}
    for kind, name in names.items():
        facts = rows[kind]
        VideoRendition.objects.create(
            asset=locked,
            kind=kind,
            file=name,
            bytes=facts.bytes,
            width=facts.width,
            height=facts.height,
            duration=facts.duration,
            video_codec=facts.video_codec,
            audio_codec=facts.audio_codec,
            bitrate=facts.bitrate,
            seconds=round(seconds[kind], 4),
        )
    locked.thumbnail.name = poster
    locked.bitrate = rendered.original.bitrate
    locked.audio_codec = rendered.original.audio_codec
    locked.renditions_at = timezone.now()
    locked.renditions_error = ""
    locked.renditions_seconds = round(time.perf_counter() - started, 4)
    locked.preview_ready = True
    locked.save(
        update_fields=[
            "thumbnail",
            "bitrate",
            "audio_codec",
            "renditions_at",
            "renditions_error",
            "renditions_seconds",
            "preview_ready",
        ]
    )
    for name in old_files:
        if name not in names.values() and name != poster:
            transaction.on_commit(partial(storage.delete, name), robust=True)
    video_asset_changed.send(sender=VideoAsset, asset=locked)
    return locked


def video_renditions_make_safely(*, asset: VideoAsset) -> VideoAsset:
    """``video_renditions_make`` for the worker: a sandbox failure is logged and left for a
    later run (the backfill command) instead of failing the task."""
    try:
        return video_renditions_make(asset=asset)
    except SandboxError:
        logger.exception(
            "the video sandbox failed on asset %s; renditions left to a later run", asset.pk
        )
        VideoAsset.objects.filter(pk=asset.pk).update(renditions_error=errors.INTERNAL)
        return asset
