"""Real MP4 files for tests, made with PyAV (no binary fixtures in the repo)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from videos.media import write_mp4


def make_mp4(path: Path, *, seconds: float = 2, width: int = 64, height: int = 48, shade=0) -> Path:
    """A small real H.264 MP4; ``shade`` changes its bytes (so sha256 differs)."""
    frames = int(seconds * 24)
    base = np.zeros((height, width, 3), dtype=np.uint8)

    def gen():
        for i in range(frames):
            frame = base.copy()
            frame[..., 0] = (i * 5 + shade) % 255
            frame[..., 2] = (shade * 7) % 255
            yield frame

    write_mp4(path, gen(), width=width, height=height)
    return path
