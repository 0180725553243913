"""Probe and thumbnail untrusted videos in a throwaway child process with hard limits.

A video file is attacker-controlled input to FFmpeg's decoders. Checking headers
before decoding (:mod:`videos.media`) stops the bombs we know of; this module bounds
the ones we do not. :func:`inspect_video` runs :func:`videos.media.probe_video` and
:func:`videos.media.make_thumbnail` in ONE child Python process
(``python -m videos.sandbox``) that:

* may use at most ``memory_mb`` of address space (``RLIMIT_AS``) and ``seconds`` of
  CPU (``RLIMIT_CPU``), and is killed by us after ``seconds`` of wall time, so a file
  that needs more fails fast and the calling worker's own memory stays flat;
* gets the limits and the file's path on stdin, answers one JSON object on stdout
  and writes the JPEG to a temporary directory made for it, where it may write at
  most a few megabytes (``RLIMIT_FSIZE``) and dump no core;
* sees a scrubbed environment: no database URL, API keys or Django settings; it
  needs none of them, and decoding hostile bytes next to secrets is asking for it.

Limits are set by the child itself, first thing, before it touches the file, rather
than in a ``preexec_fn``: that hook is unsafe in a threaded parent (our worker runs
threads) and would stop ``subprocess`` from using ``vfork``, so a large worker would
be copied page table and all for every video.

Outcomes, as the caller sees them:

* an :class:`Inspection` (probe and thumbnail JPEG bytes);
* :class:`InspectionRefused` with ``code`` ``too_large`` (more pixels or seconds than
  allowed, or the child ran out of memory or time: the file needs more than we give
  any video) or ``not_a_video`` (not a playable video, a codec, frame rate or stream
  count we do not serve, or a decoder that crashed on it);
* :class:`SandboxError` when the sandbox itself failed (the child could not start, or
  answered nonsense): our fault, not the file's;
* ``FileNotFoundError`` for a missing file, before any child starts.

This module imports nothing from Django at import time: the child imports it.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import math
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

from videos import errors
from videos.media import (
    MediaLimits,
    NotAVideoError,
    VideoProbe,
    VideoTooLargeError,
    make_thumbnail,
    probe_video,
)

__all__ = [
    "Inspection",
    "InspectionRefused",
    "SandboxError",
    "SandboxLimits",
    "inspect_video",
    "limits_from_settings",
]

logger = logging.getLogger(__name__)

# The directory that holds the ``videos`` package: the child's only import path of ours.
_PROJECT_ROOT = Path(__file__).resolve().parent.parent
_THUMBNAIL_NAME = "thumbnail.jpg"
# Bounds every file the child writes: a 640-wide JPEG is a few hundred KB at most.
_MAX_OUTPUT_BYTES = 8 * 1024 * 1024
# Bounds what we read back from the child's stdout and keep of its stderr for logs.
_MAX_ANSWER_BYTES = 64 * 1024
_STDERR_TAIL_BYTES = 4096
# Exit statuses of the child besides 0 (answered): it failed in a way we did not expect.
_EXIT_UNEXPECTED = 3
# Signals that mean "ran out of what we allow": SIGKILL (our wall-clock kill, the CPU
# hard limit or the kernel's OOM killer) and SIGXCPU (the CPU soft limit).
_RESOURCE_SIGNALS = frozenset({signal.SIGKILL, signal.SIGXCPU})
# Environment the child keeps from ours: what finding Python and its libraries needs.
_PASSED_ENV = ("PATH", "LD_LIBRARY_PATH", "TMPDIR", "TZ")
_CHILD_ENV = {
    "PYTHONPATH": str(_PROJECT_ROOT),
    "PYTHONDONTWRITEBYTECODE": "1",
    "LC_ALL": "C.UTF-8",
    # Every thread gets its own malloc arena and stack, which all count towards
    # RLIMIT_AS; numpy's BLAS would start one thread per core at import.
    "MALLOC_ARENA_MAX": "2",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
}
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


@dataclass(frozen=True, kw_only=True)
class SandboxLimits:
    """How one inspection may behave: what the video may be, and what the child may use.

    ``media`` is checked from the headers before decoding (see
    :class:`videos.media.MediaLimits`); ``memory_mb`` caps the child's address space
    (Python and FFmpeg take about 250 MB of it before the file is opened);
    ``seconds`` caps both its CPU time and its wall time. The thumbnail is the frame
    at ``thumbnail_at_seconds``, at most ``thumbnail_width`` pixels wide.

    Raises:
        ValueError: a limit is not positive, or ``memory_mb`` is below 256 (Python and
            FFmpeg alone would not start).
    """

    media: MediaLimits = field(default_factory=MediaLimits)
    memory_mb: int = 1024
    seconds: float = 30.0
    thumbnail_width: int = 640
    thumbnail_at_seconds: float = 1.0

    def __post_init__(self) -> None:
        if self.memory_mb < 256:
            raise ValueError(f"memory_mb must be at least 256, got {self.memory_mb}")
        if not self.seconds > 0 or self.thumbnail_width < 1 or self.thumbnail_at_seconds < 0:
            raise ValueError("seconds and thumbnail_width must be positive")


class Inspection(NamedTuple):
    """What the sandbox found: the probe and a JPEG thumbnail (unpacks as a pair)."""

    probe: VideoProbe
    thumbnail: bytes


class InspectionRefused(Exception):
    """The video was refused. ``code`` is ``videos.errors.TOO_LARGE`` or ``NOT_A_VIDEO``.

    ``detail`` says why, for logs only: it may name the file, never shown to users.
    """

    def __init__(self, code: str, detail: str) -> None:
        self.code = code
        self.detail = detail
        super().__init__(f"{code}: {detail}")


class SandboxError(RuntimeError):
    """The sandbox failed on its own account (could not start, crashed in our code,
    answered nonsense). Not a verdict on the file."""


def limits_from_settings() -> SandboxLimits:
    """The limits configured in Django settings (``VIDEO_MAX_PIXELS`` and friends)."""
    from django.conf import settings  # late: the child imports this module without Django

    return SandboxLimits(
        media=MediaLimits(
            max_pixels=settings.VIDEO_MAX_PIXELS,
            max_fps=settings.VIDEO_MAX_FPS,
            max_duration_seconds=settings.VIDEO_MAX_DURATION_SECONDS,
            max_streams=settings.VIDEO_MAX_STREAMS,
            allowed_codecs=frozenset(settings.VIDEO_ALLOWED_CODECS),
        ),
        memory_mb=settings.VIDEO_PROBE_MEMORY_MB,
        seconds=settings.VIDEO_PROBE_SECONDS,
    )


def inspect_video(path: Path, limits: SandboxLimits | None = None) -> Inspection:
    """Probe ``path`` and make its thumbnail in one sandboxed child process.

    Promises what :func:`videos.media.probe_video` promises, under ``limits``
    (default :class:`SandboxLimits`), with this process decoding none of the file:
    its memory does not grow with the video, and the call returns within about
    ``limits.seconds`` whatever the file holds.

    Raises:
        FileNotFoundError: ``path`` is not an existing file.
        InspectionRefused: ``too_large`` or ``not_a_video`` (see the module docstring).
        SandboxError: the child could not run or answered nonsense.
    """
    limits = limits or SandboxLimits()
    path = Path(path).resolve()
    if not path.is_file():
        raise FileNotFoundError(path)
    with tempfile.TemporaryDirectory(prefix="dj-sandbox-") as tmp:
        workdir = Path(tmp)
        request = {
            "path": str(path),
            "out": str(workdir / _THUMBNAIL_NAME),
            "limits": _limits_to_json(limits),
            "parent": os.getpid(),
        }
        started = time.monotonic()
        # Both outputs go to files the child's RLIMIT_FSIZE bounds, never to pipes we
        # would read whole: a subverted child cannot make this process big either.
        with (workdir / "stdout").open("w+b") as stdout, (workdir / "stderr").open("w+b") as stderr:
            try:
                done = subprocess.run(
                    [sys.executable, "-s", "-P", "-m", "videos.sandbox"],
                    input=json.dumps(request).encode(),
                    stdout=stdout,
                    stderr=stderr,
                    cwd=workdir,
                    env=_child_env(),
                    timeout=limits.seconds,
                    check=False,
                )
            except subprocess.TimeoutExpired as exc:
                # run() has killed and reaped the child already.
                raise _refused(
                    errors.TOO_LARGE, f"{path.name}: took over {limits.seconds:g} s", stderr
                ) from exc
            except OSError as exc:
                raise SandboxError(f"could not start the video sandbox: {exc}") from exc
            elapsed = time.monotonic() - started
            if done.returncode < 0:
                raise _killed(path, -done.returncode, elapsed, stderr)
            stdout.seek(0)
            answer = _parse_answer(stdout.read(_MAX_ANSWER_BYTES + 1), done.returncode, stderr)
        if "refused" in answer:
            code, detail = answer["refused"], str(answer.get("detail", ""))
            if code not in (errors.TOO_LARGE, errors.NOT_A_VIDEO):
                raise SandboxError(f"the video sandbox refused with an unknown code {code!r}")
            logger.info("video refused (%s) in %.2f s: %s", code, elapsed, detail)
            raise InspectionRefused(code, detail)
        probe = _probe_from_json(answer.get("probe"), limits)
        thumbnail = _read_thumbnail(workdir / _THUMBNAIL_NAME)
    logger.debug("inspected %s in %.2f s", path.name, elapsed)
    return Inspection(probe=probe, thumbnail=thumbnail)


# --- parent side ---------------------------------------------------------------------------


def _child_env() -> dict[str, str]:
    env = {name: os.environ[name] for name in _PASSED_ENV if name in os.environ}
    return env | _CHILD_ENV


def _limits_to_json(limits: SandboxLimits) -> dict[str, Any]:
    media = limits.media
    return {
        "max_pixels": media.max_pixels,
        "max_fps": media.max_fps,
        "max_duration_seconds": media.max_duration_seconds,
        "max_streams": media.max_streams,
        "allowed_codecs": sorted(media.allowed_codecs),
        "max_decoded_frames": media.max_decoded_frames,
        "memory_mb": limits.memory_mb,
        "seconds": limits.seconds,
        "thumbnail_width": limits.thumbnail_width,
        "thumbnail_at_seconds": limits.thumbnail_at_seconds,
    }


def _stderr_tail(stderr: BinaryIO) -> str:
    stderr.seek(0, os.SEEK_END)
    stderr.seek(max(0, stderr.tell() - _STDERR_TAIL_BYTES))
    return stderr.read().decode("utf-8", "replace").strip()


def _refused(code: str, detail: str, stderr: BinaryIO) -> InspectionRefused:
    """A refusal for a child that had to be stopped: worth a warning, with its last words."""
    tail = _stderr_tail(stderr)
    logger.warning("video sandbox stopped (%s): %s%s", code, detail, f"\n{tail}" if tail else "")
    return InspectionRefused(code, detail)


def _killed(path: Path, signum: int, elapsed: float, stderr: BinaryIO) -> InspectionRefused:
    """The child died of a signal: out of memory or time, or a decoder crashed."""
    try:
        name = signal.Signals(signum).name
    except ValueError:
        name = f"signal {signum}"
    # A decoder crashing on a file is worth an operator's attention (it may be an
    # exploit attempt), but for the user it is simply not a video we can play.
    code = errors.TOO_LARGE if signum in _RESOURCE_SIGNALS else errors.NOT_A_VIDEO
    return _refused(code, f"{path.name}: sandbox killed by {name} after {elapsed:.1f} s", stderr)


def _parse_answer(stdout: bytes, returncode: int, stderr: BinaryIO) -> dict[str, Any]:
    if returncode != 0 or len(stdout) > _MAX_ANSWER_BYTES:
        raise SandboxError(
            f"the video sandbox failed (exit status {returncode}): {_stderr_tail(stderr)}"
        )
    try:
        answer = json.loads(stdout)
    except ValueError as exc:
        raise SandboxError(f"the video sandbox answered no JSON: {stdout[:200]!r}") from exc
    if not isinstance(answer, dict):
        raise SandboxError(f"the video sandbox answered {type(answer).__name__}, not an object")
    return answer


def _probe_from_json(data: object, limits: SandboxLimits) -> VideoProbe:
    """Rebuild the probe, trusting nothing: the child has read hostile bytes."""
    media = limits.media
    impossible = SandboxError(f"the video sandbox answered an impossible probe: {data!r}")
    if not isinstance(data, dict):
        raise impossible
    duration, width, height = data.get("duration"), data.get("width"), data.get("height")
    codec, container = data.get("codec"), data.get("container")
    if not (
        isinstance(duration, int | float)
        and isinstance(width, int)
        and isinstance(height, int)
        and isinstance(codec, str)
    ):
        raise impossible
    if not (
        math.isfinite(duration)
        # Packet timestamps may run a little past the header's duration.
        and 0 <= duration <= media.max_duration_seconds + 1
        and width > 0
        and height > 0
        and width * height <= media.max_pixels
        and codec in media.allowed_codecs
    ):
        raise impossible
    if container == "mov":
        return VideoProbe(float(duration), width, height, codec, "mov")
    if container == "matroska":
        return VideoProbe(float(duration), width, height, codec, "matroska")
    raise impossible


def _read_thumbnail(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise SandboxError("the video sandbox wrote no thumbnail") from exc
    if not data.startswith(b"\xff\xd8\xff") or len(data) > _MAX_OUTPUT_BYTES:
        raise SandboxError("the video sandbox wrote something other than a JPEG thumbnail")
    return data


# --- child side ----------------------------------------------------------------------------


def _limit_self(memory_mb: int, seconds: float) -> None:
    """Cap this process before it opens the file (see the module docstring for why here).

    On Linux every limit must hold, or the child fails (exit status 3, a SandboxError).
    macOS refuses some (RLIMIT_AS notably); a developer's machine then runs with the
    wall-clock limit only, and says so on stderr.
    """
    memory = memory_mb * 1024 * 1024
    cpu = math.ceil(seconds)
    limits = (
        (resource.RLIMIT_AS, memory, memory),
        # SIGXCPU at the soft limit, SIGKILL a second later: a backstop for when nobody
        # is left to enforce the wall-clock limit.
        (resource.RLIMIT_CPU, cpu, cpu + 1),
        (resource.RLIMIT_FSIZE, _MAX_OUTPUT_BYTES, _MAX_OUTPUT_BYTES),
        (resource.RLIMIT_CORE, 0, 0),
    )
    for which, soft, hard in limits:
        # Never above a hard limit we were started with (a container's ulimit, say):
        # raising it is not allowed, and lower is only stricter.
        _, current = resource.getrlimit(which)
        if current != resource.RLIM_INFINITY:
            hard = min(hard, current)
            soft = min(soft, hard)
        try:
            resource.setrlimit(which, (soft, hard))
        except (ValueError, OSError) as exc:
            if sys.platform == "linux":
                raise
            print(f"video sandbox: limit {which} not set: {exc}", file=sys.stderr)


def _die_with_parent(parent: int) -> None:
    """Ask Linux to kill us if the worker dies first; elsewhere the CPU limit must do."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(_EXIT_UNEXPECTED)


