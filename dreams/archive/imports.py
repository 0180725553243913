"""Bringing a journal archive's dreams back into an account: all of them, or nothing.

``journal_import`` checks the whole archive before it writes anything
(``dreams.archive.reading`` for the ZIP itself, then here): the manifest, every dream's
JSON through the API's own checks for a new dream (``layout.ArchivedDreamInputSerializer``),
and every video a new dream needs: unpacked within its bounds, its bytes matching the
sha256 it is named by, and probed in the sandbox as any uploaded video is. Then one
transaction creates the dreams and stores the videos (``videos.assets``: one file per
sha256, thumbnails made again from the video itself).

What is trusted from the file, and what is not:

* ids: a dream keeps its id, so importing the same archive again creates nothing new. An
  id already used by another account (or a demo dream) gets one derived from the account
  and the original id (``derived_dream_id``), the same on every import;
* text, details, analysis, prompt and duration pass the API's checks; ``created_at`` and
  ``dreamt_on`` are kept within sane bounds (``layout``);
* owner, moderation, video state and URLs are never read: an imported public dream waits
  for a moderator like any new public dream (``initial_moderation_status``);
* videos are stored synchronously with the probe's own answer, so no job is queued and
  the in-flight cap does not apply; what an import may cost is bounded by
  ``IMPORT_MAX_BYTES``, ``IMPORT_MAX_VIDEOS`` (new videos, each probed once) and the
  ``journal_import`` throttle. A video already stored here (same sha256) is not unpacked
  or probed again, but its bytes are read and hashed: naming a stored video's sha256 is
  not enough to get it.
"""

from __future__ import annotations

import logging
import tempfile
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import DatabaseError, transaction

from common.exceptions import ServiceBusy
from dreams.archive.layout import (
    ArchivedDreamInputSerializer,
    dream_json_name,
    manifest_problem,
    video_name,
)
from dreams.archive.reading import ArchiveRefused, JournalZip
from dreams.caching import gallery_changed
from dreams.models import AnalysisStatus, DemoDream, Dream, VideoStatus
from dreams.services import dream_thumbnail_path, dream_video_path, initial_moderation_status
from dreams.services.dream import DETAIL_FIELDS
from videos import errors
from videos.assets import video_asset_create_from_file
from videos.models import VideoAsset
from videos.sandbox import Inspection, InspectionRefused, SandboxError, inspect_video
from videos.sandbox import limits_from_settings as probe_limits
from videos.sources import VideoSource

__all__ = ["ArchiveRefused", "ImportResult", "derived_dream_id", "journal_import"]

logger = logging.getLogger(__name__)

#: Ids of imported dreams whose own id was taken elsewhere are derived in this namespace.
IMPORT_NAMESPACE = uuid.UUID("6f1c4f0e-5b1a-4c55-9f4e-d2a7c1e0b8a3")
_DERIVATION_ATTEMPTS = 5
_BATCH = 100
_COPIED_FIELDS = ("title", "content", "is_public", "video_prompt", "video_duration")
_NOT_CLEANED = ["id", "owner", "video_asset", "moderated_by", "search_vector"]
PROBE_UNAVAILABLE = "We could not check the archive's videos just now. Please try again soon."


@dataclass(frozen=True)
class ImportResult:
    created: int  # dreams added to the journal
    skipped: int  # dreams it already had (imported before)
    videos: int  # distinct videos the new dreams show


@dataclass(frozen=True)
class _Planned:
    """A dream of the archive that the journal does not have yet, and the id it gets."""

    original_id: str
    dream_id: uuid.UUID
    video_sha256: str | None


def derived_dream_id(*, user: AbstractBaseUser, dream_id: Any, attempt: int = 0) -> uuid.UUID:
    """The id a dream gets here when its own is taken: the same for the same account."""
    suffix = f"/{attempt}" if attempt else ""
    return uuid.uuid5(IMPORT_NAMESPACE, f"{user.pk}/{dream_id}{suffix}")


def journal_import(*, user: AbstractBaseUser, archive: BinaryIO) -> ImportResult:
    """Add the archive's dreams (and their videos) that ``user``'s journal does not have.

    Nothing is written unless the whole archive passed its checks, and the writes are
    one transaction: a failure leaves no dream, no asset and no file. Raises
    ``ArchiveRefused`` (a sentence for the owner) for any archive we will not import,
    ``ServiceBusy`` when the video sandbox itself failed (our fault: try again).
    """
    with JournalZip(archive) as journal:
        _check_manifest(journal)
        plan, skipped = _plan(user, journal)
        # Named like the ingest's upload folders, so a killed request's is swept too.
        with tempfile.TemporaryDirectory(prefix="dj-upload-") as workdir:
            probed = _check_videos(journal, plan, Path(workdir))
            return _write(user, journal, plan, probed, skipped=skipped)


# --- Checks (read only) ------------------------------------------------------------------------


