"""The sandbox's own process: warm once, then one forked, limited child per inspection.

``python -m videos.sandbox_server`` is started by :mod:`videos.sandbox` (never by hand)
with a scrubbed environment. It imports PyAV, numpy and Pillow once, says ``ready``, then
reads one JSON request a line on stdin. For each it forks a child that:

* points its stdin at ``/dev/null`` and its stdout and stderr at the files the request
  names, and closes every other descriptor (the server's pipes included);
* dies with the server (``PR_SET_PDEATHSIG``); the server ends when the worker does
  (its stdin closes);
* caps itself (``RLIMIT_AS``, ``RLIMIT_CPU``, ``RLIMIT_FSIZE``, no core) before it opens
  the file, then probes and thumbnails it and answers one JSON object on stdout; or, for
  a request with ``op: "render"``, makes the file's web rendition, preview loop and poster
  (``videos.renditions.child``) under that request's limits.

The server waits for the child at most the request's ``seconds`` of wall time, kills it
past that, and answers one JSON line: ``{"exit": n}``, ``{"signal": n}`` or
``{"timeout": true}``, with ``elapsed``. A fork costs a few milliseconds where starting
Python and importing PyAV cost ~150 ms of CPU, which at a thousand videos was the
worker's whole budget. A forked child shares its server's memory layout, so the parent
replaces the server every ``MAX_FORKS`` inspections and after any child that crashed; an
idle server exits after ``IDLE_SECONDS``.

This module imports nothing from Django: it runs without settings or secrets.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import io
import json
import math
import os
import resource
import select
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import av
from PIL import Image

from videos import errors
from videos.media import (
    MediaLimits,
    NotAVideoError,
    VideoTooLargeError,
    make_thumbnail,
    probe_video,
)
from videos.renditions.child import render_request

#: Bounds every file the child writes: a 640-wide JPEG is a few hundred KB at most.
MAX_OUTPUT_BYTES = 8 * 1024 * 1024
#: Bounds a request, an answer of the server, and what is read back of the child's stdout.
MAX_ANSWER_BYTES = 64 * 1024
#: The child's exit status when it failed in a way we did not expect (our bug, not the file).
EXIT_UNEXPECTED = 3
#: Inspections one server forks before the parent replaces it (fresh address-space layout).
MAX_FORKS = 1000
#: A server with no request for this long exits (a web process may inspect once a day);
#: the parent stops handing it requests well before (``REUSE_IDLE_SECONDS``).
IDLE_SECONDS = 300.0
REUSE_IDLE_SECONDS = IDLE_SECONDS - 60.0
#: Added to a rendition child's niceness: encoding renditions is background work that takes
#: a core for seconds, and must not take it from what someone waits for (the database, the
#: web processes, the inspection that finishes a job). Idle cores still run it at full speed.
RENDER_NICENESS = 10

_PR_SET_PDEATHSIG = 1  # linux/prctl.h


# --- the child: one inspection --------------------------------------------------------------


def _limit_self(memory_mb: int, seconds: float, max_output_bytes: int = MAX_OUTPUT_BYTES) -> None:
    """Cap this process before it opens the file.

    On Linux every limit must hold, or the child fails (exit status 3, a SandboxError).
    macOS refuses some (RLIMIT_AS notably); a developer's machine then runs with the
    wall-clock limit only, and says so on stderr.
    """
    memory = memory_mb * 1024 * 1024
    cpu = math.ceil(seconds)
    limits = (
        (resource.RLIMIT_AS, memory, memory),
        # SIGXCPU at the soft limit, SIGKILL a second later: a backstop for when nobody
        # is left to enforce the wall-clock limit. A forked child's CPU time starts at 0.
        (resource.RLIMIT_CPU, cpu, cpu + 1),
        (resource.RLIMIT_FSIZE, max_output_bytes, max_output_bytes),
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
    """Ask Linux to kill us if ``parent`` dies first; elsewhere the CPU limit must do."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(EXIT_UNEXPECTED)


def _answer(payload: dict[str, Any]) -> int:
    sys.stdout.write(json.dumps(payload))
    sys.stdout.flush()
    return 0


def _inspect(request: dict[str, Any]) -> int:
    """Probe and thumbnail the request's file under its limits; answer on stdout."""
    raw = request["limits"]
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


