"""Reading a manifest we did not write (an upload's) in a child process with hard limits.

An uploaded video is attacker-controlled input to the C2PA parser, as it is to FFmpeg's
decoders (``videos.sandbox``). :func:`credentials_read_isolated` runs
:func:`videos.credentials.reading.credentials_read` in ``python -m
videos.credentials.isolated``: a child with capped address space and CPU time, killed
after a wall-clock limit, with a scrubbed environment (no database URL, keys or Django
settings), answering one small JSON object in a file it may not grow past 64 KB. Starting
it costs about 0.3 s, paid only for a file that carries a manifest at all
(:func:`~videos.credentials.reading.carries_manifest` reads box headers first).

Run as a program: ``<path> <origin> <trust anchors file or ""> <memory MB> <seconds>``.
"""

from __future__ import annotations

import json
import logging
import math
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

from videos.credentials.reading import Credentials, Origin, carries_manifest

__all__ = ["credentials_read_isolated"]

logger = logging.getLogger(__name__)

_PROJECT_ROOT = Path(__file__).resolve().parents[2]
_MAX_ANSWER_BYTES = 64 * 1024
_PASSED_ENV = ("PATH", "LD_LIBRARY_PATH", "TMPDIR", "TZ")


def credentials_read_isolated(path: Path, *, origin: Origin) -> Credentials | None:
    """What the manifest of the MP4 at ``path`` says, read in a limited child process
    (``VIDEO_PROBE_MEMORY_MB``, ``VIDEO_PROBE_SECONDS``; trust: ``C2PA_TRUST_ANCHORS``).

    Returns ``None`` when the child could not answer within its limits (the file needs
    more than we give any manifest, or it crashed the parser). Never raises for the file.
    """
    from django.conf import settings

    try:
        if not carries_manifest(path):  # box headers only: no child for most uploads
            return Credentials(origin=origin, ai_generated=origin == Origin.GENERATED)
    except OSError:
        logger.warning("C2PA manifest of %s: cannot open the file", Path(path).name)
        return None
    seconds = float(settings.VIDEO_PROBE_SECONDS)
    env = {name: os.environ[name] for name in _PASSED_ENV if name in os.environ}
    env |= {"PYTHONPATH": str(_PROJECT_ROOT), "PYTHONDONTWRITEBYTECODE": "1", "LC_ALL": "C.UTF-8"}
    command = [
        sys.executable,
        "-m",
        "videos.credentials.isolated",
        str(Path(path).resolve()),
        str(origin),
        str(settings.C2PA_TRUST_ANCHORS or ""),
        str(int(settings.VIDEO_PROBE_MEMORY_MB)),
        str(seconds),
    ]
    with tempfile.TemporaryFile() as out:
        try:
            ended = subprocess.run(
                command,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.DEVNULL,
                env=env,
                cwd=_PROJECT_ROOT,
                timeout=seconds + 5,  # the interpreter's start, then the child's own budget
                check=False,
            )
        except subprocess.TimeoutExpired:
            logger.warning("C2PA manifest of %s: no answer in %.0f s", Path(path).name, seconds)
            return None
        out.seek(0)
        answer = out.read(_MAX_ANSWER_BYTES + 1)
    if ended.returncode != 0 or len(answer) > _MAX_ANSWER_BYTES:
        logger.warning("C2PA manifest of %s: reader ended %s", Path(path).name, ended.returncode)
        return None
    try:
        return Credentials.from_json(json.loads(answer) | {"origin": str(origin)})
    except (ValueError, TypeError):  # TypeError: an answer that is not an object
        logger.warning("C2PA manifest of %s: the reader answered nonsense", Path(path).name)
        return None


def _limit_self(memory_mb: int, seconds: float) -> None:
    memory = memory_mb * 1024 * 1024
    for which, soft, hard in (
        (resource.RLIMIT_AS, memory, memory),
        (resource.RLIMIT_CPU, math.ceil(seconds), math.ceil(seconds) + 1),
        (resource.RLIMIT_FSIZE, _MAX_ANSWER_BYTES, _MAX_ANSWER_BYTES),
        (resource.RLIMIT_CORE, 0, 0),
    ):
        _, current = resource.getrlimit(which)
        if current != resource.RLIM_INFINITY:
            hard = min(hard, current)
            soft = min(soft, hard)
        resource.setrlimit(which, (soft, hard))


def _main(argv: list[str]) -> int:
    path, origin, anchors_path, memory_mb, seconds = argv
    _limit_self(int(memory_mb), float(seconds))
    from videos.credentials.reading import credentials_read  # after the limits are set

    anchors = Path(anchors_path).read_text() if anchors_path else ""
    credentials = credentials_read(Path(path), origin=Origin(origin), trust_anchors=anchors)
    sys.stdout.write(json.dumps(credentials.as_json()))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
