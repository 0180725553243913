"""Writing a journal archive (``dreams.archive.layout``): streamed, or packed by the worker.

A journal with at most ``EXPORT_INLINE_MAX_BYTES`` of video and ``EXPORT_INLINE_MAX_DREAMS``
dreams streams straight to its owner (``JournalArchive``). A larger one is packed by the
task worker into storage (``journal_export_request`` → ``journal_export_task`` →
``journal_export_build``), downloaded by its owner until it expires, then swept
(``journal_exports_sweep``, run with the media sweep).

Memory stays flat whatever the journal's size: ``zipfile`` writes into a pipe that cannot
seek (so each member's sizes follow its data), every piece is handed on as soon as it is
written, videos are read from storage ``CHUNK`` bytes at a time, dreams in batches.
"""

from __future__ import annotations

import io
import json
import logging
import tempfile
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Sum
from django.db.models.fields.files import FieldFile
from django.tasks import task
from django.utils import timezone
from django.utils.text import slugify

from common.tasks import enqueue
from dreams.archive.layout import (
    MANIFEST,
    ArchivedDreamSerializer,
    dream_json_name,
    dream_markdown,
    dream_markdown_name,
    manifest,
    thumbnail_name,
    video_name,
)
from dreams.models import Dream, ExportStatus, JournalExport
from dreams.notices import journal_export_ready_notify
from videos.models import VideoAsset

logger = logging.getLogger(__name__)

CHUNK = 1024 * 1024
_JOINED = 64 * 1024  # pieces smaller than this are joined before they are handed on
#: Where packed exports wait for their download (``JournalExport.file``'s ``upload_to``).
EXPORTS_DIR = "exports"
IN_FLIGHT = (ExportStatus.QUEUED, ExportStatus.RUNNING)
FAILED_MESSAGE = "Your journal could not be packed. Please try again."
STALLED_MESSAGE = "Packing your journal did not finish. Please try again."


# --- How big a journal is --------------------------------------------------------------------


@dataclass(frozen=True)
class JournalSize:
    dreams: int
    video_bytes: int  # each stored video once, however many dreams show it

    @property
    def streams_inline(self) -> bool:
        """Small enough to stream in the request; otherwise the task worker packs it."""
        return (
            self.dreams <= settings.EXPORT_INLINE_MAX_DREAMS
            and self.video_bytes <= settings.EXPORT_INLINE_MAX_BYTES
        )


def journal_size(*, user: AbstractBaseUser) -> JournalSize:
    dreams = Dream.objects.filter(owner=user)
    assets = VideoAsset.objects.filter(pk__in=dreams.values("video_asset_id"))
    return JournalSize(
        dreams=dreams.count(), video_bytes=assets.aggregate(total=Sum("bytes"))["total"] or 0
    )


# --- The archive, piece by piece ----------------------------------------------------------------


class _Pipe(io.RawIOBase):
    """Where ``zipfile`` writes: it keeps what was written until ``take`` hands it on.

    It cannot seek, so ``zipfile`` writes each member's sizes and CRC after its data.
    """

    def __init__(self) -> None:
        super().__init__()
        self._pieces: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._pieces.append(bytes(data))  # no copy for bytes, which is what zipfile writes
        return len(data)

    def take(self) -> Iterator[bytes]:
        """What was written since the last ``take``: small pieces (headers, text) joined,
        a chunk of video handed on as it is, never copied."""
        pieces, self._pieces = self._pieces, []
        small: list[bytes] = []
        for piece in pieces:
            if len(piece) < _JOINED:
                small.append(piece)
                continue
            if small:
                yield b"".join(small)
                small = []
            yield piece
        if small:
            yield b"".join(small)


def _member(name: str, when: tuple[int, ...], *, stored: bool) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=when)
    # Videos are compressed already: deflating them again costs CPU and saves nothing.
    info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16  # a plain file, readable by all, wherever it is unpacked
    return info


def archive_filename(user: AbstractBaseUser, when: datetime) -> str:
    """What a downloaded archive is called: ``dreamjourney-<username>-<day>.zip``."""
    who = slugify(user.get_username()) or "journal"
    return f"dreamjourney-{who}-{timezone.localdate(when):%Y-%m-%d}.zip"