def _render(request: dict[str, Any]) -> int:
    """Make an original's renditions under the request's limits (``videos.renditions``)."""
    raw = request["limits"]
    os.nice(RENDER_NICENESS)
    _limit_self(int(raw["memory_mb"]), float(raw["seconds"]), int(request["max_output_bytes"]))
    return _answer(render_request(request))


def _child(request: dict[str, Any], server: int) -> int:
    """Run in the forked child: rewire descriptors, limit, inspect. Returns the exit status."""
    for fd, name, flags in (
        (0, os.devnull, os.O_RDONLY),
        (1, request["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
        (2, request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
    ):
        opened = os.open(name, flags, 0o600)
        os.dup2(opened, fd)
        os.close(opened)
    # The server's pipes and anything else it holds: the child keeps only 0, 1 and 2.
    os.closerange(3, os.sysconf("SC_OPEN_MAX"))
    os.chdir(Path(request["out"]).parent)
    _die_with_parent(server)
    try:
        return _render(request) if request.get("op") == "render" else _inspect(request)
    except Exception:  # noqa: BLE001 - any other failure is our bug: say so, and how
        traceback.print_exc()
        sys.stderr.flush()
        return EXIT_UNEXPECTED


# --- the server: fork, wait, report ---------------------------------------------------------


def _wait(pid: int, seconds: float) -> dict[str, Any]:
    """Reap child ``pid``, killing it after ``seconds``; how it ended, as the answer says it."""
    started = time.monotonic()
    timed_out = False
    with contextlib.closing(_PidWaiter(pid)) as waiter:
        if not waiter.wait(seconds):
            timed_out = True
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    elapsed = round(time.monotonic() - started, 4)
    if timed_out:
        return {"timeout": True, "elapsed": elapsed}
    if os.WIFSIGNALED(status):
        return {"signal": os.WTERMSIG(status), "elapsed": elapsed}
    return {"exit": os.waitstatus_to_exitcode(status), "elapsed": elapsed}


class _PidWaiter:
    """Wait for a child to end with a timeout: a pidfd where Linux has one, else polling."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.fd: int | None = None
        with contextlib.suppress(AttributeError, OSError):
            self.fd = os.pidfd_open(pid)

    def wait(self, seconds: float) -> bool:
        """True once the child ended (still to be reaped), False after ``seconds``."""
        if self.fd is not None:
            return bool(select.select([self.fd], [], [], seconds)[0])
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                return True
            time.sleep(0.002)
        return False

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)


def _reply(payload: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(payload) + "\n")
    sys.stdout.flush()


def _preload() -> None:
    """Do once here what every inspection would otherwise pay for in its child.

    Pillow loads its image plugins on first use; a forked child would import them anew
    each time. ``gc.freeze`` keeps the children's collector off everything imported so
    far, which would otherwise touch (and so copy) most of the server's memory. Nothing
    here may start a thread: a fork copies only the thread that forks, and a lock
    another thread held would stay locked in the child forever (scaling a frame, say,
    starts FFmpeg's thread pool).
    """
    Image.init()
    frame = av.VideoFrame(16, 16, "rgb24")
    frame.to_image().save(io.BytesIO(), format="JPEG", quality=85, optimize=True)
    gc.freeze()


def serve() -> int:
    """Answer requests on stdin until it closes (the parent is gone or done with us), or
    none came for ``IDLE_SECONDS``.

    No ``PR_SET_PDEATHSIG`` here: it fires when the *thread* that started us ends, and a
    threaded worker's threads come and go; the parent's end of stdin closes with it.
    """
    # A Ctrl+C in the terminal reaches the whole group: the worker finishes its task
    # (and the inspection in it) before it stops, so we must not die first.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _preload()
    server = os.getpid()
    _reply({"ready": server})
    # One request at a time, each answered before the next is sent: nothing waits in
    # stdin's buffer, so select() on the descriptor sees every request.
    while select.select([sys.stdin], [], [], IDLE_SECONDS)[0]:
        line = sys.stdin.buffer.readline(MAX_ANSWER_BYTES)
        if not line:
            break
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            status = EXIT_UNEXPECTED
            try:
                status = _child(request, server)
            finally:
                os._exit(status)
        _reply(_wait(pid, float(request["limits"]["seconds"])))
    return 0


if __name__ == "__main__":
    sys.exit(serve())
