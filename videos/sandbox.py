"""Probe and thumbnail untrusted videos in a throwaway child process with hard limits.

A video file is attacker-controlled input to FFmpeg's decoders. Checking headers
before decoding (:mod:`videos.media`) stops the bombs we know of; this module bounds
the ones we do not. :func:`inspect_video` runs :func:`videos.media.probe_video` and
:func:`videos.media.make_thumbnail` in ONE child process that:

* may use at most ``memory_mb`` of address space (``RLIMIT_AS``) and ``seconds`` of
  CPU (``RLIMIT_CPU``), and is killed after ``seconds`` of wall time, so a file that
  needs more fails fast and the calling worker's own memory stays flat;
* answers one JSON object in a file and writes the JPEG to a temporary directory made
  for it, where it may write at most a few megabytes (``RLIMIT_FSIZE``) and dump no core;
* sees a scrubbed environment: no database URL, API keys or Django settings; it
  needs none of them, and decoding hostile bytes next to secrets is asking for it.

The child is forked from a warm sandbox server (:mod:`videos.sandbox_server`, started
once per worker process with that scrubbed environment) rather than started as a new
Python: importing PyAV cost ~150 ms of CPU per video, a fork costs a few milliseconds.
The child sets its limits itself, first thing, before it touches the file. Servers are
pooled per process (one per thread inspecting at once), replaced after ``MAX_FORKS``
inspections or a child that crashed, so children do not share one memory layout for
long, and gone after a few idle minutes (a web process may inspect once a day).

Outcomes, as the caller sees them:

* an :class:`Inspection` (probe and thumbnail JPEG bytes);
* :class:`InspectionRefused` with ``code`` ``too_large`` (more pixels or seconds than
  allowed, or the child ran out of memory or time: the file needs more than we give
  any video) or ``not_a_video`` (not a playable video, a codec, frame rate or stream
  count we do not serve, or a decoder that crashed on it);
* :class:`SandboxError` when the sandbox itself failed (the server could not start, or
  answered nonsense): our fault, not the file's;
* ``FileNotFoundError`` for a missing file, before any child starts.

This module imports nothing from Django at import time.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

from videos import errors
from videos.media import MediaLimits, VideoProbe
from videos.sandbox_server import (
    MAX_ANSWER_BYTES,
    MAX_FORKS,
    MAX_OUTPUT_BYTES,
    REUSE_IDLE_SECONDS,
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

# The directory that holds the ``videos`` package: the server's only import path of ours.
_PROJECT_ROOT = Path(__file__).resolve().parent.parent
_THUMBNAIL_NAME = "thumbnail.jpg"
_STDERR_TAIL_BYTES = 4096
# Signals that mean "ran out of what we allow": SIGKILL (the CPU hard limit or the
# kernel's OOM killer) and SIGXCPU (the CPU soft limit).
_RESOURCE_SIGNALS = frozenset({signal.SIGKILL, signal.SIGXCPU})
# Importing PyAV on a busy machine; a server that is not ready by then is broken.
_SERVER_START_SECONDS = 60.0
# The server kills a child at its limit and answers at once; past this grace it is stuck.
_SERVER_GRACE_SECONDS = 5.0
# Environment the server keeps from ours: what finding Python and its libraries needs.
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
        # Both outputs go to files the child's RLIMIT_FSIZE bounds, never to pipes we
        # would read whole: a subverted child cannot make this process big either.
        stdout_path, stderr_path = workdir / "stdout", workdir / "stderr"
        stdout_path.touch(mode=0o600)
        stderr_path.touch(mode=0o600)
        ended = _SERVERS.run(
            {
                "path": str(path),
                "out": str(workdir / _THUMBNAIL_NAME),
                "stdout": str(stdout_path),
                "stderr": str(stderr_path),
                "limits": _limits_to_json(limits),
            },
            limits.seconds,
        )
        elapsed = float(ended.get("elapsed", 0.0))
        with stdout_path.open("rb") as stdout, stderr_path.open("rb") as stderr:
            if ended.get("timeout"):
                raise _refused(
                    errors.TOO_LARGE, f"{path.name}: took over {limits.seconds:g} s", stderr
                )
            if isinstance(ended.get("signal"), int):
                raise _killed(path, ended["signal"], elapsed, stderr)
            answer = _parse_answer(stdout.read(MAX_ANSWER_BYTES + 1), ended.get("exit"), stderr)
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


# --- the sandbox servers --------------------------------------------------------------------


class _ServerGone(Exception):
    """The server's pipe broke before it took the request: a new server may take it."""


