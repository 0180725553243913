"""The sandbox child's side of a rendition request (``op: "render"``): no Django here.

:mod:`videos.sandbox_server` forks a child for each request, caps it (memory, CPU, file
size) and calls :func:`render_request`, whose answer becomes the child's JSON on stdout.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from videos import errors
from videos.media import MediaLimits, NotAVideoError, VideoTooLargeError
from videos.renditions.encode import RenditionOptions, render_all


def render_request(request: dict[str, Any]) -> dict[str, Any]:
    """Render ``request["path"]`` into ``request["workdir"]``; the answer to send back.

    ``{"rendered": …}`` (see :func:`videos.renditions.encode.render_all`), or
    ``{"refused": code, "detail": …}`` with ``too_large`` or ``not_a_video``. Any other
    failure raises: the server reports it as our bug, not the file's.
    """
    raw = request["limits"]
    media = MediaLimits(
        max_pixels=raw["max_pixels"],
        max_fps=raw["max_fps"],
        max_duration_seconds=raw["max_duration_seconds"],
        max_streams=raw["max_streams"],
        allowed_codecs=frozenset(raw["allowed_codecs"]),
        max_decoded_frames=raw["max_decoded_frames"],
    )
    options = RenditionOptions(**request["options"])
    try:
        rendered = render_all(
            Path(request["path"]), Path(request["workdir"]), options=options, limits=media
        )
    except VideoTooLargeError as exc:
        return {"refused": errors.TOO_LARGE, "detail": str(exc)}
    except NotAVideoError as exc:
        return {"refused": errors.NOT_A_VIDEO, "detail": str(exc)}
    except MemoryError:
        return {"refused": errors.TOO_LARGE, "detail": "out of memory"}
    return {"rendered": rendered}