def _answer(payload: dict[str, Any]) -> int:
    sys.stdout.write(json.dumps(payload))
    sys.stdout.flush()
    return 0


def _main() -> int:
    """Run one inspection as described on stdin; answer on stdout. Exit 0 if answered."""
    request = json.loads(sys.stdin.buffer.read(_MAX_ANSWER_BYTES))
    raw = request["limits"]
    _die_with_parent(int(request["parent"]))
    _limit_self(int(raw["memory_mb"]), float(raw["seconds"]))
    path, out = Path(request["path"]), Path(request["out"])
    media = MediaLimits(
        max_pixels=raw["max_pixels"],
        max_fps=raw["max_fps"],
        max_duration_seconds=raw["max_duration_seconds"],
        max_streams=raw["max_streams"],
        allowed_codecs=frozenset(raw["allowed_codecs"]),
        max_decoded_frames=raw["max_decoded_frames"],
    )
    try:
        probe = probe_video(path, limits=media)
        thumbnail = make_thumbnail(
            path,
            at_seconds=raw["thumbnail_at_seconds"],
            max_width=raw["thumbnail_width"],
            limits=media,
        )
        out.write_bytes(thumbnail)
    except VideoTooLargeError as exc:
        return _answer({"refused": errors.TOO_LARGE, "detail": str(exc)})
    except NotAVideoError as exc:
        return _answer({"refused": errors.NOT_A_VIDEO, "detail": str(exc)})
    except MemoryError:
        # Python's or FFmpeg's allocation hit RLIMIT_AS; the frames are gone with the stack.
        return _answer({"refused": errors.TOO_LARGE, "detail": "out of memory"})
    return _answer(
        {
            "probe": {
                "duration": probe.duration,
                "width": probe.width,
                "height": probe.height,
                "codec": probe.codec,
                "container": probe.container,
            }
        }
    )


if __name__ == "__main__":
    try:
        sys.exit(_main())
    except Exception:  # noqa: BLE001 - any other failure is our bug: say so, and how
        import traceback

        traceback.print_exc()
        sys.exit(_EXIT_UNEXPECTED)
