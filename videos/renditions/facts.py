"""What a video file is: the facts the rendition rows and the skip rule need (no Django)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av

# The one safe opener and the probe's own readings (private to videos.media, shared here
# on purpose: a second way to open untrusted files would be a second thing to get right).
from videos.media import MediaLimits, _codec_name, _duration_seconds, _open_video


@dataclass(frozen=True, kw_only=True)
class FileFacts:
    """What a video file is, as the rendition rows and the skip rule need it."""

    bytes: int
    width: int
    height: int
    duration: float
    video_codec: str
    profile: str
    pix_fmt: str
    audio_codec: str  # "" when silent
    bitrate: int  # bits/s over the whole file
    faststart: bool

    def qualifies(self, *, max_side: int) -> bool:
        """Already what the web rendition would be: H.264 Main/High, 4:2:0, moov first,
        within the size cap, with AAC or no sound."""
        return (
            self.video_codec == "h264"
            and self.profile.lower() in ("high", "main")
            and self.pix_fmt == "yuv420p"
            and self.faststart
            and max(self.width, self.height) <= max_side
            and self.audio_codec in ("", "aac")
        )


def moov_before_mdat(path: Path) -> bool:
    """True if the MP4's ``moov`` box comes before its ``mdat`` (a player can start at once)."""
    size = path.stat().st_size
    offset = 0
    with path.open("rb") as fh:
        while offset + 8 <= size:
            fh.seek(offset)
            header = fh.read(16)
            box_size, kind = int.from_bytes(header[:4], "big"), header[4:8]
            if kind == b"moov":
                return True
            if kind == b"mdat":
                return False
            if box_size == 1 and len(header) == 16:
                box_size = int.from_bytes(header[8:16], "big")
            if box_size < 8:
                return False
            offset += box_size
    return False


def describe_video(path: Path, *, limits: MediaLimits | None = None) -> FileFacts:
    """What ``path`` is (codec, profile, pixel format, sound, bitrate, moov first).

    Decodes one frame (the profile and pixel format are the decoder's), under ``limits``.

    Raises ``videos.media.NotAVideoError`` (or ``VideoTooLargeError``) for what
    ``videos.media`` refuses.
    """
    limits = limits or MediaLimits()
    with _open_video(path, limits) as (container, stream, _):
        first = next((f for p in container.demux(stream) for f in p.decode()), None)
        return file_facts(path, container, stream, first)


def file_facts(path: Path, container, stream, first: av.VideoFrame | None) -> FileFacts:
    """The facts of ``path``, opened as ``container`` with ``stream`` its video (``first``:
    its first decoded frame, which knows the pixel format), no more decoding."""
    size = path.stat().st_size
    duration = _duration_seconds(container, stream) or 0.0
    audio = next((s for s in container.streams.audio if s.codec_context is not None), None)
    context = stream.codec_context
    return FileFacts(
        bytes=size,
        width=int(context.width or (first.width if first else 0)),
        height=int(context.height or (first.height if first else 0)),
        duration=float(duration),
        video_codec=_codec_name(stream),
        profile=str(context.profile or ""),
        pix_fmt=first.format.name if first is not None else str(context.pix_fmt or ""),
        audio_codec=audio.codec_context.name if audio is not None else "",
        bitrate=round(size * 8 / duration) if duration > 0 else 0,
        faststart=moov_before_mdat(path),
    )