def _check_manifest(journal: JournalZip) -> None:
    if journal.manifest is None:
        raise ArchiveRefused("The archive has no manifest.json: it is not a DreamJourney export.")
    data = journal.read_json(journal.manifest)
    if problem := manifest_problem(data):
        raise ArchiveRefused(problem)
    if data["dream_count"] != len(journal.dreams):
        raise ArchiveRefused(
            f"The archive is incomplete: its manifest lists {data['dream_count']} dreams, "
            f"it holds {len(journal.dreams)}."
        )


def _first_error(detail: Any, path: str = "") -> str:
    """The first message of a serializer's errors, after the field it is about."""
    if isinstance(detail, dict) and detail:
        key, value = next(iter(detail.items()))
        field = "" if key == "non_field_errors" else str(key)
        return _first_error(value, ".".join(part for part in (path, field) if part))
    if isinstance(detail, list) and detail:
        return _first_error(detail[0], path)
    return f"{path}: {detail}" if path else str(detail)


def _dream_data(journal: JournalZip, dream_id: str) -> dict[str, Any]:
    """One dream of the archive, validated as the API validates a new dream."""
    name = dream_json_name(dream_id)
    data = journal.read_json(journal.dreams[dream_id])
    if not isinstance(data, dict):
        raise ArchiveRefused(f"{name} is not a dream (a JSON object).")
    serializer = ArchivedDreamInputSerializer(data=data)
    if not serializer.is_valid():
        raise ArchiveRefused(f"{name} is not a valid dream: {_first_error(serializer.errors)}")
    valid = dict(serializer.validated_data)
    if str(valid["id"]) != dream_id:
        raise ArchiveRefused(f"{name} holds the dream {valid['id']}, not {dream_id}.")
    video = valid.get("video")
    if video and video["sha256"] not in journal.videos:
        raise ArchiveRefused(f"{name} shows {video['file']}, which the archive does not hold.")
    return valid


def _ids_in(model, ids: Iterable[Any], **filters: Any) -> set[str]:
    return {
        str(pk)
        for pk in model.objects.filter(pk__in=list(ids), **filters).values_list("pk", flat=True)
    }


def _taken(ids: Iterable[Any], user: AbstractBaseUser) -> tuple[set[str], set[str]]:
    """Of ``ids``: those of the user's dreams, and those someone else's dream or demo dream has."""
    ids = list(ids)
    mine = _ids_in(Dream, ids, owner=user)
    return mine, (_ids_in(Dream, ids) - mine) | _ids_in(DemoDream, ids)


def _plan(user: AbstractBaseUser, journal: JournalZip) -> tuple[list[_Planned], int]:
    """Check every dream; decide which are new to the journal and the id each gets."""
    videos: dict[str, str | None] = {}
    for dream_id in sorted(journal.dreams):
        video = _dream_data(journal, dream_id).get("video")
        videos[dream_id] = video["sha256"] if video else None
    mine, taken = _taken(videos, user)
    derived = {i: derived_dream_id(user=user, dream_id=i) for i in videos if i in taken}
    derived_mine, derived_taken = _taken(derived.values(), user)
    plan: list[_Planned] = []
    skipped = 0
    for original, video in videos.items():
        target: uuid.UUID | None = uuid.UUID(original)
        if original in mine:
            target = None
        elif original in taken:
            target = derived[original]
            if str(target) in derived_mine:
                target = None  # imported under its derived id before
            elif str(target) in derived_taken:
                target = _free_id(user, original)
        if target is None:
            skipped += 1
        else:
            plan.append(_Planned(original, target, video))
    return plan, skipped


def _free_id(user: AbstractBaseUser, original: str) -> uuid.UUID | None:
    """A further derived id for a dream whose first derived id is someone else's (only a
    crafted archive can do that); ``None``: the user has it. Past the last attempt, a random
    id (that one dream would be imported again by a later import)."""
    for attempt in range(1, _DERIVATION_ATTEMPTS):
        candidate = derived_dream_id(user=user, dream_id=original, attempt=attempt)
        mine, taken = _taken([candidate], user)
        if mine:
            return None
        if not taken:
            return candidate
    return uuid.uuid4()


