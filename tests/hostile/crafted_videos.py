"""Hostile and odd video files for the media tests, crafted with PyAV (no binary fixtures).

Plain helpers (no fixtures). The decompression bomb is a MOV of PNG frames: each frame
is one PNG built row by row with streaming zlib, so a 16000x16000 picture costs the test
a few megabytes of memory and a second of CPU to make, and some 800 MB to decode.
"""

from __future__ import annotations

import struct
import zlib
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

BOMB_SIDE = 16000


def png_bytes(width: int, height: int, *, rgb: tuple[int, int, int] = (30, 60, 90)) -> bytes:
    """A flat-colour RGB PNG of ``width`` x ``height``, made without holding its pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    row = b"\x00" + bytes(rgb) * width  # filter byte "none", then the row's pixels
    compressor = zlib.compressobj(1)  # level 1: a few MB per 16000x16000 frame, fast
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    signature = b"\x89PNG\r\n\x1a\n"
    return signature + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def png_mov(
    path: Path,
    *,
    width: int,
    height: int,
    frames: int = 3,
    fps: int = 24,
    payload: bytes | None = None,
) -> Path:
    """A MOV whose video track is ``frames`` PNG pictures of ``width`` x ``height``.

    The headers declare that size; each frame's bytes are ``payload`` (default: a real
    flat-colour PNG of that size), muxed as they are, nothing encoded.
    """
    data = png_bytes(width, height) if payload is None else payload
    with av.open(str(path), "w", format="mov") as container:
        stream = container.add_stream("png", rate=fps)
        stream.width, stream.height = width, height
        stream.pix_fmt = "rgb24"
        for index in range(frames):
            packet = av.Packet(data)
            packet.stream = stream
            packet.pts = packet.dts = index
            packet.duration = 1
            packet.time_base = Fraction(1, fps)
            packet.is_keyframe = True
            container.mux(packet)
    return path


def encoded_clip(
    path: Path,
    *,
    codec: str = "libx264",
    fmt: str = "mp4",
    width: int = 64,
    height: int = 48,
    fps: int = 24,
    frames: int = 12,
    audio_streams: int = 0,
    pix_fmt: str = "yuv420p",
) -> Path:
    """A real clip: frame i is flat grey ``min(255, 8 * i)``; plus silent AAC tracks if asked."""
    with av.open(str(path), "w", format=fmt) as container:
        video = container.add_stream(codec, rate=fps)
        video.width, video.height = width, height
        video.pix_fmt = pix_fmt
        audios = []
        for _ in range(audio_streams):
            audio = container.add_stream("aac", rate=48000)
            audio.layout = "mono"
            audios.append(audio)
        for index in range(frames):
            pixels = np.full((height, width, 3), min(255, 8 * index), np.uint8)
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts = index
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        for audio in audios:
            for index in range(10):
                silence = av.AudioFrame.from_ndarray(
                    np.zeros((1, 1024), np.float32), format="fltp", layout="mono"
                )
                silence.sample_rate = 48000
                silence.pts = index * 1024
                container.mux(audio.encode(silence))
            container.mux(audio.encode(None))
    return path
