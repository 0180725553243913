"""Real clips for rendition tests, written with PyAV: any size, sound or not, moov first or
last, 4:2:0 or 4:4:4, optionally opening on black (to prove the poster is not that frame)."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np


def write_clip(
    path: Path,
    *,
    width: int = 480,
    height: int = 270,
    seconds: float = 3.0,
    fps: int = 24,
    audio: bool = False,
    faststart: bool = True,
    pix_fmt: str = "yuv420p",
    black_seconds: float = 0.0,
    crf: int = 20,
    rotation: int = 0,
    preset: str = "ultrafast",  # Constrained Baseline; "veryfast" and slower write High
) -> Path:
    """Write a moving, detailed test pattern (a black opening of ``black_seconds``,
    ``rotation`` degrees in the display matrix)."""
    options = {"movflags": "+faststart"} if faststart else {}
    rng = np.random.default_rng(7)
    # Coarse 16 px blocks: detailed enough to pick as a poster, cheap to encode and decode.
    blocks = rng.integers(0, 255, (height // 16 + 1, width // 16 + 1, 3), dtype=np.uint8)
    texture = np.ascontiguousarray(blocks.repeat(16, 0).repeat(16, 1)[:height, :width])
    with av.open(str(path), "w", format="mp4", options=options) as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        stream.options = {"crf": str(crf), "preset": preset}
        if rotation:  # a phone's upright video: landscape pixels, a display matrix
            stream.set_display_rotation(rotation)
        sound = None
        if audio:
            sound = container.add_stream("aac", rate=48_000, layout="stereo")
        frames = int(seconds * fps)
        for index in range(frames):
            if index < black_seconds * fps:
                pixels = np.zeros((height, width, 3), dtype=np.uint8)
            else:
                pixels = np.roll(texture, index * 3, axis=1)
                pixels[: height // 3] = (index * 9) % 255
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24").reformat(format=pix_fmt)
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
        if sound is not None:
            samples = int(seconds * 48_000)
            tone = np.sin(np.arange(samples) * 2 * np.pi * 440 / 48_000).astype(np.float32) * 0.2
            for start in range(0, samples, 1024):
                chunk = tone[start : start + 1024]
                chunk = np.pad(chunk, (0, 1024 - len(chunk)))
                block = av.AudioFrame.from_ndarray(
                    np.stack([chunk, chunk]), format="fltp", layout="stereo"
                )
                block.sample_rate, block.pts = 48_000, start
                container.mux(sound.encode(block))
            container.mux(sound.encode(None))
    return path