class _Server:
    """One ``python -m videos.sandbox_server`` process and its two pipes."""

    def __init__(self) -> None:
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-s", "-P", "-m", "videos.sandbox_server"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                cwd="/",
                env=_child_env(),
            )
        except OSError as exc:
            raise SandboxError(f"could not start the video sandbox: {exc}") from exc
        self.forks = 0
        self.crashed = False
        self.idle_since = time.monotonic()
        self._pending = b""
        try:
            ready = self._read(_SERVER_START_SECONDS)
        except _ServerGone:
            ready = None
        if ready is None or "ready" not in ready:
            self.close()
            raise SandboxError("the video sandbox server did not start")

    def usable(self) -> bool:
        """Alive, and not so long idle that it may be exiting on its own (``IDLE_SECONDS``)."""
        fresh = time.monotonic() - self.idle_since < REUSE_IDLE_SECONDS
        return fresh and self.process.poll() is None

    def ask(self, request: dict[str, Any], seconds: float) -> dict[str, Any]:
        """Have the server fork a child for ``request``; how the child ended.

        Raises ``_ServerGone`` if the request could not be handed over, ``SandboxError``
        if the server died or stalled afterwards.
        """
        try:
            self.process.stdin.write(json.dumps(request).encode() + b"\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise _ServerGone from exc
        self.forks += 1
        try:
            ended = self._read(seconds + _SERVER_GRACE_SECONDS)
        except _ServerGone as exc:
            raise SandboxError("the video sandbox server died during an inspection") from exc
        if ended is None:
            raise SandboxError(f"the video sandbox server did not answer in {seconds:g} s")
        signum = ended.get("signal")
        self.crashed = isinstance(signum, int) and signum not in _RESOURCE_SIGNALS
        self.idle_since = time.monotonic()
        return ended

    def _read(self, seconds: float) -> dict[str, Any] | None:
        """The server's next answer line, or None after ``seconds``; ``_ServerGone`` at EOF."""
        fd = self.process.stdout.fileno()
        deadline = time.monotonic() + seconds
        while b"\n" not in self._pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                return None
            chunk = os.read(fd, MAX_ANSWER_BYTES)
            if not chunk:
                raise _ServerGone
            self._pending += chunk
            if len(self._pending) > MAX_ANSWER_BYTES:
                raise SandboxError("the video sandbox server answered too much")
        line, self._pending = self._pending.split(b"\n", 1)
        try:
            answer = json.loads(line)
        except ValueError as exc:
            raise SandboxError(f"the video sandbox server answered {line[:200]!r}") from exc
        if not isinstance(answer, dict):
            raise SandboxError("the video sandbox server answered something other than an object")
        return answer

    def close(self) -> None:
        """Stop the server (its children die with it) and reap it."""
        with contextlib.suppress(OSError):
            self.process.kill()
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                pipe.close()


class _ServerPool:
    """Warm servers of this process, one per inspection running at once (threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: list[_Server] = []
        self._pid = os.getpid()

    def run(self, request: dict[str, Any], seconds: float) -> dict[str, Any]:
        """Inspect ``request`` in a child of an idle (or new) server; how the child ended."""
        for attempt in range(2):
            server = self._take()
            try:
                ended = server.ask(request, seconds)
            except _ServerGone:
                server.close()
                if attempt:
                    raise SandboxError("the video sandbox server went away") from None
                continue
            except BaseException:
                server.close()
                raise
            self._give_back(server)
            return ended
        raise AssertionError("unreachable")

    def _take(self) -> _Server:
        with self._lock:
            if self._pid != os.getpid():
                # Forked (an RQ work horse, say): those servers answer our parent. Drop them
                # unclosed, since closing would kill them under the parent's feet.
                self._idle, self._pid = [], os.getpid()
            while self._idle:
                server = self._idle.pop()
                if server.usable():
                    return server
                server.close()
        return _Server()

    def _give_back(self, server: _Server) -> None:
        if server.forks < MAX_FORKS and not server.crashed and server.usable():
            with self._lock:
                if self._pid == os.getpid():
                    self._idle.append(server)
                    return
        server.close()


_SERVERS = _ServerPool()


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
    if returncode != 0 or len(stdout) > MAX_ANSWER_BYTES:
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
    if not data.startswith(b"\xff\xd8\xff") or len(data) > MAX_OUTPUT_BYTES:
        raise SandboxError("the video sandbox wrote something other than a JPEG thumbnail")
    return data