class JournalArchive:
    """``user``'s journal as a ZIP, made while it is read: iterate over it for its bytes.

    Dreams go oldest first, each as JSON and Markdown, each video and thumbnail once; the
    manifest last. A video whose file is missing from storage is left out (its dream's
    ``video`` is null) rather than breaking the download. After the iteration
    ``dream_count`` and ``video_count`` say what it holds.
    """

    def __init__(self, user: AbstractBaseUser, *, exported_at: datetime | None = None) -> None:
        self.user = user
        self.exported_at = exported_at or timezone.now()
        self.dream_count = 0
        self.video_count = 0

    @property
    def filename(self) -> str:
        return archive_filename(self.user, self.exported_at)

    def __iter__(self) -> Iterator[bytes]:
        pipe = _Pipe()
        # ZIP times have no zone and start in 1980: the export's own (local) time is used.
        when = timezone.localtime(self.exported_at).timetuple()[:6]
        files: dict[str, tuple[bool, bool]] = {}  # sha256 -> (video, thumbnail) written
        with zipfile.ZipFile(pipe, "w", allowZip64=True) as archive:
            dreams = (
                Dream.objects.filter(owner=self.user)
                .select_related("video_asset")
                .order_by("dreamt_on", "created_at", "id")
            )
            for dream in dreams.iterator(chunk_size=200):
                data = dict(ArchivedDreamSerializer(dream).data)
                asset = dream.video_asset
                if asset is not None:
                    if asset.sha256 not in files:
                        files[asset.sha256] = yield from self._asset(archive, pipe, asset, when)
                    has_video, has_thumbnail = files[asset.sha256]
                    if not has_video:
                        data["video"] = None
                    elif not has_thumbnail:
                        data["video"] = {**data["video"], "thumbnail": None}
                text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
                archive.writestr(_member(dream_json_name(dream.pk), when, stored=False), text)
                markdown = dream_markdown(data)
                archive.writestr(
                    _member(dream_markdown_name(dream.pk), when, stored=False), markdown
                )
                self.dream_count += 1
                yield from pipe.take()
            self.video_count = sum(1 for has_video, _ in files.values() if has_video)
            described = manifest(
                exported_at=self.exported_at,
                dream_count=self.dream_count,
                video_count=self.video_count,
            )
            archive.writestr(_member(MANIFEST, when, stored=False), json.dumps(described, indent=2))
        yield from pipe.take()  # the central directory, written when the archive closed

    def _asset(
        self, archive: zipfile.ZipFile, pipe: _Pipe, asset: VideoAsset, when: tuple[int, ...]
    ) -> Iterator[bytes]:
        """Write the asset's video and thumbnail; returns whether each was there to write."""
        if not (yield from _copy(archive, pipe, asset.file, video_name(asset.sha256), when)):
            logger.warning("export of user %s: video %s is missing", self.user.pk, asset.sha256)
            return False, False
        if not asset.thumbnail:
            return True, False
        name = thumbnail_name(asset.sha256)
        return True, (yield from _copy(archive, pipe, asset.thumbnail, name, when))


def _copy(
    archive: zipfile.ZipFile, pipe: _Pipe, field: FieldFile, name: str, when: tuple[int, ...]
) -> Iterator[bytes]:
    """Copy a stored file into the archive, a chunk at a time; returns False if it is missing."""
    storage = field.storage
    try:
        size = storage.size(field.name)
        source = storage.open(field.name, "rb")
    except FileNotFoundError:
        return False
    info = _member(name, when, stored=True)
    info.file_size = size  # on a pipe, zipfile must know up front whether it needs ZIP64
    with source, archive.open(info, "w") as member:
        while chunk := source.read(CHUNK):
            member.write(chunk)
            yield from pipe.take()
    yield from pipe.take()
    return True


# --- Large journals: packed by the task worker ---------------------------------------------------


def journal_export_get(*, user: AbstractBaseUser, export_id: Any) -> JournalExport | None:
    """One of ``user``'s exports; ``None`` for another's, a missing one or a malformed id."""
    try:
        uuid.UUID(str(export_id))
    except ValueError:
        return None
    return JournalExport.objects.filter(pk=export_id, user=user).first()


def journal_export_latest(*, user: AbstractBaseUser) -> JournalExport | None:
    return JournalExport.objects.filter(user=user).order_by("-created_at").first()


def journal_export_downloadable(export: JournalExport, *, now: datetime | None = None) -> bool:
    return (
        export.status == ExportStatus.READY
        and export.expires_at is not None
        and export.expires_at > (now or timezone.now())
    )


