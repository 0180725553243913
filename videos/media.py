"""Probe, thumbnail and encode videos with PyAV and Pillow.

Everything here works on local files only. Anything that is not a video we
can play (HTML error pages, truncated downloads, audio, still images,
playlists) raises :class:`NotAVideoError`, so callers map it to
``videos.errors.NOT_A_VIDEO``.

Files are opened the safe way only: the container format comes from the
file's magic bytes (MP4/MOV or WebM/Matroska, nothing else) and FFmpeg may
read that one local file and no other. Left to guess, FFmpeg would also open
HLS playlists or concat lists, which fetch further URLs or local files.

Nothing is decoded before the container and stream headers have been checked
against :class:`MediaLimits` (frame size, frame rate, duration, stream count,
codec). Opening itself decodes nothing either: left alone, FFmpeg's stream
probing decodes the first frames at whatever size the file declares, which is
how an 11 MB file of 16000x16000 PNG frames cost gigabytes. Decoding is then
bounded: the decoder refuses frames over the pixel cap, runs single-threaded,
and a probe or thumbnail decodes at most ``max_decoded_frames`` frames.

These functions run on untrusted bytes in this process; the application calls
them through :mod:`videos.sandbox`, which runs them in a child process under
memory and time limits.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Literal

import av
import numpy as np
from av.container import InputContainer
from av.video.reformatter import ColorPrimaries, ColorRange, Colorspace, ColorTrc
from av.video.stream import VideoStream

__all__ = [
    "DEFAULT_ALLOWED_CODECS",
    "Container",
    "MediaLimits",
    "NotAVideoError",
    "VideoProbe",
    "VideoTooLargeError",
    "make_thumbnail",
    "probe_video",
    "write_mp4",
]

#: FFmpeg demuxer names of the containers we accept.
Container = Literal["mov", "matroska"]

# Decoders that render text or still pictures; they can hide in otherwise odd files.
#: A thumbnail (poster) is a frame scaled down, never up, to at most this width, aspect kept.
THUMBNAIL_MAX_WIDTH = 640


def thumbnail_size(width: int, height: int) -> tuple[int, int]:
    """The size of the thumbnail of a ``width`` x ``height`` video."""
    if width > THUMBNAIL_MAX_WIDTH:
        return THUMBNAIL_MAX_WIDTH, max(1, round(height * THUMBNAIL_MAX_WIDTH / width))
    return width, height


_NON_VIDEO_CODECS = frozenset({"ansi", "bintext", "xbin", "idf"})
# ISO-BMFF (MP4/MOV) top-level boxes that may open a file.
_ISO_FIRST_BOXES = frozenset(
    {b"ftyp", b"styp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}
)
# Top-level boxes whose size we trust to detect truncation.
_ISO_CORE_BOXES = frozenset({b"moov", b"mdat", b"moof", b"ftyp", b"styp"})
_EBML_MAGIC = b"\x1a\x45\xdf\xa3"  # Matroska / WebM
# FFmpeg may open only the file it was given: no network, no playlist entries.
_OPEN_OPTIONS = {"protocol_whitelist": "file"}
# A tail that falls short of the declared duration by more than this is a cut file.
_TAIL_TOLERANCE_SECONDS = Fraction(1, 2)
# Opening may run no decoder at all: FFmpeg's stream probing (avformat_find_stream_info)
# would otherwise decode the first frames at the declared size before we saw that size.
# No decoder has this name, so every decoder fails to open there; the container's own
# headers still give codec, frame size, rate and duration.
_PROBE_NO_DECODER = {"codec_whitelist": "none"}
# Besides its own errors, PyAV raises these plain ones on damaged input.
_DAMAGED_INPUT_ERRORS = (av.FFmpegError, ValueError, EOFError, OverflowError)
# Timestamps are rounded by the muxer, so a true 120 fps file may average 120.4.
_FPS_SLACK = 1.01
# A decoder holds back a few packets before its first frame (B-frame reordering).
_PACKET_SLACK = 32
# FFmpeg's decoders count padded pixels against max_pixels: macroblock-aligned height
# and stride-aligned width (3840x2160 H.264 is 3840x2176 coded). The exact cap is the
# header check's; the decoder's is a backstop with room for the padding.
_DECODER_PIXEL_SLACK = 1.25

#: FFmpeg codec names (not decoder names: AV1 decodes as "libdav1d") of the video codecs
#: we serve. Our demo renderer and RunwayML both write H.264 in MP4.
DEFAULT_ALLOWED_CODECS = frozenset({"h264", "hevc", "vp8", "vp9", "av1", "mpeg4"})


class NotAVideoError(ValueError):
    """The file is not a video we can play (empty, HTML, truncated, audio only...).

    Also raised for a video we will not serve: a codec outside the allow-list, too high
    a frame rate or too many streams (see :class:`MediaLimits`).
    """


class VideoTooLargeError(NotAVideoError):
    """A video, but bigger than we serve: more pixels per frame, or more seconds, than allowed.

    A subclass of :class:`NotAVideoError`, so code that only knows that one still refuses
    the file; callers that tell the user why map it to ``videos.errors.TOO_LARGE``.
    """


@dataclass(frozen=True, kw_only=True)
class MediaLimits:
    """What a video may declare before anything of it is decoded, and how much we decode.

    ``max_pixels`` bounds width x height of every video stream (default 3840x2160, so a
    portrait 2160x3840 passes too); ``max_fps`` the frame rate; ``max_duration_seconds``
    the length; ``max_streams`` all streams together (video, audio, data); and the video
    stream's codec must be in ``allowed_codecs`` (FFmpeg codec names, such as ``"h264"``).
    ``max_decoded_frames`` bounds the frames one probe or one thumbnail decodes.

    Raises:
        ValueError: a limit is not positive.
    """

    max_pixels: int = 3840 * 2160
    max_fps: float = 120.0
    max_duration_seconds: float = 120.0
    max_streams: int = 8
    allowed_codecs: frozenset[str] = field(default=DEFAULT_ALLOWED_CODECS)
    max_decoded_frames: int = 120

    def __post_init__(self) -> None:
        for name in (
            "max_pixels",
            "max_fps",
            "max_duration_seconds",
            "max_streams",
            "max_decoded_frames",
        ):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)!r}")
        # Settings hand us lists; compare lower-case names in a frozenset.
        object.__setattr__(
            self, "allowed_codecs", frozenset(c.strip().lower() for c in self.allowed_codecs)
        )


_DEFAULT_LIMITS = MediaLimits()


@dataclass(frozen=True)
class VideoProbe:
    duration: float  # seconds
    width: int
    height: int
    codec: str  # FFmpeg decoder name, e.g. "h264"
    container: Container  # "mov" (MP4/MOV) or "matroska" (WebM/MKV)


def probe_video(path: Path, *, limits: MediaLimits | None = None) -> VideoProbe:
    """Check that ``path`` is a complete, playable video and describe its first video stream.

    Promises that the file is MP4/MOV or WebM/Matroska by its magic bytes, opens
    without FFmpeg touching any other file or URL, declares headers within ``limits``
    (default :class:`MediaLimits`) before anything is decoded, has a real video stream
    (not cover art or a still image) whose first frame decodes within the frame budget,
    and is not cut short: its top-level MP4 boxes fit in the file, and after seeking to
    the last keyframe the packets are intact and reach the declared end to within half
    a second. ``codec`` is the FFmpeg codec name (``"av1"``, whichever decoder ran).

    This decodes untrusted bytes in the calling process: the application goes through
    :func:`videos.sandbox.inspect_video` instead.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        VideoTooLargeError: more pixels per frame or more seconds than ``limits`` allow.
        NotAVideoError: anything else that is not a playable video we serve.
        MemoryError: decoding needed more memory than the process may have.
    """
    limits = limits or _DEFAULT_LIMITS
    with _open_video(path, limits) as (container, stream, name):
        first = _first_frame(container, stream, limits)
        width = stream.codec_context.width or first.width
        height = stream.codec_context.height or first.height
        _check_tail(container, stream, path, limits)
        duration = _duration_seconds(container, stream)
        if duration is None:
            # Some files (odd WebMs) carry no duration: count packets (no decoding).
            container.seek(0)
            duration = _duration_from_packets(container, stream)
            _check_duration(duration, limits, path)
        return VideoProbe(
            duration=float(duration),
            width=int(width),
            height=int(height),
            codec=_codec_name(stream),
            container=name,
        )


def make_thumbnail(
    path: Path,
    *,
    at_seconds: float = 1.0,
    max_width: int = THUMBNAIL_MAX_WIDTH,
    limits: MediaLimits | None = None,
) -> bytes:
    """Return JPEG bytes of the frame at ``at_seconds`` (the first frame if the video is shorter).

    The image keeps the video's aspect ratio and is scaled down (never up) to at most
    ``max_width`` pixels wide. The file is opened and its headers checked as by
    :func:`probe_video`, but it is not checked as thoroughly: probe first to know the
    video is complete. Work is bounded: it seeks to the keyframe before ``at_seconds``
    and decodes at most two seconds' worth of frames (and never more than
    ``limits.max_decoded_frames``); if that budget runs out first, the last frame
    decoded is used. The frame is scaled by FFmpeg straight from the decoder's pixels,
    so no full-size RGB copy is ever made.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        VideoTooLargeError: more pixels per frame or more seconds than ``limits`` allow.
        NotAVideoError: the file is not a playable video we serve.
        MemoryError: decoding needed more memory than the process may have.
        ValueError: ``max_width`` is smaller than 1.
    """
    if max_width < 1:
        raise ValueError(f"max_width must be positive, got {max_width}")
    limits = limits or _DEFAULT_LIMITS
    path = Path(path)
    with _open_video(path, limits) as (container, stream, _):
        frame = _frame_near(container, stream, at_seconds, limits, path)
        width, height = frame.width, frame.height
        if width > max_width:
            width, height = max_width, max(1, round(height * max_width / width))
        image = frame.reformat(
            width=width, height=height, format="rgb24", interpolation="AREA"
        ).to_image()
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue()


def write_mp4(
    path: Path,
    frames: Iterable[np.ndarray],
    *,
    width: int,
    height: int,
    fps: int = 24,
    pixel_format: Literal["rgb24", "yuv420p"] = "rgb24",
    audio: np.ndarray | None = None,
    sample_rate: int = 48_000,
) -> None:
    """Encode frames (and optionally a sound track) to a web-playable MP4 at ``path``.

    Output: H.264 (libx264), yuv420p, BT.709 tagged, ``moov`` before ``mdat``
    (``+faststart``), one frame per ``1/fps`` second, so N frames last N/fps seconds.
    With ``pixel_format="rgb24"`` (the default) each frame is a ``(height, width, 3)``
    uint8 RGB array; with ``"yuv420p"`` it is a ``(height * 3 // 2, width)`` uint8 array
    holding the BT.709 limited-range Y plane then the U and V planes, which is encoded
    as is (no colour conversion: the caller composited in those planes).

    ``audio``, if given, is a ``(channels, samples)`` float array in -1..1 (1 or 2
    channels) at ``sample_rate``; it becomes an AAC track, interleaved with the video.
    The same frames and samples give the same bytes.

    Raises:
        ValueError: odd or non-positive size, bad fps, a malformed frame or sound track,
            or no frames at all. The partly written file is removed before raising.
        OSError: the file cannot be written.
    """
    for name, value in (("width", width), ("height", height)):
        if not isinstance(value, int) or value <= 0 or value % 2:
            # yuv420p subsamples chroma 2x2, so H.264 needs even dimensions.
            raise ValueError(f"{name} must be a positive even integer, got {value!r}")
    if not isinstance(fps, int) or fps <= 0:
        raise ValueError(f"fps must be a positive integer, got {fps!r}")
    if pixel_format not in ("rgb24", "yuv420p"):
        raise ValueError(f"pixel_format must be 'rgb24' or 'yuv420p', got {pixel_format!r}")
    if audio is not None:
        audio = _checked_audio(audio, sample_rate)
    path = Path(path)
    try:
        _encode(
            path,
            frames,
            width=width,
            height=height,
            fps=fps,
            pixel_format=pixel_format,
            audio=audio,
            sample_rate=sample_rate,
        )
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _checked_audio(audio: object, sample_rate: object) -> np.ndarray:
    if not isinstance(sample_rate, int) or not 8_000 <= sample_rate <= 96_000:
        raise ValueError(f"sample_rate must be an integer from 8000 to 96000, got {sample_rate!r}")
    if not isinstance(audio, np.ndarray) or audio.ndim != 2 or audio.shape[0] not in (1, 2):
        raise ValueError("audio must be a (channels, samples) array with 1 or 2 channels")
    if audio.shape[1] == 0 or not np.issubdtype(audio.dtype, np.floating):
        raise ValueError("audio must hold at least one float sample")
    if not np.all(np.isfinite(audio)):
        raise ValueError("audio samples must be finite")
    return np.ascontiguousarray(np.clip(audio, -1.0, 1.0), dtype=np.float32)


# x264's speed for a frame size: "veryfast" up to 640x640, as ever. Bigger frames cost
# the encoder most of the render, so they use "ultrafast" with CABAC, the deblocking
# filter and 8x8 transforms turned back on: measured on demo renders at 1280x720, about
# a third of "veryfast"'s CPU time for files the size of "superfast"'s.
_X264_SMALL_PIXELS = 640 * 640


def _x264_options(width: int, height: int) -> dict[str, str]:
    small = width * height <= _X264_SMALL_PIXELS
    # Measured here: with macroblock-tree rate control, or x264's threads, the same
    # frames came out as different bytes from run to run. Without them they do not, so
    # a re-render is byte-identical; the cost is a slightly larger file.
    params = "mbtree=0" if small else "mbtree=0:cabac=1:deblock=1:8x8dct=1"
    return {
        "crf": "20",  # low enough that soft gradients do not band
        "preset": "veryfast" if small else "ultrafast",
        "profile": "high",
        "x264-params": params,
    }


def _encode(
    path: Path,
    frames: Iterable[np.ndarray],
    *,
    width: int,
    height: int,
    fps: int,
    pixel_format: str,
    audio: np.ndarray | None,
    sample_rate: int,
) -> None:
    with av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"}) as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width = width
        stream.height = height
        stream.pix_fmt = "yuv420p"
        stream.options = _x264_options(width, height)
        stream.codec_context.thread_count = 1
        stream.codec_context.gop_size = fps * 2  # a keyframe every 2 s keeps seeking snappy
        stream.codec_context.colorspace = Colorspace.ITU709
        stream.codec_context.color_primaries = ColorPrimaries.BT709
        stream.codec_context.color_trc = ColorTrc.BT709
        stream.codec_context.color_range = ColorRange.MPEG
        sound = _AudioTrack(container, audio, sample_rate) if audio is not None else None
        count = 0
        for array in frames:
            if pixel_format == "yuv420p":
                _check_planes(array, width=width, height=height, index=count)
                yuv = av.VideoFrame.from_ndarray(np.ascontiguousarray(array), format="yuv420p")
                yuv.colorspace = Colorspace.ITU709
                yuv.color_range = ColorRange.MPEG
            else:
                _check_frame(array, width=width, height=height, index=count)
                rgb = av.VideoFrame.from_ndarray(np.ascontiguousarray(array), format="rgb24")
                # Convert ourselves so the pixels really are BT.709, matching the tags above.
                yuv = rgb.reformat(
                    format="yuv420p",
                    dst_colorspace=Colorspace.ITU709,
                    dst_color_range=ColorRange.MPEG,
                )
            yuv.pts = count
            container.mux(stream.encode(yuv))
            count += 1
            if sound is not None:
                sound.encode_until(Fraction(count, fps))
        if count == 0:
            raise ValueError("write_mp4 needs at least one frame")
        container.mux(stream.encode(None))
        if sound is not None:
            sound.finish()


class _AudioTrack:
    """Feeds an AAC stream in 1024-sample frames, keeping pace with the video."""

    _FRAME = 1024

    def __init__(
        self, container: av.container.OutputContainer, samples: np.ndarray, rate: int
    ) -> None:
        self.container = container
        self.samples = samples
        self.rate = rate
        layout = "stereo" if samples.shape[0] == 2 else "mono"
        self.layout = layout
        self.stream = container.add_stream("aac", rate=rate)
        self.stream.layout = layout
        self.stream.bit_rate = 128_000 if layout == "stereo" else 96_000
        self.stream.codec_context.thread_count = 1
        self.position = 0

    def encode_until(self, seconds: Fraction) -> None:
        end = min(self.samples.shape[1], int(seconds * self.rate))
        while self.position + self._FRAME <= end:
            self._encode(self.position + self._FRAME)

    def finish(self) -> None:
        while self.position < self.samples.shape[1]:
            self._encode(min(self.samples.shape[1], self.position + self._FRAME))
        self.container.mux(self.stream.encode(None))

    def _encode(self, stop: int) -> None:
        chunk = self.samples[:, self.position : stop]
        if chunk.shape[1] < self._FRAME:  # the last frame: pad with silence
            pad = np.zeros((chunk.shape[0], self._FRAME - chunk.shape[1]), np.float32)
            chunk = np.concatenate([chunk, pad], axis=1)
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(chunk), format="fltp", layout=self.layout
        )
        frame.sample_rate = self.rate
        frame.pts = self.position
        self.position = stop
        self.container.mux(self.stream.encode(frame))


def _check_planes(array: object, *, width: int, height: int, index: int) -> None:
    if not isinstance(array, np.ndarray) or array.dtype != np.uint8:
        raise ValueError(f"frame {index} must be a uint8 numpy array")
    if array.shape != (height * 3 // 2, width):
        raise ValueError(
            f"frame {index} has shape {array.shape}, expected {(height * 3 // 2, width)}"
        )


def _check_frame(array: object, *, width: int, height: int, index: int) -> None:
    if not isinstance(array, np.ndarray) or array.dtype != np.uint8:
        raise ValueError(f"frame {index} must be a uint8 numpy array")
    if array.shape != (height, width, 3):
        raise ValueError(f"frame {index} has shape {array.shape}, expected {(height, width, 3)}")


def _sniff_container(path: Path) -> Container | None:
    """The container of ``path`` by its magic bytes, or None if it is not one we accept.

    Raises:
        OSError: the file cannot be read (FileNotFoundError if it does not exist).
    """
    with Path(path).open("rb") as fh:
        head = fh.read(12)
    if len(head) >= 8 and head[4:8] in _ISO_FIRST_BOXES:
        return "mov"
    if head.startswith(_EBML_MAGIC):
        return "matroska"
    return None


@contextmanager
def _open_video(
    path: Path, limits: MediaLimits
) -> Iterator[tuple[InputContainer, VideoStream, Container]]:
    """Open ``path`` safely; yield it, its first real video stream and its container name.

    The headers are checked against ``limits`` before this yields, and the stream's
    decoder is set up to refuse frames over the pixel cap. Any FFmpeg failure, on
    opening or inside the ``with`` block, becomes NotAVideoError; MemoryError (ours or
    FFmpeg's ENOMEM) passes through, so a memory limit is not mistaken for a bad file.
    """
    path = Path(path)
    size = path.stat().st_size  # FileNotFoundError for a missing file is a caller bug, not ours
    if size == 0:
        raise NotAVideoError(f"{path.name}: file is empty")
    name = _sniff_container(path)
    if name is None:
        raise NotAVideoError(f"{path.name}: not an MP4/MOV or WebM/Matroska file")
    if name == "mov" and _iso_bmff_truncated(path, size):
        raise NotAVideoError(f"{path.name}: MP4/MOV file is truncated")
    try:
        container = av.open(
            str(path), "r", format=name, container_options=_OPEN_OPTIONS | _PROBE_NO_DECODER
        )
    except MemoryError:
        raise
    except _DAMAGED_INPUT_ERRORS as exc:
        raise NotAVideoError(f"{path.name}: not a readable {name} file ({exc})") from exc
    try:
        if not isinstance(container, InputContainer):  # pragma: no cover - mode "r" guarantees it
            raise NotAVideoError(f"{path.name}: not readable")
        stream = next(
            (
                s
                for s in container.streams.video
                # Cover art in music files is a one-frame "video" stream; skip it.
                if not s.disposition & av.stream.Disposition.attached_pic
                and s.codec_context is not None  # no decoder for it in this FFmpeg
                and s.codec_context.name not in _NON_VIDEO_CODECS
            ),
            None,
        )
        if stream is None:
            raise NotAVideoError(f"{path.name}: no video stream")
        _check_headers(container, stream, limits, path)
        context = stream.codec_context
        # FFmpeg itself refuses any frame far over the cap, including one whose size
        # changes mid-stream to more than the headers said.
        context.options = {"max_pixels": str(_decoder_max_pixels(limits))}
        # One thread: each decoder thread holds frames of its own, and we decode only a
        # few frames, so threads would multiply memory for little gain.
        context.thread_count = 1
        try:
            yield container, stream, name
        except (NotAVideoError, MemoryError):
            raise
        except _DAMAGED_INPUT_ERRORS as exc:
            raise NotAVideoError(f"{path.name}: video does not decode ({exc})") from exc
    finally:
        container.close()


def _check_headers(
    container: InputContainer, stream: VideoStream, limits: MediaLimits, path: Path
) -> None:
    """Refuse, from the headers alone, a video we would never serve.

    Raises:
        VideoTooLargeError: a video stream over ``max_pixels``, or a declared duration
            over ``max_duration_seconds``.
        NotAVideoError: too many streams, a codec outside the allow-list, or a frame
            rate over ``max_fps``.

    A stream whose size the headers do not give (MPEG-4 Part 2 in MP4 reads as 0x0
    without a decoder) passes here; the decoder's own ``max_pixels`` still refuses any
    frame over the cap, as a decoding error.
    """
    name = path.name
    count = len(container.streams)
    if count > limits.max_streams:
        raise NotAVideoError(f"{name}: {count} streams, at most {limits.max_streams} allowed")
    # Size first: for a huge video in an odd codec, "too large" is the more useful answer.
    for video in container.streams.video:
        if video.disposition & av.stream.Disposition.attached_pic:
            continue  # cover art: never decoded, never shown by a player
        context = video.codec_context
        width, height = (context.width, context.height) if context else (0, 0)
        if width * height > limits.max_pixels:
            raise VideoTooLargeError(
                f"{name}: {width}x{height} frames, at most {limits.max_pixels} pixels allowed"
            )
    duration = _duration_seconds(container, stream)
    if duration is not None:
        _check_duration(duration, limits, path)
    codec = _codec_name(stream)
    if codec not in limits.allowed_codecs:
        raise NotAVideoError(f"{name}: codec {codec!r} is not one we serve")
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    if rate and float(rate) > limits.max_fps * _FPS_SLACK:
        raise NotAVideoError(f"{name}: {float(rate):.2f} fps, at most {limits.max_fps} allowed")


def _decoder_max_pixels(limits: MediaLimits) -> int:
    return math.ceil(limits.max_pixels * _DECODER_PIXEL_SLACK)


def _check_duration(seconds: float, limits: MediaLimits, path: Path) -> None:
    if seconds > limits.max_duration_seconds:
        raise VideoTooLargeError(
            f"{path.name}: {seconds:.1f} s long, at most {limits.max_duration_seconds} s allowed"
        )


def _codec_name(stream: VideoStream) -> str:
    """FFmpeg's name for the stream's codec, whichever decoder handles it."""
    return stream.codec_context.codec.canonical_name


def _decoded_frames(
    container: InputContainer, stream: VideoStream, max_frames: int
) -> Iterator[av.VideoFrame]:
    """Decode ``stream`` from where the container stands: at most ``max_frames`` frames.

    Packets are counted too, since a hostile stream can feed the decoder packet after
    packet that yield no frame; a few beyond ``max_frames`` cover reordering delay.
    The demuxer's final empty packet flushes the decoder at the end of the file.
    """
    frames = 0
    for packets, packet in enumerate(container.demux(stream), start=1):
        if packets > max_frames + _PACKET_SLACK:
            return
        for frame in packet.decode():
            if not isinstance(frame, av.VideoFrame):  # pragma: no cover - a video stream
                continue
            yield frame
            frames += 1
            if frames >= max_frames:
                return


def _first_frame(
    container: InputContainer, stream: VideoStream, limits: MediaLimits
) -> av.VideoFrame:
    for frame in _decoded_frames(container, stream, limits.max_decoded_frames):
        return frame
    raise NotAVideoError("video stream has no decodable frame")


def _frame_near(
    container: InputContainer,
    stream: VideoStream,
    at_seconds: float,
    limits: MediaLimits,
    path: Path,
) -> av.VideoFrame:
    """The first frame at or after ``at_seconds`` from the start, within the frame budget.

    Seeks to the keyframe before that time rather than decoding from the start. A video
    no longer than ``at_seconds`` gives its first frame; if the budget runs out first,
    the last frame decoded is close enough. If seeking or decoding there fails, the
    first frame of the video will do.
    """
    duration = _duration_seconds(container, stream)
    time_base = stream.time_base
    start = stream.start_time or 0
    if at_seconds > 0 and time_base and (duration is None or duration > at_seconds):
        budget = min(limits.max_decoded_frames, math.ceil(2 * _fps(stream)))
        target = start + int(Fraction(at_seconds) / time_base)
        chosen = None
        try:
            container.seek(target, stream=stream, backward=True, any_frame=False)
            for frame in _decoded_frames(container, stream, max(1, budget)):
                chosen = frame
                if frame.time is None or frame.time - float(start * time_base) >= at_seconds:
                    break
        except MemoryError:
            raise  # av.error.MemoryError is an FFmpegError too: keep it a memory failure
        except av.FFmpegError:
            # A broken stretch late in the file; the first frame is still a fine thumbnail.
            pass
        if chosen is not None:
            return chosen
        container.seek(start, stream=stream, backward=True, any_frame=False)
    for frame in _decoded_frames(container, stream, 1):
        return frame
    raise NotAVideoError(f"{path.name}: video stream has no decodable frame")


def _check_tail(
    container: InputContainer, stream: VideoStream, path: Path, limits: MediaLimits
) -> None:
    """Raise NotAVideoError if the last GOP of ``stream`` is missing or damaged.

    Seeks to the last keyframe before the declared end and reads (demuxes, never
    decodes) to the end of the file: every packet must be intact and the last must
    reach that end within half a second. This catches files cut short on the server,
    which still open and decode. The declared end is the stream's duration, or the
    container's (WebM keeps only that one); with neither there is nothing to compare
    and the check passes. Packets running on past the declared end count too: a file
    whose real length is over the limit raises VideoTooLargeError.
    """
    time_base = stream.time_base
    if time_base is None:
        return
    if stream.duration:
        end = (stream.start_time or 0) + stream.duration
    elif container.duration:
        # Container times are in AV_TIME_BASE units (microseconds).
        seconds = Fraction((container.start_time or 0) + container.duration, av.time_base)
        end = int(seconds / time_base)
    else:
        return
    container.seek(end, stream=stream, backward=True, any_frame=False)
    reached = None
    for packet in container.demux(stream):
        if packet.size == 0 or packet.pts is None:
            continue  # the demuxer's final flush packet
        if packet.is_corrupt:
            raise NotAVideoError(f"{Path(path).name}: the end of the video is damaged")
        packet_end = packet.pts + (packet.duration or 0)
        reached = packet_end if reached is None else max(reached, packet_end)
    if reached is None or (end - reached) * time_base > _TAIL_TOLERANCE_SECONDS:
        raise NotAVideoError(f"{Path(path).name}: the video stops before its declared end")
    # A header can understate the length (Matroska's is only a hint); the packets cannot.
    _check_duration(float((reached - (stream.start_time or 0)) * time_base), limits, Path(path))


def _duration_seconds(container: InputContainer, stream: VideoStream) -> float | None:
    if stream.duration is not None and stream.time_base is not None and stream.duration > 0:
        return float(stream.duration * stream.time_base)
    if container.duration is not None and container.duration > 0:
        return container.duration / av.time_base
    return None


def _duration_from_packets(container: InputContainer, stream: VideoStream) -> float:
    frames = 0
    ticks = 0
    for packet in container.demux(stream):
        if packet.size == 0:  # the flush packet at the end carries no frame
            continue
        frames += 1
        ticks += packet.duration or 0
    if ticks and stream.time_base is not None:
        return float(ticks * stream.time_base)
    return frames / _fps(stream)


def _fps(stream: VideoStream) -> float:
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    return float(rate) if rate else 25.0  # FFmpeg's own default frame rate


def _iso_bmff_truncated(path: Path, size: int) -> bool:
    """True if ``path`` is an MP4/MOV whose top-level boxes claim bytes past the end of file.

    A faststart MP4 cut in half still opens and decodes its first frames, so the
    decoder alone would accept it; the box sizes give the truncation away.
    """
    with path.open("rb") as f:
        offset = 0
        first = True
        while offset < size:
            f.seek(offset)
            header = f.read(16)
            kind = header[4:8]
            if first and kind not in _ISO_FIRST_BOXES:
                return False  # not ISO-BMFF; let FFmpeg judge it
            first = False
            if len(header) < 8:
                return True
            box_size = int.from_bytes(header[:4], "big")
            if box_size == 1:
                if len(header) < 16:
                    return True
                box_size = int.from_bytes(header[8:16], "big")
            elif box_size == 0:
                box_size = size - offset  # "runs to the end of the file"
            if box_size < 8 or offset + box_size > size:
                # Trailing junk after a complete movie is harmless; a short core box is not.
                return kind in _ISO_CORE_BOXES
            offset += box_size
    return False
