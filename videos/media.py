"""Probe, thumbnail and encode videos with PyAV and Pillow.

Everything here works on local files only. Anything that is not a video we
can play (HTML error pages, truncated downloads, audio, still images,
playlists) raises :class:`NotAVideoError`, so callers map it to
``videos.errors.NOT_A_VIDEO``.

Files are opened the safe way only: the container format comes from the
file's magic bytes (MP4/MOV or WebM/Matroska, nothing else) and FFmpeg may
read that one local file and no other. Left to guess, FFmpeg would also open
HLS playlists or concat lists, which fetch further URLs or local files.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Literal

import av
import numpy as np
from av.container import InputContainer
from av.video.reformatter import ColorPrimaries, ColorRange, Colorspace, ColorTrc
from av.video.stream import VideoStream
from PIL import Image

__all__ = [
    "Container",
    "NotAVideoError",
    "VideoProbe",
    "make_thumbnail",
    "probe_video",
    "write_mp4",
]

#: FFmpeg demuxer names of the containers we accept.
Container = Literal["mov", "matroska"]

# Decoders that render text or still pictures; they can hide in otherwise odd files.
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
# Besides its own errors, PyAV raises these plain ones on damaged input.
_DAMAGED_INPUT_ERRORS = (av.FFmpegError, ValueError, EOFError, OverflowError)


class NotAVideoError(ValueError):
    """The file is not a video we can play (empty, HTML, truncated, audio only...)."""


@dataclass(frozen=True)
class VideoProbe:
    duration: float  # seconds
    width: int
    height: int
    codec: str  # FFmpeg decoder name, e.g. "h264"
    container: Container  # "mov" (MP4/MOV) or "matroska" (WebM/MKV)


def probe_video(path: Path) -> VideoProbe:
    """Check that ``path`` is a complete, playable video and describe its first video stream.

    Promises that the file is MP4/MOV or WebM/Matroska by its magic bytes, opens
    without FFmpeg touching any other file or URL, has a real video stream (not
    cover art or a still image) whose first frame decodes, and is not cut short:
    its top-level MP4 boxes fit in the file, and after seeking to the last keyframe
    the packets are intact and reach the declared end to within half a second.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        NotAVideoError: anything else that is not a playable video.
    """
    with _open_video(path) as (container, stream, name):
        first = _first_frame(container, stream)
        width = stream.codec_context.width or first.width
        height = stream.codec_context.height or first.height
        _check_tail(container, stream, path)
        duration = _duration_seconds(container, stream)
        if duration is None:
            # Some files (odd WebMs) carry no duration: count packets.
            container.seek(0)
            duration = _duration_from_packets(container, stream)
        return VideoProbe(
            duration=float(duration),
            width=int(width),
            height=int(height),
            codec=stream.codec_context.name,
            container=name,
        )


def make_thumbnail(path: Path, *, at_seconds: float = 1.0, max_width: int = 640) -> bytes:
    """Return JPEG bytes of the frame at ``at_seconds`` (the first frame if the video is shorter).

    The image keeps the video's aspect ratio and is scaled down (never up) to at most
    ``max_width`` pixels wide. The file is opened as safely as by :func:`probe_video`
    (MP4/MOV or WebM/Matroska by magic bytes, no other file or URL), but not checked
    as thoroughly: probe first to know the video is complete.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        NotAVideoError: the file is not a playable video.
        ValueError: ``max_width`` is smaller than 1.
    """
    if max_width < 1:
        raise ValueError(f"max_width must be positive, got {max_width}")
    path = Path(path)
    with _open_video(path) as (container, stream, _):
        chosen = None
        start = 0.0
        try:
            for index, frame in enumerate(container.decode(stream)):
                seconds = frame.time if frame.time is not None else index / _fps(stream)
                if chosen is None:
                    # Measure from the first frame: some containers start their clock late.
                    chosen, start = frame, seconds
                if seconds - start >= at_seconds:
                    chosen = frame
                    break
        except av.FFmpegError as exc:
            # A frame later in the file is broken; the first one is still a fine thumbnail.
            if chosen is None:
                raise NotAVideoError(f"{path.name}: no decodable frame ({exc})") from exc
        if chosen is None:
            raise NotAVideoError(f"{path.name}: video stream has no decodable frame")
        image = chosen.to_image().convert("RGB")
    if image.width > max_width:
        height = max(1, round(image.height * max_width / image.width))
        image = image.resize((max_width, height), Image.Resampling.LANCZOS)
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
) -> None:
    """Encode RGB frames to a web-playable MP4 at ``path`` (overwritten if present).

    Output: H.264 (libx264), yuv420p, BT.709 tagged, ``moov`` before ``mdat``
    (``+faststart``), one frame per ``1/fps`` second, so N frames last N/fps seconds.
    Each frame must be a ``(height, width, 3)`` uint8 array.

    Raises:
        ValueError: odd or non-positive size, bad fps, a malformed frame, or no frames at
            all. The partly written file is removed before raising.
        OSError: the file cannot be written.
    """
    for name, value in (("width", width), ("height", height)):
        if not isinstance(value, int) or value <= 0 or value % 2:
            # yuv420p subsamples chroma 2x2, so H.264 needs even dimensions.
            raise ValueError(f"{name} must be a positive even integer, got {value!r}")
    if not isinstance(fps, int) or fps <= 0:
        raise ValueError(f"fps must be a positive integer, got {fps!r}")
    path = Path(path)
    try:
        _encode(path, frames, width=width, height=height, fps=fps)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _encode(path: Path, frames: Iterable[np.ndarray], *, width: int, height: int, fps: int) -> None:
    with av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"}) as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width = width
        stream.height = height
        stream.pix_fmt = "yuv420p"
        stream.options = {
            "crf": "20",  # low enough that soft gradients do not band
            "preset": "veryfast",  # keeps demo renders quick on small workers
            "profile": "high",
            # Measured here: with macroblock-tree rate control, or x264's threads, the same
            # frames came out as different bytes from run to run. Without them they do not,
            # so a re-render is byte-identical; the cost is a slightly larger file.
            "x264-params": "mbtree=0",
        }
        stream.codec_context.thread_count = 1
        stream.codec_context.gop_size = fps * 2  # a keyframe every 2 s keeps seeking snappy
        stream.codec_context.colorspace = Colorspace.ITU709
        stream.codec_context.color_primaries = ColorPrimaries.BT709
        stream.codec_context.color_trc = ColorTrc.BT709
        stream.codec_context.color_range = ColorRange.MPEG
        count = 0
        for array in frames:
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
        if count == 0:
            raise ValueError("write_mp4 needs at least one frame")
        container.mux(stream.encode(None))


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
def _open_video(path: Path) -> Iterator[tuple[InputContainer, VideoStream, Container]]:
    """Open ``path`` safely; yield it, its first real video stream and its container name.

    Any FFmpeg failure, on opening or inside the ``with`` block, becomes NotAVideoError.
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
        container = av.open(str(path), "r", format=name, container_options=_OPEN_OPTIONS)
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
                and s.codec_context.name not in _NON_VIDEO_CODECS
            ),
            None,
        )
        if stream is None:
            raise NotAVideoError(f"{path.name}: no video stream")
        try:
            yield container, stream, name
        except NotAVideoError:
            raise
        except _DAMAGED_INPUT_ERRORS as exc:
            raise NotAVideoError(f"{path.name}: video does not decode ({exc})") from exc
    finally:
        container.close()


def _first_frame(container: InputContainer, stream: VideoStream) -> av.VideoFrame:
    for frame in container.decode(stream):
        return frame
    raise NotAVideoError("video stream has no decodable frame")


def _check_tail(container: InputContainer, stream: VideoStream, path: Path) -> None:
    """Raise NotAVideoError if the last GOP of ``stream`` is missing or damaged.

    Seeks to the last keyframe before the declared end and reads to the end of the
    file: every packet must be intact and the last must reach that end within half a
    second. This catches files cut short on the server, which still open and decode.
    The declared end is the stream's duration, or the container's (WebM keeps only
    that one); with neither there is nothing to compare and the check passes.
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
