"""Accessible SVG charts drawn on the server: no chart library, no script, no inline style.

Every chart is an ``<svg role="img">`` labelled by its ``<title>`` and described by its
``<desc>`` (the page puts a table of the same numbers beside it). Colours and type sizes
come from classes styled in ``static/css/app.css`` (the site's palette, and larger type
where a chart is drawn narrow). Every string is escaped here: names of emotions and
symbols are user content. The ``viewBox`` scales each chart to its container.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDE_WIDTH, WIDE_HEIGHT = 480, 220
SPARK_WIDTH, SPARK_HEIGHT = 160, 96
LIST_WIDTH, BAR_ROW_HEIGHT = 360, 40
MAX_LABELS = 4  # x-axis labels on a series chart, so they stay legible when drawn small


@dataclass(frozen=True)
class Series:
    """One line of a line chart: ``values`` (``None`` for no value) and its ``tone``
    (a colour class of the stylesheet: ``lucid``, ``nightmare``...)."""

    name: str
    values: Sequence[float | None]
    tone: str


# --- Building blocks -------------------------------------------------------------------------


def _num(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _tag(name: str, text: str = "", /, **attrs: object) -> str:
    """``<name attrs>text</name>``; attribute values and ``text`` are escaped."""
    rendered = "".join(
        f' {key.rstrip("_").replace("_", "-")}="{escape(_num(v) if isinstance(v, float) else v)}"'
        for key, v in attrs.items()
        if v is not None
    )
    return f"<{name}{rendered}>{escape(text)}</{name}>"


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _svg(
    *, chart_id: str, title: str, description: str, width: int, height: int, kind: str, body: str
) -> SafeString:
    safe_id = escape(chart_id)
    head = (
        f'<svg class="chart chart-{escape(kind)}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="{safe_id}-title" aria-describedby="{safe_id}-desc" '
        'focusable="false" xmlns="http://www.w3.org/2000/svg">'
        f"{_tag('title', title, id=f'{chart_id}-title')}"
        f"{_tag('desc', description, id=f'{chart_id}-desc')}"
    )
    return mark_safe(head + body + "</svg>")  # noqa: S308 - every piece above is escaped


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten that is at least ``value`` (at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def _ticks(top: float) -> list[float]:
    half = top / 2
    return [0, half, top] if half == int(half) else [0, top]


def _label_indexes(count: int) -> set[int]:
    """Which of ``count`` slots get an x-axis label: the last one, and every step before it."""
    step = max(1, math.ceil(count / MAX_LABELS))
    return {i for i in range(count) if (count - 1 - i) % step == 0}


@dataclass(frozen=True)
class _Frame:
    """The plotting area of a wide chart, and where slot ``i`` of ``count`` sits."""

    left: float
    right: float = 12
    top: float = 24
    bottom: float = 30
    width: float = WIDE_WIDTH
    height: float = WIDE_HEIGHT

    @property
    def plot_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> float:
        return self.height - self.top - self.bottom

    @property
    def baseline(self) -> float:
        return self.height - self.bottom

    def slot(self, count: int) -> float:
        return self.plot_width / max(count, 1)

    def centre(self, index: int, count: int) -> float:
        return self.left + self.slot(count) * (index + 0.5)

    def y(self, value: float, top: float) -> float:
        return self.baseline - self.plot_height * (value / top if top else 0)

    def grid(self, ticks: Sequence[float], top: float, label) -> str:
        lines = []
        for tick in ticks:
            y = self.y(tick, top)
            lines.append(
                _tag("line", x1=self.left, x2=self.width - self.right, y1=y, y2=y, class_="grid")
            )
            lines.append(
                _tag(
                    "text", label(tick), x=self.left - 8, y=y + 4, class_="axis", text_anchor="end"
                )
            )
        return "".join(lines)

    def x_labels(self, labels: Sequence[str]) -> str:
        shown = _label_indexes(len(labels))
        return "".join(
            _tag(
                "text",
                label,
                x=self.centre(i, len(labels)),
                y=self.height - 8,
                class_="axis",
                text_anchor="middle",
            )
            for i, label in enumerate(labels)
            if i in shown
        )


# --- Charts ----------------------------------------------------------------------------------


def column_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    values: Sequence[int],
    highlight: int | None = None,
) -> SafeString:
    """Vertical bars, one per label (a week, a month...); ``highlight`` marks one bar (the
    current period). Values are written above the bars while there are few of them."""
    frame = _Frame(left=34)
    top = nice_ceiling(max(values, default=0))
    count = len(values)
    width = min(frame.slot(count) * 0.64, 30)
    parts = [frame.grid(_ticks(top), top, lambda tick: _num(tick))]
    for i, value in enumerate(values):
        x = frame.centre(i, count) - width / 2
        tone = "bar is-current" if i == highlight else "bar"
        if not value:
            parts.append(
                _tag("rect", x=x, y=frame.baseline - 2, width=width, height=2, class_="bar-zero")
            )
            continue
        y = frame.y(value, top)
        parts.append(
            _tag("rect", x=x, y=y, width=width, height=frame.baseline - y, rx=3, class_=tone)
        )
        if count <= 16:
            parts.append(
                _tag(
                    "text",
                    str(value),
                    x=x + width / 2,
                    y=y - 6,
                    class_="value",
                    text_anchor="middle",
                )
            )
    parts.append(frame.x_labels(labels))
    return _svg(
        chart_id=chart_id,
        title=title,
        description=description,
        width=WIDE_WIDTH,
        height=WIDE_HEIGHT,
        kind="wide",
        body="".join(parts),
    )


def line_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
) -> SafeString:
    """Shares from 0 to 100 %, one line per series; a missing value breaks its line."""
    frame = _Frame(left=54)
    parts = [frame.grid([0, 0.5, 1], 1, lambda tick: f"{tick:.0%}")]
    for line in series:
        count = len(line.values)
        points = [
            None if value is None else (frame.centre(i, count), frame.y(value, 1))
            for i, value in enumerate(line.values)
        ]
        path, pen_down = [], False
        for point in points:
            if point is None:
                pen_down = False
                continue
            path.append(f"{'L' if pen_down else 'M'}{_num(point[0])} {_num(point[1])}")
            pen_down = True
        if path:
            parts.append(_tag("path", d=" ".join(path), class_=f"line tone-{line.tone}"))
        parts.extend(
            _tag("circle", cx=x, cy=y, r=4, class_=f"dot tone-{line.tone}")
            for x, y in filter(None, points)
        )
    parts.append(frame.x_labels(labels))
    return _svg(
        chart_id=chart_id,
        title=title,
        description=description,
        width=WIDE_WIDTH,
        height=WIDE_HEIGHT,
        kind="wide",
        body="".join(parts),
    )


def spark_columns(
    *,
    chart_id: str,
    title: str,
    description: str,
    name: str,
    total: int,
    labels: Sequence[str],
    values: Sequence[int],
    maximum: int,
    tone: str = "accent",
) -> SafeString:
    """One small multiple: ``name`` and its ``total`` over little columns (one per label),
    on a scale shared with its siblings (``maximum``) so they compare at a glance."""
    count = len(values)
    slot = SPARK_WIDTH / max(count, 1)
    width = slot * 0.6
    baseline, height = 74, 46
    parts = [
        _tag("text", _short(name, 11), x=0, y=16, class_="name"),
        _tag("text", str(total), x=SPARK_WIDTH, y=16, class_="total", text_anchor="end"),
        _tag("line", x1=0, x2=SPARK_WIDTH, y1=baseline, y2=baseline, class_="grid"),
    ]
    for i, value in enumerate(values):
        x = slot * i + (slot - width) / 2
        bar = height * value / maximum if maximum else 0
        parts.append(
            _tag(
                "rect",
                x=x,
                y=baseline - max(bar, 2),
                width=width,
                height=max(bar, 2),
                rx=2 if value else 0,
                class_=f"bar tone-{tone}" if value else "bar-zero",
            )
        )
    if labels:
        parts.append(_tag("text", labels[0], x=0, y=SPARK_HEIGHT - 4, class_="axis"))
        parts.append(
            _tag(
                "text",
                labels[-1],
                x=SPARK_WIDTH,
                y=SPARK_HEIGHT - 4,
                class_="axis",
                text_anchor="end",
            )
        )
    return _svg(
        chart_id=chart_id,
        title=title,
        description=description,
        width=SPARK_WIDTH,
        height=SPARK_HEIGHT,
        kind="spark",
        body="".join(parts),
    )


def bar_list(
    *,
    chart_id: str,
    title: str,
    description: str,
    rows: Sequence[tuple[str, int, str]],
    unit: tuple[str, str] = ("dream", "dreams"),
) -> SafeString:
    """Horizontal bars, one row per ``(label, value, note)``: the label (and its note,
    fainter) above a bar as long as the value, the value counted in ``unit`` on the right."""
    top = max((value for _, value, _ in rows), default=0) or 1
    parts = []
    for i, (label, value, note) in enumerate(rows):
        y = i * BAR_ROW_HEIGHT
        name = escape(_short(label, 16))
        aside = f'<tspan class="note"> · {escape(_short(note, 16))}</tspan>' if note else ""
        parts.append(f'<text x="0" y="{y + 15}" class="name">{name}{aside}</text>')
        parts.append(
            _tag(
                "text",
                f"{value} {unit[0] if value == 1 else unit[1]}",
                x=LIST_WIDTH,
                y=y + 15,
                class_="total",
                text_anchor="end",
            )
        )
        parts.append(_tag("rect", x=0, y=y + 22, width=LIST_WIDTH, height=8, rx=4, class_="track"))
        parts.append(
            _tag(
                "rect",
                x=0,
                y=y + 22,
                width=max(LIST_WIDTH * value / top, 8),
                height=8,
                rx=4,
                class_="bar",
            )
        )
    return _svg(
        chart_id=chart_id,
        title=title,
        description=description,
        width=LIST_WIDTH,
        height=max(len(rows), 1) * BAR_ROW_HEIGHT,
        kind="list",
        body="".join(parts),
    )
