"""One decode of a video gives its web rendition, its preview loop and its poster (PyAV only).

:func:`render_all` reads the original once, frame by frame, and feeds each frame to the
web encoder (H.264 High, yuv420p, ``+faststart``, long side capped, CRF with a bitrate
ceiling, AAC when there is sound), to the preview encoder while the frame falls in the
preview window (~2 s, at most 320 px wide, silent), and to the poster picker at a few
sample times (the sample with the most detail and brightness spread wins, so a black or
flat first frame is never the poster).

The original is untrusted: it is opened the one safe way (``videos.media``), with its
headers checked against the :class:`~videos.media.MediaLimits` before anything is decoded,
and the frames and packets decoded are bounded by those limits. The application runs this
in the sandbox's limited child (:mod:`videos.renditions.sandboxed`). No Django here.
"""

from __future__ import annotations

import io
import math
import time
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
from av.audio.resampler import AudioResampler

# The one safe opener (private to videos.media, shared on purpose: a second way to open
# untrusted files would be a second thing to get right).
from videos.media import (
    THUMBNAIL_MAX_WIDTH,
    MediaLimits,
    NotAVideoError,
    _duration_seconds,
    _open_video,
)
from videos.renditions.facts import describe_video, file_facts

WEB_NAME = "web.mp4"
PREVIEW_NAME = "preview.mp4"
POSTER_NAME = "poster.jpg"
# Sample rates AAC players everywhere accept as they are; anything else becomes 48 kHz.
_AAC_RATES = frozenset({16_000, 22_050, 24_000, 32_000, 44_100, 48_000})
_MAX_FPS_OUT = 60
_PREVIEW_FPS = 24
# A luma mean below this is a black (fade-in) frame, whatever its noise says.
_DARK_LUMA = 24.0
_POSTER_PROBE_WIDTH = 160


#: The sound codecs a rendition decodes (anything else is rendered silent).
RENDITION_AUDIO_CODECS = frozenset({"aac", "mp3", "mp3float", "opus", "libopus", "vorbis", "flac"})


@dataclass(frozen=True, kw_only=True)
class RenditionOptions:
    """How renditions are made (settings ``VIDEO_RENDITION_*``); bitrates in bits/s."""

    max_side: int = 1280
    crf: int = 23
    maxrate: int = 2_500_000
    bufsize: int = 5_000_000
    preset: str = "veryfast"
    audio_bitrate: int = 128_000
    preview_seconds: float = 2.0
    preview_width: int = 320
    preview_crf: int = 26
    preview_maxrate: int = 450_000
    poster_width: int = THUMBNAIL_MAX_WIDTH
    poster_samples: int = 8

    def __post_init__(self) -> None:
        if self.max_side < 16 or self.preview_width < 16 or self.poster_width < 16:
            raise ValueError("sizes must be at least 16 pixels")
        if not 0 <= self.crf <= 51 or not 0 <= self.preview_crf <= 51:
            raise ValueError("crf must be between 0 and 51")
        if min(self.maxrate, self.bufsize, self.preview_maxrate, self.audio_bitrate) <= 0:
            raise ValueError("bitrates must be positive")


def even_size(width: int, height: int, *, max_side: int) -> tuple[int, int]:
    """``width`` x ``height`` scaled down (never up) so the long side fits, both even."""
    scale = min(1.0, max_side / max(width, height))
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)


