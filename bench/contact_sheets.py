"""Contact sheets of the demo renderer: what a handful of sample dreams look like.

Run: ``.venv/bin/python bench/contact_sheets.py [--width 640] [--duration 6] [--only lighthouse]``
(about 2 s per dream at 640 px). For each sample dream it renders the real MP4, as the
demo provider does (``bench/out/renders/<name>.mp4``, sound included), decodes the
frames at 0 %, 25 %, 50 % and 75 % of it and lays them out in a row under a caption
(the dream, its mood and the motifs the renderer chose): ``bench/out/contact_<name>.png``,
and all rows together in ``bench/out/contact_sheets.png``. ``bench/out/`` is ignored
by git. No database, no Django.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import av
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from videos.demo_renderer import dream_plan, prompt_seed, ratio_to_size, render_dream_video  # noqa: E402
from videos.demo_renderer.titlecard import font  # noqa: E402

STOPS = (0.0, 0.25, 0.5, 0.75)


@dataclass(frozen=True)
class Dream:
    name: str
    title: str
    text: str
    symbols: tuple[str, ...]
    mood: str
    emotions: tuple[str, ...] = ()
    keywords: tuple[str, ...] = field(default_factory=tuple)
    ratio: str = "1280:720"


DREAMS = (
    Dream(
        "lighthouse",
        "The Glass Lighthouse",
        "I stood on the shore at dusk. Out on the sea there was a lighthouse made of glass, "
        "its light turning slowly over the calm water.",
        ("glass lighthouse", "the sea"),
        "serene",
        ("calm", "wonder"),
        ("lighthouse", "sea", "glass", "light"),
    ),
    Dream(
        "hallway",
        "Chased Through an Endless Hallway",
        "Something was behind me. I ran down a hallway that never ended, door after door, "
        "the lights flickering, and I could not stop.",
        ("endless hallway", "doors", "shadow"),
        "tense",
        ("fear", "anxiety"),
        ("hallway", "chased", "doors", "running"),
    ),
    Dream(
        "city",
        "Flying Over the City at Night",
        "I lifted off the roof and flew over the city at night, the streets full of lights, "
        "the stars close enough to touch.",
        ("city at night", "rooftops", "stars"),
        "joyful",
        ("joy", "wonder"),
        ("flying", "city", "night", "lights"),
    ),
    Dream(
        "teeth",
        "My Teeth Fell Out in Class",
        "In the middle of an exam my teeth started falling out, one by one, onto the desk. "
        "The whole classroom was watching.",
        ("teeth", "classroom", "exam"),
        "uneasy",
        ("anxiety", "embarrassment"),
        ("teeth", "class", "exam", "falling"),
    ),
    Dream(
        "garden",
        "A Calm Garden with a Cat",
        "A quiet garden full of flowers in the afternoon sun. A cat sat in the grass and "
        "watched the butterflies.",
        ("garden", "cat", "flowers"),
        "serene",
        ("calm", "joy"),
        ("garden", "cat", "flowers", "sun"),
    ),
    Dream(
        "snow",
        "The House in the Snowy Forest",
        "A small house alone in a snowy forest, one window lit. I knew nobody lived there "
        "any more.",
        ("house", "snowy forest", "snow"),
        "melancholy",
        ("sadness",),
        ("house", "forest", "snow", "window"),
        "720:1280",
    ),
)


def render(dream: Dream, width: int, duration: int, folder: Path) -> tuple[Path, float]:
    w, h = ratio_to_size(dream.ratio, max_width=width)
    path = folder / f"{dream.name}.mp4"
    started = time.process_time()
    render_dream_video(
        path,
        duration=duration,
        width=w,
        height=h,
        seed=prompt_seed(dream.text),
        emotions=dream.emotions,
        keywords=dream.keywords,
        title=dream.title,
        symbols=dream.symbols,
        mood=dream.mood,
        text=dream.text,
    )
    return path, time.process_time() - started


def frames_at(path: Path, stops: tuple[float, ...]) -> list[Image.Image]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        total = stream.frames or 0
        decoded = [f.to_image() for f in container.decode(stream)]
    total = total or len(decoded)
    return [decoded[min(len(decoded) - 1, int(s * total))] for s in stops]


def sheet(dream: Dream, images: list[Image.Image], caption: str) -> Image.Image:
    gap = 8
    thumb_h = 220
    thumbs = [im.resize((round(im.width * thumb_h / im.height), thumb_h)) for im in images]
    width = sum(t.width for t in thumbs) + gap * (len(thumbs) + 1)
    header = 46
    out = Image.new("RGB", (width, thumb_h + header + gap), (24, 24, 30))
    draw = ImageDraw.Draw(out)
    draw.text(
        (gap, 6), f"{dream.title}  ({dream.name})", font=font(18, "sans"), fill=(240, 240, 240)
    )
    draw.text((gap, 27), caption, font=font(13, "sans"), fill=(170, 176, 196))
    x = gap
    for stop, thumb in zip(STOPS, thumbs, strict=True):
        out.paste(thumb, (x, header))
        draw.text(
            (x + 6, header + 4),
            f"{round(stop * 100)} %",
            font=font(13, "sans"),
            fill=(255, 255, 255),
        )
        x += thumb.width + gap
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--width", type=int, default=640, help="longest side, as the app renders")
    parser.add_argument("--duration", type=int, default=6)
    parser.add_argument("--only", action="append", help="render just these dreams (by name)")
    args = parser.parse_args()
    renders = OUT / "renders"
    renders.mkdir(parents=True, exist_ok=True)
    rows = []
    for dream in DREAMS:
        if args.only and dream.name not in args.only:
            continue
        plan = dream_plan(
            seed=prompt_seed(dream.text),
            emotions=dream.emotions,
            keywords=dream.keywords,
            title=dream.title,
            symbols=dream.symbols,
            mood=dream.mood,
            text=dream.text,
        )
        path, cpu = render(dream, args.width, args.duration, renders)
        caption = (
            f"mood {plan.mood.name}; setting {plan.setting}; motifs {', '.join(plan.motifs)}; "
            f"{args.duration} s, {cpu:.1f} s CPU"
        )
        row = sheet(dream, frames_at(path, STOPS), caption)
        row.save(OUT / f"contact_{dream.name}.png")
        rows.append(row)
        print(f"{dream.name:12s} {caption}  -> {OUT / f'contact_{dream.name}.png'}")
    if rows:
        width = max(r.width for r in rows)
        overview = Image.new("RGB", (width, sum(r.height for r in rows)), (24, 24, 30))
        y = 0
        for row in rows:
            overview.paste(row, (0, y))
            y += row.height
        overview.save(OUT / "contact_sheets.png")
        print(f"wrote {OUT / 'contact_sheets.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
