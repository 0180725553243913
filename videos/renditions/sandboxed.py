"""Make renditions in the video sandbox: the same warm servers, forked children and limits
that inspect every upload (:mod:`videos.sandbox`), with a render request instead.

The child decodes the untrusted original and encodes the renditions under ``memory_mb`` of
address space, ``seconds`` of CPU and wall time, and at most ``max_output_bytes`` per file
it writes; this process decodes none of it. What the child answers is checked before use:
it has read hostile bytes.
"""

from __future__ import annotations

import dataclasses
import math
import tempfile
from pathlib import Path
from typing import Any

from videos import errors
from videos.renditions.encode import POSTER_NAME, PREVIEW_NAME, WEB_NAME, RenditionOptions
from videos.renditions.facts import FileFacts

# The sandbox's own plumbing, shared on purpose: one pool of servers, one way of reading
# how a child ended (videos.sandbox documents both).
from videos.sandbox import (
    _SERVERS,
    InspectionRefused,
    SandboxError,
    SandboxLimits,
    _killed,
    _limits_to_json,
    _parse_answer,
    _refused,
)

__all__ = ["Rendered", "RenditionRefused", "render_in_sandbox"]


class RenditionRefused(InspectionRefused):
    """The original could not be rendered: ``too_large`` or ``not_a_video``."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class Rendered:
    """What the child made, in ``workdir``: facts of each file and the seconds it took."""

    original: FileFacts
    web: FileFacts
    preview: FileFacts
    web_path: Path
    preview_path: Path
    poster_path: Path
    seconds: float  # the whole render: decode once, encode both, pick the poster
    preview_seconds: float  # of which encoding the preview


def render_in_sandbox(
    path: Path,
    workdir: Path,
    *,
    options: RenditionOptions,
    limits: SandboxLimits,
    max_output_bytes: int,
) -> Rendered:
    """Render ``path`` into ``workdir`` (web.mp4, preview.mp4, poster.jpg) in a sandbox child.

    Raises:
        FileNotFoundError: ``path`` is not an existing file.
        RenditionRefused: ``too_large`` (over the limits, or out of memory, time or
            output space) or ``not_a_video``.
        SandboxError: the sandbox itself failed, or answered something impossible.
    """
    path = Path(path).resolve()
    if not path.is_file():
        raise FileNotFoundError(path)
    with tempfile.TemporaryDirectory(prefix="dj-render-") as io_dir:
        stdout_path, stderr_path = Path(io_dir) / "stdout", Path(io_dir) / "stderr"
        stdout_path.touch(mode=0o600)
        stderr_path.touch(mode=0o600)
        ended = _SERVERS.run(
            {
                "op": "render",
                "path": str(path),
                "workdir": str(workdir),
                "out": str(workdir / POSTER_NAME),
                "stdout": str(stdout_path),
                "stderr": str(stderr_path),
                "limits": _limits_to_json(limits),
                "options": dataclasses.asdict(options),
                "max_output_bytes": max_output_bytes,
            },
            limits.seconds,
        )
        elapsed = float(ended.get("elapsed", 0.0))
        with stdout_path.open("rb") as stdout, stderr_path.open("rb") as stderr:
            if ended.get("timeout"):
                raise _as_rendition(
                    _refused(errors.TOO_LARGE, f"{path.name}: over {limits.seconds:g} s", stderr)
                )
            if isinstance(ended.get("signal"), int):
                raise _as_rendition(_killed(path, ended["signal"], elapsed, stderr))
            answer = _parse_answer(stdout.read(64 * 1024 + 1), ended.get("exit"), stderr)
    if "refused" in answer:
        code = answer["refused"]
        if code not in (errors.TOO_LARGE, errors.NOT_A_VIDEO):
            raise SandboxError(f"the video sandbox refused with an unknown code {code!r}")
        raise RenditionRefused(code, str(answer.get("detail", "")))
    return _rendered(answer.get("rendered"), workdir, max_output_bytes)


def _as_rendition(refused: InspectionRefused) -> RenditionRefused:
    return RenditionRefused(refused.code, refused.detail)


def _facts(data: Any, file: Path | None, max_output_bytes: int) -> FileFacts:
    impossible = SandboxError(f"the video sandbox answered impossible facts: {data!r}")
    if not isinstance(data, dict):
        raise impossible
    try:
        facts = FileFacts(**data)
    except TypeError as exc:
        raise impossible from exc
    numbers = (facts.width, facts.height, facts.bytes, facts.bitrate)
    if not all(isinstance(n, int) and 0 <= n < 2**62 for n in numbers):
        raise impossible
    if not isinstance(facts.duration, int | float) or not math.isfinite(facts.duration):
        raise impossible
    if not all(
        isinstance(v, str) and len(v) <= 32
        for v in (facts.video_codec, facts.audio_codec, facts.profile, facts.pix_fmt)
    ):
        raise impossible
    if file is not None:
        if not file.is_file() or file.stat().st_size > max_output_bytes:
            raise SandboxError(f"the video sandbox wrote no usable {file.name}")
        # The size we store is the one on disk, not the one the child claims.
        facts = dataclasses.replace(facts, bytes=file.stat().st_size)
    return facts


def _rendered(data: Any, workdir: Path, max_output_bytes: int) -> Rendered:
    if not isinstance(data, dict) or not isinstance(data.get("seconds"), dict):
        raise SandboxError(f"the video sandbox answered {str(data)[:200]!r}")
    poster = workdir / POSTER_NAME
    if not poster.is_file() or not poster.read_bytes()[:3] == b"\xff\xd8\xff":
        raise SandboxError("the video sandbox wrote no JPEG poster")
    total = data["seconds"].get("total")
    if not isinstance(total, int | float) or not 0 <= total < 1e6:
        raise SandboxError("the video sandbox answered an impossible time")
    return Rendered(
        original=_facts(data.get("original"), None, max_output_bytes),
        web=_facts(data.get("web"), workdir / WEB_NAME, max_output_bytes),
        preview=_facts(data.get("preview"), workdir / PREVIEW_NAME, max_output_bytes),
        web_path=workdir / WEB_NAME,
        preview_path=workdir / PREVIEW_NAME,
        poster_path=poster,
        seconds=float(total),
        preview_seconds=min(float(total), _number(data["seconds"].get("preview"))),
    )


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else 0.0
