"""Checking an asset's renditions as ``verify_videos`` checks originals: there, whole, playable."""

from __future__ import annotations

from videos.models import RenditionKind, VideoAsset
from videos.sandbox import InspectionRefused, SandboxError, inspect_video, limits_from_settings


def video_renditions_verify(*, asset: VideoAsset) -> list[str]:
    """Problems with ``asset``'s renditions, one line each (none: all is well).

    Every rendition row's file must exist, be as big as the row says and play (probed in
    the sandbox, as uploads are); an asset whose renditions were made without an error
    must have its preview loop. Renditions not made yet are not a problem.
    """
    problems = []
    rows = list(asset.renditions.all())
    kinds = {row.kind for row in rows}
    if asset.renditions_at and not asset.renditions_error and RenditionKind.PREVIEW not in kinds:
        problems.append(f"missing preview rendition: asset {asset.pk}")
    for row in rows:
        where = f"{row.kind} rendition of asset {asset.pk} file {row.file.name}"
        storage = row.file.storage
        if not storage.exists(row.file.name):
            problems.append(f"missing {where}")
            continue
        size = storage.size(row.file.name)
        if size != row.bytes:
            problems.append(f"size mismatch ({size} bytes, row says {row.bytes}): {where}")
            continue
        try:
            path = storage.path(row.file.name)
        except NotImplementedError:
            continue  # object storage: existence and size are what we check cheaply there
        try:
            inspect_video(path, limits_from_settings())
        except (InspectionRefused, SandboxError) as exc:
            problems.append(f"unplayable ({exc}): {where}")
    return problems
