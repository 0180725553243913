"""Journal archives for tests: real stored videos, archives built member by member, and
what is on disk, so a test can say "nothing was written"."""

from __future__ import annotations

import hashlib
import io
import json
import tempfile
import uuid
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings

from tests.support.mp4s import make_mp4
from videos.assets import video_asset_create_from_file
from videos.models import VideoAsset
from videos.sources import VideoSource


def stored_video(folder: Path, *, shade: int = 0) -> VideoAsset:
    """A real MP4 stored as an asset (file and thumbnail), as a finished job leaves it."""
    path = make_mp4(folder / f"video-{shade}.mp4", seconds=1, shade=shade)
    return video_asset_create_from_file(path=path, source_kind=VideoSource.DEMO)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def zip_of(members: list[tuple[str, bytes]] | dict[str, bytes], *, stored: bool = False) -> bytes:
    """A ZIP holding ``members`` in order (repeats allowed when given as a list)."""
    items = list(members.items()) if isinstance(members, dict) else members
    buffer = io.BytesIO()
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        for name, data in items:
            archive.writestr(zipfile.ZipInfo(name, date_time=(2024, 5, 1, 7, 0, 0)), data, method)
    return buffer.getvalue()


def members_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def manifest(dream_count: int, **overrides: Any) -> bytes:
    return json.dumps(
        {
            "format": "dreamjourney-journal",
            "version": 1,
            "exported_at": "2024-05-02T08:00:00+00:00",
            "dream_count": dream_count,
            "video_count": 0,
            **overrides,
        }
    ).encode()


def dream_json(dream_id: uuid.UUID | str | None = None, **fields: Any) -> dict[str, Any]:
    """A dream as an export writes it (the fields import reads), with ``fields`` on top."""
    return {
        "id": str(dream_id or uuid.uuid4()),
        "title": "The lighthouse of glass",
        "content": "I climbed a lighthouse made of glass and the sea sang below.",
        "dreamt_on": "2024-04-30",
        "lucid": True,
        "nightmare": False,
        "recurring": False,
        "clarity": 4,
        "sleep_quality": None,
        "tags": ["sea", "light"],
        "analysis": {"emotions": ["wonder"], "keywords": ["lighthouse"]},
        "analysis_status": "local",
        "video_prompt": "",
        "video_duration": 4,
        "video_status": "none",
        "is_public": False,
        "moderation_status": "pending",
        "moderation_reason": "",
        "created_at": datetime(2024, 5, 1, 6, 30, tzinfo=UTC).isoformat(),
        "updated_at": datetime(2024, 5, 1, 6, 45, tzinfo=UTC).isoformat(),
        "video": None,
        **fields,
    }


def journal_zip(*dreams: dict[str, Any], videos: dict[str, bytes] | None = None) -> bytes:
    """A well-formed archive of ``dreams`` (``dream_json``s) and ``videos`` by sha256."""
    members = {f"dreams/{d['id']}.json": json.dumps(d).encode() for d in dreams}
    for digest, data in (videos or {}).items():
        members[f"videos/{digest}.mp4"] = data
    members["manifest.json"] = manifest(len(dreams))
    return zip_of(members)


def files_on_disk() -> set[str]:
    """Every file under MEDIA_ROOT, relative to it."""
    root = Path(settings.MEDIA_ROOT)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def upload_folders() -> set[str]:
    """The temp folders uploads and imports unpack into (named ``dj-upload-…``)."""
    return {p.name for p in Path(tempfile.gettempdir()).glob("dj-upload-*")}
