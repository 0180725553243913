"""``manage.py make_favicons``: draw ``static/favicon.ico`` and ``static/apple-touch-icon.png``
from the shapes of ``static/favicon.svg`` (run once when the icon changes; the files are
committed, so nothing is drawn at start-up or in a request)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from PIL import Image, ImageDraw

# The SVG's 32-unit canvas: (cx, cy, r) circles and colours, as in static/favicon.svg.
NIGHT = "#111735"
MOON = "#cdbfff"
MOON_CIRCLE = (15, 17, 10)
BITE_CIRCLE = (20.5, 12, 8.5)  # taken out of the moon: the crescent
STARS = (((24, 7.5, 1.4), "#ffe6a8"), ((27, 13.5, 1), "#9fd8f5"))
CORNER = 7  # the SVG's rx
ICO_SIZES = (16, 32, 48)
TOUCH_SIZE = 180  # iOS rounds the corners itself: a full square, no transparency
SUPERSAMPLE = 4


def _box(circle: tuple[float, float, float], scale: float) -> tuple[float, ...]:
    x, y, r = circle
    return ((x - r) * scale, (y - r) * scale, (x + r) * scale, (y + r) * scale)


def draw_icon(size: int, *, rounded: bool) -> Image.Image:
    """The icon at ``size`` pixels square (drawn larger, then scaled down smoothly)."""
    big = size * SUPERSAMPLE
    scale = big / 32
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if rounded:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=CORNER * scale, fill=NIGHT)
    else:
        draw.rectangle((0, 0, big - 1, big - 1), fill=NIGHT)
    crescent = Image.new("L", (big, big), 0)
    shape = ImageDraw.Draw(crescent)
    shape.ellipse(_box(MOON_CIRCLE, scale), fill=255)
    shape.ellipse(_box(BITE_CIRCLE, scale), fill=0)
    image.paste(Image.new("RGBA", (big, big), MOON), (0, 0), crescent)
    for circle, colour in STARS:
        draw.ellipse(_box(circle, scale), fill=colour)
    return image.resize((size, size), Image.Resampling.LANCZOS)


class Command(BaseCommand):
    help = "Draw static/favicon.ico and static/apple-touch-icon.png (from favicon.svg's shapes)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--out", type=Path, default=Path(settings.BASE_DIR) / "static", help="Folder."
        )

    def handle(self, *args, out: Path, **options) -> None:
        out.mkdir(parents=True, exist_ok=True)
        largest = draw_icon(max(ICO_SIZES), rounded=True)
        largest.save(out / "favicon.ico", format="ICO", sizes=[(s, s) for s in ICO_SIZES])
        touch = draw_icon(TOUCH_SIZE, rounded=False).convert("RGB")
        touch.save(out / "apple-touch-icon.png", format="PNG", optimize=True)
        self.stdout.write(f"Wrote {out / 'favicon.ico'} and {out / 'apple-touch-icon.png'}.")