@transaction.atomic
def journal_export_request(*, user: AbstractBaseUser) -> JournalExport:
    """Have the task worker pack ``user``'s journal (enqueued once this commits).

    An export of theirs already queued or packing is returned instead of a second one:
    the user row is locked, so two requests at once still make one.
    """
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    in_flight = JournalExport.objects.filter(user=user, status__in=IN_FLIGHT).first()
    if in_flight is not None:
        return in_flight
    export = JournalExport.objects.create(user=user)
    export_id = str(export.pk)
    transaction.on_commit(lambda: enqueue(journal_export_task, export_id))
    return export


def journal_export_build(*, export_id: str) -> None:
    """Pack the export's journal into storage; downloadable until ``EXPORT_EXPIRY_SECONDS``.

    Safe to run again: an export no longer queued or packing is left alone, and a run
    that died half-way starts afresh. A failure is logged and recorded on the export
    (its owner sees it and may ask again), not raised: retrying would fail the same way.
    The ZIP is spooled in an unnamed temporary file, so a killed run leaves nothing behind.
    """
    claimed = JournalExport.objects.filter(pk=export_id, status__in=IN_FLIGHT).update(
        status=ExportStatus.RUNNING
    )
    if not claimed:
        return
    export = JournalExport.objects.select_related("user").get(pk=export_id)
    storage = export.file.storage
    archive = JournalArchive(export.user)
    name = ""
    try:
        with tempfile.TemporaryFile(prefix="dj-export-") as spool:
            for piece in archive:
                spool.write(piece)
            size = spool.tell()
            spool.seek(0)
            name = storage.save(f"{EXPORTS_DIR}/{export.pk}.zip", File(spool, name="export.zip"))
    except Exception:
        logger.exception("journal export %s failed", export_id)
        JournalExport.objects.filter(pk=export_id, status=ExportStatus.RUNNING).update(
            status=ExportStatus.FAILED, error=FAILED_MESSAGE, finished_at=timezone.now()
        )
        if name:
            storage.delete(name)
        return
    now = timezone.now()
    export.expires_at = now + timedelta(seconds=settings.EXPORT_EXPIRY_SECONDS)
    with transaction.atomic():  # ready, and its owner told, together
        finished = JournalExport.objects.filter(pk=export_id, status=ExportStatus.RUNNING).update(
            status=ExportStatus.READY,
            file=name,
            bytes=size,
            dream_count=archive.dream_count,
            finished_at=now,
            expires_at=export.expires_at,
        )
        if finished:
            journal_export_ready_notify(export=export)
    if not finished:  # the export (or its account) was deleted meanwhile: keep no file
        storage.delete(name)


@task()
def journal_export_task(export_id: str) -> None:
    """Pack one large journal into a downloadable ZIP."""
    journal_export_build(export_id=export_id)


# --- Housekeeping ---------------------------------------------------------------------------------


def _delete_file(name: str) -> None:
    if name:
        default_storage.delete(name)


def journal_exports_sweep(max_age: timedelta) -> int:
    """Delete what exports leave behind; returns how many exports and files went.

    Expired exports go, file and row; a failed one once its owner had ``EXPORT_EXPIRY_SECONDS``
    to read why. One still queued or packing after ``max_age`` was lost by a dead worker:
    it is marked failed, so its owner may ask again. ZIPs under ``exports/`` that no export
    names (a deleted account's, a killed build's) go once older than ``max_age``.
    Registered with ``videos.housekeeping`` (``dreams.apps``): it runs with the media sweep.
    """
    now = timezone.now()
    removed = 0
    keep_failed = timedelta(seconds=settings.EXPORT_EXPIRY_SECONDS)
    done = JournalExport.objects.filter(expires_at__lt=now) | JournalExport.objects.filter(
        status=ExportStatus.FAILED, created_at__lt=now - keep_failed
    )
    for export in done:
        _delete_file(export.file.name)
        export.delete()
        removed += 1
    JournalExport.objects.filter(status__in=IN_FLIGHT, created_at__lt=now - max_age).update(
        status=ExportStatus.FAILED, error=STALLED_MESSAGE, finished_at=now
    )
    try:
        _, names = default_storage.listdir(EXPORTS_DIR)
    except (FileNotFoundError, NotADirectoryError):
        return removed
    owned = set(JournalExport.objects.exclude(file="").values_list("file", flat=True))
    for name in names:
        path = f"{EXPORTS_DIR}/{name}"
        try:
            if path not in owned and default_storage.get_modified_time(path) < now - max_age:
                default_storage.delete(path)
                removed += 1
        except FileNotFoundError:
            continue  # another sweeper was quicker
    return removed
