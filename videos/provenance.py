"""Checking the Content Credentials of stored videos again (``manage.py verify_videos``).

``videos.credentials`` reads and signs files and knows nothing of the database; this
module reads a stored asset's manifest back from storage and records what it says.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from videos.credentials import (
    Credentials,
    Origin,
    Signature,
    credentials_read,
    credentials_read_isolated,
)
from videos.models import VideoAsset
from videos.signals import video_asset_changed
from videos.sources import GENERATORS


@dataclass(frozen=True, kw_only=True)
class CredentialsCheck:
    """What a stored asset's manifest says now, and whether that is a problem.

    ``problem`` is ``""`` when all is well; ``"missing"`` or ``"invalid"`` for a video we
    generated (and so must carry our signed manifest); ``"unlabelled"`` for one we
    generated before videos were signed (reported, not an error).
    """

    credentials: Credentials
    problem: str


def video_asset_credentials_verify(*, asset: VideoAsset) -> CredentialsCheck:
    """Read ``asset``'s manifest back from storage and record what it says now (the
    signature's state may change: a trust anchor added, a file altered).

    Raises:
        OSError: the stored file cannot be read (``verify_videos`` reports it as missing).
    """
    generated = asset.source_kind in GENERATORS
    origin = Origin.GENERATED if generated else Origin.UPLOADED
    with tempfile.TemporaryDirectory(prefix="dj-verify-c2pa-") as tmp:
        local = Path(tmp) / "video.mp4"
        with asset.file.storage.open(asset.file.name, "rb") as src, local.open("wb") as dst:
            shutil.copyfileobj(src, dst, 1024 * 1024)
        # Our own signed file is read here; anyone else's in a limited child process.
        if generated:
            credentials = credentials_read(local, origin=origin)
        else:
            credentials = credentials_read_isolated(local, origin=origin) or Credentials(
                origin=origin, signature=Signature.INVALID
            )
    if credentials.signature == Signature.MISSING and generated:
        # No manifest to say who made it: keep what we recorded when we stored it.
        known = asset.credentials if isinstance(asset.credentials, dict) else {}
        credentials = replace(
            credentials,
            generator=str(known.get("generator", "")),
            model=str(known.get("model", "")),
        )
    stored = credentials.as_json()
    if stored != asset.credentials:
        VideoAsset.objects.filter(pk=asset.pk).update(credentials=stored)
        asset.credentials = stored
        video_asset_changed.send(sender=VideoAsset, asset=asset)
    problem = ""
    if generated and credentials.signature in (Signature.MISSING, Signature.INVALID):
        # Only a video we signed must carry our manifest; older ones never had one.
        problem = str(credentials.signature) if asset.unsigned_sha256 else "unlabelled"
    return CredentialsCheck(credentials=credentials, problem=problem)