def width_capped(width: int, height: int, *, max_width: int) -> tuple[int, int]:
    """``width`` x ``height`` scaled down (never up) to at most ``max_width`` wide, both even."""
    if width > max_width:
        width, height = max_width, round(height * max_width / width)
    return max(2, width // 2 * 2), max(2, height // 2 * 2)


class _VideoOut:
    """One H.264 output: frames are rescaled, re-timed to a constant rate, and encoded.

    ``rotation`` (degrees, as ``VideoFrame.rotation`` reads the original's display matrix:
    a phone held upright) is written back, so players turn the picture as they did.
    """

    def __init__(
        self,
        path: Path,
        *,
        size: tuple[int, int],
        fps: int,
        x264: dict[str, str],
        rotation: int = 0,
    ):
        self.container = av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"})
        self.stream = self.container.add_stream("libx264", rate=fps)
        self.stream.width, self.stream.height = size
        self.stream.pix_fmt = "yuv420p"
        self.stream.options = x264
        self.stream.codec_context.gop_size = fps * 2  # seeking lands within 2 s
        if rotation:
            self.stream.set_display_rotation(rotation)
        self.fps = fps
        self.time_base = Fraction(1, fps)
        self.last_pts = -1
        self.seconds = 0.0  # encoding time, for the record

    def add(self, frame: av.VideoFrame, at: float) -> None:
        pts = round(at * self.fps)
        if pts <= self.last_pts:
            return  # over the output rate: drop the frame
        started = time.perf_counter()
        out = frame.reformat(
            width=self.stream.width,
            height=self.stream.height,
            format="yuv420p",
            interpolation="AREA",
        )
        out.pts, out.time_base, self.last_pts = pts, self.time_base, pts
        self.container.mux(self.stream.encode(out))
        self.seconds += time.perf_counter() - started

    def close(self) -> None:
        started = time.perf_counter()
        try:
            if self.last_pts >= 0:
                self.container.mux(self.stream.encode(None))
        finally:
            self.container.close()
        self.seconds += time.perf_counter() - started


class _AudioOut:
    """The web rendition's AAC track: any decoded sound, resampled and re-encoded."""

    def __init__(self, container: av.container.OutputContainer, source, bitrate: int) -> None:
        context = source.codec_context
        rate = context.sample_rate if context.sample_rate in _AAC_RATES else 48_000
        layout = "mono" if context.channels == 1 else "stereo"
        self.stream = container.add_stream("aac", rate=rate, layout=layout)
        self.stream.bit_rate = bitrate if layout == "stereo" else bitrate * 3 // 4
        self.container = container
        self.resampler = AudioResampler(format="fltp", layout=layout, rate=rate, frame_size=1024)

    def add(self, frame: av.AudioFrame | None) -> None:
        for resampled in self.resampler.resample(frame):
            resampled.pts = None  # the encoder counts samples itself
            self.container.mux(self.stream.encode(resampled))

    def finish(self) -> None:
        self.add(None)
        self.container.mux(self.stream.encode(None))


class _PosterPicker:
    """Keeps the most telling of a few sampled frames: detail plus brightness spread."""

    def __init__(self, times: list[float]) -> None:
        self.times = times
        self.best: av.VideoFrame | None = None
        self.best_score = -math.inf

    def wants(self, at: float) -> bool:
        return bool(self.times) and at >= self.times[0]

    def offer(self, frame: av.VideoFrame, at: float) -> None:
        while self.times and at >= self.times[0]:
            self.times.pop(0)
        height = max(2, round(frame.height * _POSTER_PROBE_WIDTH / frame.width))
        luma = frame.reformat(width=_POSTER_PROBE_WIDTH, height=height, format="gray")
        pixels = luma.to_ndarray().astype(np.float32)
        detail = float(
            np.abs(np.diff(pixels, axis=1)).mean() + np.abs(np.diff(pixels, axis=0)).mean()
        )
        score = float(pixels.std()) + 2.0 * detail
        if pixels.mean() < _DARK_LUMA:
            score -= 1000.0  # a fade from black: only if nothing else was seen
        if score > self.best_score:
            self.best, self.best_score = frame, score

    def jpeg(self, max_width: int) -> bytes:
        frame = self.best
        if frame is None:
            raise ValueError("no frame was sampled for the poster")
        width, height = width_capped(frame.width, frame.height, max_width=max_width)
        image = frame.reformat(
            width=width, height=height, format="rgb24", interpolation="AREA"
        ).to_image()
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=85, optimize=True)
        return out.getvalue()


def _x264(*, crf: int, maxrate: int, bufsize: int, preset: str) -> dict[str, str]:
    return {
        "crf": str(crf),
        "preset": preset,
        "profile": "high",
        "maxrate": str(maxrate),
        "bufsize": str(bufsize),
    }


class _OnePass:
    """Where each decoded frame goes: the web encoder, the preview window, the poster."""

    def __init__(self, workdir: Path, *, options: RenditionOptions, fps: int, duration: float):
        self.workdir = workdir
        self.options = options
        self.fps = fps
        self.preview_start = max(0.0, min(duration * 0.3, duration - options.preview_seconds))
        samples = options.poster_samples
        self.poster = _PosterPicker([duration * (i + 0.5) / samples for i in range(samples)])
        self.web: _VideoOut | None = None
        self.preview: _VideoOut | None = None
        self.preview_origin = 0.0
        self.sound: _AudioOut | None = None
        self.audio_source = None
        self.held_audio: list[av.AudioFrame] = []
        self.first: av.VideoFrame | None = None
        self.rotation = 0

    def video(self, frame: av.VideoFrame, at: float) -> None:
        options = self.options
        if self.web is None:
            self._start(frame)
        self.web.add(frame, at)
        if self.preview is None and at >= self.preview_start:
            self.preview_origin = at
            self.preview = _VideoOut(
                self.workdir / PREVIEW_NAME,
                size=width_capped(frame.width, frame.height, max_width=options.preview_width),
                fps=min(self.fps, _PREVIEW_FPS),
                x264=_x264(
                    crf=options.preview_crf,
                    maxrate=options.preview_maxrate,
                    bufsize=options.preview_maxrate * 2,
                    preset="slow",  # a few small frames: spend the CPU on fewer bytes
                ),
                rotation=self.rotation,
            )
        if self.preview is not None and at - self.preview_origin < options.preview_seconds:
            self.preview.add(frame, at - self.preview_origin)
        if self.poster.wants(at) or self.poster.best is None:
            self.poster.offer(frame, at)

    def audio(self, frame: av.AudioFrame) -> None:
        if self.sound is not None:
            self.sound.add(frame)
        elif len(self.held_audio) < 256:  # sound before the first picture
            self.held_audio.append(frame)

    def _start(self, frame: av.VideoFrame) -> None:
        """The outputs open on the first frame: only then is its real size known."""
        options = self.options
        self.first = frame
        self.rotation = int(frame.rotation or 0)
        self.web = _VideoOut(
            self.workdir / WEB_NAME,
            size=even_size(frame.width, frame.height, max_side=options.max_side),
            fps=self.fps,
            x264=_x264(
                crf=options.crf,
                maxrate=options.maxrate,
                bufsize=options.bufsize,
                preset=options.preset,
            ),
            rotation=self.rotation,
        )
        if self.audio_source is not None:
            self.sound = _AudioOut(self.web.container, self.audio_source, options.audio_bitrate)
            for held in self.held_audio:
                self.sound.add(held)
            self.held_audio.clear()

    def finish(self, name: str) -> None:
        if self.web is None:
            raise NotAVideoError(f"{name}: the video has no decodable frame")
        if self.preview is None:
            raise NotAVideoError(f"{name}: the video stops before its declared length")
        if self.sound is not None:
            self.sound.finish()

    def close(self) -> None:
        for out in (self.web, self.preview):
            if out is not None:
                out.close()


