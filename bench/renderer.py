"""CPU cost of the demo renderer per second of video, at 1280x720 and at 640 px.

Run: ``.venv/bin/python bench/renderer.py [--rounds 3] [--duration 6] [--no-write]``
(about a minute). Renders the sample dreams of ``bench/contact_sheets.py`` to real MP4s
(H.264 and the AAC ambient track, exactly as the demo provider does) and measures
``time.process_time()`` of the whole render: planning, drawing every frame, synthesising
the sound and encoding both. Each render is repeated ``--rounds`` times and the median
is kept, so a busy moment on a shared machine does not decide the result. Budget: at
most **0.5 s of CPU per second of 1280x720 video**.

The table goes to stdout and, unless ``--no-write``, replaces (or appends) the section
"Demo renderer" of ``bench/RESULTS.md``. No database, no Django.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from contact_sheets import DREAMS, Dream  # noqa: E402

from videos.demo_renderer import dream_plan, prompt_seed, ratio_to_size, render_dream_video  # noqa: E402
from videos.demo_renderer.audio import ambient_track  # noqa: E402
from videos.demo_renderer.scene import Scene  # noqa: E402

BUDGET = 0.5  # CPU seconds per video second at 1280x720
SIZES = (("1280x720", 1280), ("640 px", 640))
HEADING = "## Demo renderer (`bench/renderer.py`)"


def _kwargs(dream: Dream) -> dict:
    return {
        "emotions": dream.emotions,
        "keywords": dream.keywords,
        "title": dream.title,
        "symbols": dream.symbols,
        "mood": dream.mood,
        "text": dream.text,
    }


def measure(dream: Dream, max_width: int, duration: int, folder: Path) -> dict:
    """CPU seconds of one render, and of its parts: drawing, sound, encoding."""
    width, height = ratio_to_size("1280:720", max_width=max_width)
    seed = prompt_seed(dream.text)
    path = folder / f"{dream.name}-{max_width}.mp4"
    started = time.process_time()
    render_dream_video(
        path, duration=duration, width=width, height=height, seed=seed, **_kwargs(dream)
    )
    total = time.process_time() - started
    size = path.stat().st_size
    # The same frames again without encoding, and the sound alone: what encoding costs is
    # the rest.
    started = time.process_time()
    plan = dream_plan(seed=seed, **_kwargs(dream))
    scene = Scene(plan, width=width, height=height, duration=duration, seed=seed)
    buffer = np.empty((height * 3 // 2, width), np.uint8)
    for i in range(duration * 24):
        scene.frame(i / 24).to_array(buffer)
    drawing = time.process_time() - started
    started = time.process_time()
    ambient_track(plan, duration=duration, seed=seed)
    sound = time.process_time() - started
    return {
        "total": total,
        "drawing": drawing,
        "sound": sound,
        "encoding": max(0.0, total - drawing - sound),
        "kb_per_s": size / 1024 / duration,
        "width": width,
        "height": height,
        "setting": plan.setting,
    }


def machine() -> str:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        match = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        cpu = match.group(1).strip() if match else cpu
    import av
    import PIL

    return (
        f"{os.cpu_count()} cores ({cpu}); Python {platform.python_version()}, numpy "
        f"{np.__version__}, Pillow {PIL.__version__}, PyAV {av.__version__}"
    )


def markdown(rows: list[dict], duration: int, rounds: int) -> str:
    worst = {
        label: max(r["total"] for r in rows if r["size"] == label) / duration for label, _ in SIZES
    }
    median = {
        label: statistics.median(r["total"] for r in rows if r["size"] == label) / duration
        for label, _ in SIZES
    }
    verdict = "within" if worst["1280x720"] <= BUDGET else "OVER"
    lines = [
        HEADING,
        "",
        f"Written by `bench/renderer.py` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. "
        f"Machine: {machine()}.",
        "",
        f"Each sample dream of `bench/contact_sheets.py`, {duration} s at 24 fps, rendered to a "
        "real "
        "MP4 (H.264 + AAC ambient track) as the demo provider does; CPU time "
        f"(`time.process_time()`) of the whole render, median of {rounds} rounds, divided by the "
        "video's length. *Drawing* is planning plus compositing every frame, *sound* the "
        "synthesis of the track, *encoding* the rest (libx264 and AAC).",
        "",
        f"**CPU per video second at 1280x720: worst {worst['1280x720']:.2f} s, median "
        f"{median['1280x720']:.2f} s ({verdict} the {BUDGET} s budget); at 640 px (the app's "
        f"default): worst {worst['640 px']:.2f} s, median {median['640 px']:.2f} s.**",
        "",
        "| dream | setting | size | CPU s / video s | drawing | sound | encoding | file KB/s |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['dream']} | {r['setting']} | {r['width']}x{r['height']} | "
            f"{r['total'] / duration:.3f} | {r['drawing'] / duration:.3f} | "
            f"{r['sound'] / duration:.3f} | {r['encoding'] / duration:.3f} | {r['kb_per_s']:.0f} |"
        )
    return "\n".join(lines) + "\n"


def write_section(section: str, path: Path) -> None:
    """Replace this bench's section of RESULTS.md, or append it."""
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    start = text.find(HEADING)
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        following = text.find("\n## ", start + len(HEADING))
        end = len(text) if following == -1 else following + 1
        text = text[:start] + section + ("\n" + text[end:] if following != -1 else "")
    path.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=6)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-renderer-") as tmp:
        # A first render warms what a long-lived worker has warm (fonts, codecs, caches).
        measure(DREAMS[0], 320, 2, Path(tmp))
        for dream in DREAMS:
            if dream.ratio != "1280:720":
                continue
            for label, max_width in SIZES:
                runs = [
                    measure(dream, max_width, args.duration, Path(tmp)) for _ in range(args.rounds)
                ]
                best = sorted(runs, key=lambda r: r["total"])[len(runs) // 2]
                best.update(dream=dream.name, size=label)
                rows.append(best)
                per_s = {
                    k: best[k] / args.duration for k in ("total", "drawing", "sound", "encoding")
                }
                all_runs = ", ".join(f"{r['total'] / args.duration:.3f}" for r in runs)
                print(
                    f"{dream.name:12s} {label:9s} {per_s['total']:.3f} s CPU per video s "
                    f"(drawing {per_s['drawing']:.3f}, sound {per_s['sound']:.3f}, "
                    f"encoding {per_s['encoding']:.3f}; runs {all_runs})",
                    flush=True,
                )
    section = markdown(rows, args.duration, args.rounds)
    print()
    print(section)
    if not args.no_write:
        write_section(section, BENCH / "RESULTS.md")
        print(f"wrote the section to {BENCH / 'RESULTS.md'}")
    worst = max(r["total"] for r in rows if r["size"] == "1280x720") / args.duration
    return 0 if worst <= BUDGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