def _check_videos(
    journal: JournalZip, plan: list[_Planned], workdir: Path
) -> dict[str, tuple[Path, Inspection]]:
    """Unpack and probe each video the new dreams need that is not stored here already.

    One stored here already is not unpacked, but its bytes must still be in the archive:
    a sha256 is no secret (it is a video's ETag), and naming one must not be enough to
    claim a video its owner has since made private.
    """
    needed = {p.video_sha256 for p in plan if p.video_sha256}
    known = set(VideoAsset.objects.filter(sha256__in=needed).values_list("sha256", flat=True))
    new = sorted(needed - known)
    if len(new) > (limit := settings.IMPORT_MAX_VIDEOS):
        raise ArchiveRefused(
            f"The archive brings {len(new)} new videos; one import may bring at most {limit}."
        )
    for sha256 in sorted(known):
        if journal.digest(journal.videos[sha256]) != sha256:
            raise ArchiveRefused(
                f'"{video_name(sha256)}" is damaged: its bytes do not match its name.'
            )
    probed: dict[str, tuple[Path, Inspection]] = {}
    for sha256 in new:
        name = video_name(sha256)
        path = workdir / f"{sha256}.mp4"
        if journal.unpack(journal.videos[sha256], path) != sha256:
            raise ArchiveRefused(f'"{name}" is damaged: its bytes do not match its name.')
        try:
            probed[sha256] = (path, inspect_video(path, probe_limits()))
        except InspectionRefused as exc:
            raise ArchiveRefused(
                f'"{name}" cannot be stored: {errors.message_for(exc.code)}'
            ) from exc
        except SandboxError as exc:
            logger.exception("video sandbox failed on an imported video")
            raise ServiceBusy(PROBE_UNAVAILABLE) from exc
    return probed


# --- Writes (one transaction) ------------------------------------------------------------------


def _write(
    user: AbstractBaseUser,
    journal: JournalZip,
    plan: list[_Planned],
    probed: dict[str, tuple[Path, Inspection]],
    *,
    skipped: int,
) -> ImportResult:
    stored: list[VideoAsset] = []  # assets that may be this import's own: see _forget
    try:
        with transaction.atomic():
            # Imports of one account run one at a time: a dream is never created twice.
            get_user_model().objects.select_for_update().filter(pk=user.pk).first()
            present = _ids_in(Dream, [p.dream_id for p in plan])
            todo = [p for p in plan if str(p.dream_id) not in present]
            assets = _assets(todo, probed, stored)
            batch: list[Dream] = []
            for planned in todo:
                batch.append(
                    _dream(user, planned, _dream_data(journal, planned.original_id), assets)
                )
                if len(batch) >= _BATCH:
                    Dream.objects.bulk_create(batch)
                    batch = []
            Dream.objects.bulk_create(batch)
            gallery_changed()  # bulk_create sends no signal; imported public dreams may show
    except BaseException:
        _forget(stored)
        raise
    return ImportResult(
        created=len(todo),
        skipped=skipped + len(plan) - len(todo),
        videos=len({p.video_sha256 for p in todo if p.video_sha256}),
    )


def _assets(
    todo: list[_Planned], probed: dict[str, tuple[Path, Inspection]], stored: list[VideoAsset]
) -> dict[str, VideoAsset]:
    assets: dict[str, VideoAsset] = {}
    for sha256 in sorted({p.video_sha256 for p in todo if p.video_sha256}):
        if sha256 in probed:
            path, inspection = probed[sha256]
            asset = video_asset_create_from_file(
                path=path, source_kind=VideoSource.UPLOAD, sha256=sha256, inspection=inspection
            )
            stored.append(asset)
        elif (asset := VideoAsset.objects.filter(sha256=sha256).first()) is None:
            # Stored when we looked, deleted since (its last dream went): not the file's fault.
            raise ServiceBusy("A video changed while it was imported. Please try again.")
        assets[sha256] = asset
    return assets


def _dream(
    user: AbstractBaseUser, planned: _Planned, data: dict[str, Any], assets: dict[str, VideoAsset]
) -> Dream:
    fields = {name: data[name] for name in (*_COPIED_FIELDS, *DETAIL_FIELDS) if name in data}
    dream = Dream(
        id=planned.dream_id,
        owner=user,
        analysis=data.get("analysis") or {},
        analysis_status=data.get("analysis_status", AnalysisStatus.LOCAL),
        moderation_status=initial_moderation_status(is_public=data.get("is_public", False)),
        created_at=data["created_at"],
        updated_at=data["updated_at"],
        **fields,
    )
    if planned.video_sha256:
        dream.video_asset = assets[planned.video_sha256]
        dream.video_status = VideoStatus.READY
        dream.video_url = dream_video_path(dream.pk)
        dream.thumbnail_url = dream_thumbnail_path(dream.pk)
    dream.full_clean(exclude=_NOT_CLEANED)
    return dream


def _forget(assets: list[VideoAsset]) -> None:
    """After a rollback, delete the files of the assets whose rows went with it.

    An asset another request stored (and committed) meanwhile still has its row: kept.
    """
    if not assets:
        return
    try:
        alive = set(
            VideoAsset.objects.filter(pk__in=[a.pk for a in assets]).values_list("pk", flat=True)
        )
    except DatabaseError:
        logger.exception("import failed; its stored videos could not be checked for removal")
        return
    for asset in assets:
        if asset.pk in alive:
            continue
        for field in (asset.file, asset.thumbnail):
            if field.name:
                field.storage.delete(field.name)