def _decode_into(container, stream, audio, one_pass: _OnePass, limits: MediaLimits) -> None:
    """Demux the original once, decoding no more than ``limits`` let it declare."""
    max_frames = math.ceil(limits.max_fps * 1.01 * limits.max_duration_seconds) + 32
    max_audio_packets = math.ceil(limits.max_duration_seconds * 200) + 1000
    origin = float((stream.start_time or 0) * stream.time_base) if stream.time_base else 0.0
    frames = audio_packets = 0
    audio_seconds = 0.0
    for packet in container.demux(*([stream, audio] if audio else [stream])):
        if packet.stream is audio:
            audio_packets += 1
            # Sound is bounded like pictures: by packets, and by the seconds it decodes to.
            if audio_packets <= max_audio_packets and audio_seconds <= limits.max_duration_seconds:
                for frame in packet.decode():
                    audio_seconds += frame.samples / (frame.sample_rate or 1)
                    one_pass.audio(frame)
            continue
        frames += 1
        if frames > max_frames:
            break
        for frame in packet.decode():
            one_pass.video(frame, (frame.time if frame.time is not None else 0.0) - origin)


def render_all(
    source: Path, workdir: Path, *, options: RenditionOptions, limits: MediaLimits
) -> dict[str, Any]:
    """Write ``web.mp4``, ``preview.mp4`` and ``poster.jpg`` into ``workdir`` from ``source``.

    Returns ``{"original": facts, "web": facts, "preview": facts, "seconds": {"total",
    "web", "preview"}}`` (facts as :class:`FileFacts` dicts, the outputs' read back from
    the new files). Decodes at most what ``limits`` allow the original to hold.

    Raises:
        videos.media.NotAVideoError / VideoTooLargeError: the original is refused, has
            no decodable frame, or stops well before its declared length.
        MemoryError: decoding needed more memory than the process may have.
    """
    started = time.perf_counter()
    with _open_video(source, limits) as (container, stream, _):
        # Only the common sound codecs are decoded (the probe never decodes sound, so any
        # other FFmpeg audio decoder would be reachable from an upload only here).
        audio = next(
            (
                s
                for s in container.streams.audio
                if s.codec_context is not None and s.codec_context.name in RENDITION_AUDIO_CODECS
            ),
            None,
        )
        if audio is not None:
            audio.codec_context.thread_count = 1
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate or 25
        one_pass = _OnePass(
            workdir,
            options=options,
            fps=max(1, min(_MAX_FPS_OUT, round(float(rate)))),
            duration=_duration_seconds(container, stream) or 0.0,
        )
        one_pass.audio_source = audio
        try:
            _decode_into(container, stream, audio, one_pass, limits)
            one_pass.finish(source.name)
        finally:
            one_pass.close()
        original = file_facts(source, container, stream, one_pass.first)
    (workdir / POSTER_NAME).write_bytes(one_pass.poster.jpeg(options.poster_width))
    return {
        "original": asdict(original),
        "web": asdict(describe_video(workdir / WEB_NAME, limits=limits)),
        "preview": asdict(describe_video(workdir / PREVIEW_NAME, limits=limits)),
        "seconds": {
            "total": round(time.perf_counter() - started, 4),
            "web": round(one_pass.web.seconds, 4),
            "preview": round(one_pass.preview.seconds, 4),
        },
    }
