"""Web renditions: bytes saved over varied clips, and time per video-second, against floors.

Run: ``.venv/bin/python bench/renditions.py [--rounds 3] [--no-write]`` (a minute or two).
Makes a set of varied clips (demo renders at 1280x720, 640x360 and portrait 720x1280, 4
and 8 s, with sound; synthetic PyAV clips: 1920x1080 over the size cap, a 4:4:4 one, one
with its ``moov`` at the end, and a small one that already qualifies), then for each:

* renders it exactly as the worker does (``videos.renditions.sandboxed.render_in_sandbox``:
  the sandbox child decodes once and writes the web rendition, the preview loop and the
  poster), applying the skip rule (an original that qualifies and is no bigger is served
  as it is);
* measures two floors in the same run, on the same clip: a plain PyAV **remux** (packets
  copied into a new faststart MP4: what serving the original "optimised" at no CPU cost
  would be) and a **decode** of every frame (the part of a rendition no encoder settings
  can save).

Reported per clip: bytes a viewer downloads (the web rendition, or the original when
skipped) against the remux's bytes, and the rendition's wall time per video-second against
each floor's. Each time is the median of ``--rounds`` runs. No database; Django settings
only for the default limits.

The table goes to stdout and, unless ``--no-write``, into the section "renditions" of
``bench/RESULTS.md`` (between its markers, see ``bench/sections.py``).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import av

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

import sections  # noqa: E402

from tests.videos.renditions.clips import write_clip  # noqa: E402
from videos.demo_renderer import ratio_to_size, render_dream_video  # noqa: E402
from videos.renditions.encode import RenditionOptions  # noqa: E402
from videos.renditions.sandboxed import render_in_sandbox  # noqa: E402
from videos.sandbox import SandboxLimits  # noqa: E402

NAME = "renditions"
HEADING = "## Renditions (`bench/renditions.py`)"
OPTIONS = RenditionOptions()  # the settings' defaults: 1280 cap, CRF 23, 2.5 Mbit/s ceiling
LIMITS = SandboxLimits(memory_mb=1536, seconds=300)


@dataclass(frozen=True)
class Clip:
    name: str
    path: Path
    seconds: float


def make_clips(folder: Path) -> list[Clip]:
    """The varied clips: demo renders and synthetic PyAV clips, written once."""
    clips = []
    for name, ratio, width, seconds, mood in (
        ("demo 1280x720 4 s", "1280:720", 1280, 4, "serene"),
        ("demo 1280x720 8 s", "1280:720", 1280, 8, "uneasy"),
        ("demo 640x360 4 s", "1280:720", 640, 4, "joyful"),
        ("demo portrait 4 s", "720:1280", 720, 4, "melancholy"),
    ):
        w, h = ratio_to_size(ratio, max_width=width)
        path = folder / f"{len(clips)}.mp4"
        render_dream_video(
            path, duration=seconds, width=w, height=h, seed=len(clips) + 1, mood=mood,
            title="A tide of glass", symbols=["lighthouse", "moon"], audio=True,
        )  # fmt: skip
        clips.append(Clip(name, path, seconds))
    for name, kwargs in (
        ("PyAV 1920x1080 3 s (over the cap)", {"width": 1920, "height": 1080, "seconds": 3}),
        ("PyAV 640x360 4:4:4 3 s", {"width": 640, "height": 360, "pix_fmt": "yuv444p"}),
        ("PyAV 480x270 moov last, sound", {"faststart": False, "audio": True, "seconds": 4}),
        (
            "PyAV 320x180 High, CRF 30 (qualifies)",
            {"width": 320, "height": 180, "crf": 30, "preset": "veryfast"},
        ),
    ):
        path = folder / f"{len(clips)}.mp4"
        write_clip(path, **kwargs)
        with av.open(str(path)) as container:
            seconds = container.duration / av.time_base
        clips.append(Clip(name, path, seconds))
    return clips


def remux(source: Path, target: Path) -> None:
    """The floor: copy every packet into a new faststart MP4 (no decoding, no encoding)."""
    with (
        av.open(str(source)) as src,
        av.open(str(target), "w", format="mp4", options={"movflags": "+faststart"}) as dst,
    ):
        streams = {
            s.index: dst.add_stream_from_template(s)
            for s in src.streams
            if s.type in ("video", "audio")
        }
        for packet in src.demux(*[s for s in src.streams if s.index in streams]):
            if packet.dts is None:
                continue
            packet.stream = streams[packet.stream.index]
            dst.mux(packet)


def decode(source: Path) -> None:
    """The other floor: decode every video frame (what any re-encode must do first)."""
    with av.open(str(source)) as container:
        for _ in container.decode(video=0):
            pass


def timed(action, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(clip: Clip, folder: Path, rounds: int) -> dict:
    from videos.renditions.services import web_rendition_worth_keeping

    copy = folder / "remux.mp4"
    remux_s = timed(lambda: remux(clip.path, copy), rounds)
    decode_s = timed(lambda: decode(clip.path), rounds)
    results = []

    def render() -> None:
        work = Path(tempfile.mkdtemp(prefix="dj-render-bench-", dir=folder))
        results.append(
            render_in_sandbox(
                clip.path, work, options=OPTIONS, limits=LIMITS, max_output_bytes=2**31
            )
        )

    render_s = timed(render, rounds)
    made = results[-1]
    keep = web_rendition_worth_keeping(
        original=made.original, web=made.web, max_side=OPTIONS.max_side
    )
    served = made.web.bytes if keep else made.original.bytes
    return {
        "clip": clip.name,
        "seconds": clip.seconds,
        "original": made.original.bytes,
        "remux": copy.stat().st_size,
        "served": served,
        "kept": keep,
        "preview": made.preview.bytes,
        "size": f"{made.web.width}x{made.web.height}",
        "render_s": render_s,
        "remux_s": remux_s,
        "decode_s": decode_s,
    }


def section(rows: list[dict], rounds: int) -> str:
    total_original = sum(r["original"] for r in rows)
    total_served = sum(r["served"] for r in rows)
    total_remux = sum(r["remux"] for r in rows)
    video_seconds = sum(r["seconds"] for r in rows)
    render_s = sum(r["render_s"] for r in rows)
    lines = [
        HEADING,
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M UTC} on {platform.machine()}, "
        f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; median of {rounds} runs. "
        "Settings' defaults: long side ≤ 1280, CRF 23, ≤ 2.5 Mbit/s, x264 `veryfast`.",
        "",
        "| clip | s | original | served | served / remux floor | web size | preview "
        "| render s per video-s | × remux floor | × decode floor |",
        "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        served = f"{r['served'] / 1e3:,.0f} kB" + ("" if r["kept"] else " (original: skipped)")
        lines.append(
            f"| {r['clip']} | {r['seconds']:.0f} | {r['original'] / 1e3:,.0f} kB | {served} "
            f"| {r['served'] / r['remux']:.2f} | {r['size']} | {r['preview'] / 1e3:.0f} kB "
            f"| {r['render_s'] / r['seconds']:.3f} | {r['render_s'] / r['remux_s']:.0f}× "
            f"| {r['render_s'] / r['decode_s']:.1f}× |"
        )
    saved = total_original - total_served
    lines += [
        "",
        f"**Bytes saved**: {saved / 1e6:.2f} MB of {total_original / 1e6:.2f} MB "
        f"({saved / total_original:.0%}); served bytes are {total_served / total_remux:.2f}× "
        "the remux floor (a copy of the original). "
        f"**Rendition time**: {render_s / video_seconds:.3f} s per video-second over all clips, "
        f"{render_s / sum(r['remux_s'] for r in rows):.0f}× the remux floor and "
        f"{render_s / sum(r['decode_s'] for r in rows):.1f}× the decode floor "
        "(one decode feeds the web rendition, the preview and the poster).",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dreamjourney.settings")
    import django

    django.setup()
    with tempfile.TemporaryDirectory(prefix="dj-render-bench-") as tmp:
        folder = Path(tmp)
        rows = [measure(clip, folder, args.rounds) for clip in make_clips(folder)]
    text = section(rows, args.rounds)
    print(text)
    if not args.no_write:
        sections.write_section(NAME, text, heading=HEADING)
    return 0


if __name__ == "__main__":
    sys.exit(main())
