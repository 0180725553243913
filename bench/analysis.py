"""Benchmark the local dream analyzer: quality on the labelled set, and speed.

Run: ``.venv/bin/python bench/analysis.py [--runs 30]`` (a few seconds; no database, no
network). Prints a markdown section and writes it into ``bench/RESULTS.md``, replacing
the section a previous run wrote (between ``<!-- analysis:start -->`` and
``<!-- analysis:end -->``) or appending it.

What it measures:

* **quality**: ``dreams.analysis.evaluation`` on ``tests/data/dream_eval.json``:
  micro-averaged precision, recall and F1 for emotions (by label) and symbols (by
  canonical name), for all dreams, the ``dev`` dreams the analyzer was tuned on and the
  ``fresh`` ones written after tuning (the honest estimate);
* **speed**: ``analyse_dream`` on a 20,000-character dream (the API's maximum) and on a
  400-character one, ``time.perf_counter`` around each call, after one warm-up call;
  p50, p95 and max over ``--runs`` calls, plus the first (cold) call in a fresh process
  for the long dream. The target is a p50 under 50 ms for 20,000 characters.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "RESULTS.md"
START, END = "<!-- analysis:start -->", "<!-- analysis:end -->"
TARGET_MS = 50.0
LONG_CHARS = 20_000

sys.path.insert(0, str(ROOT))

from dreams.analysis import analyse_dream, evaluation  # noqa: E402

SENTENCES = [
    "I wandered through a flooded library where the shelves reached the clouds.",
    "My brother rowed a paper boat between lamps that hummed old songs, and I was not afraid.",
    "A fox in a velvet coat asked me for the time at the foot of a spiral staircase.",
    "Then the floor tilted and I was falling past windows full of stars, terrified and laughing.",
    "We reached a lighthouse made of glass where my grandmother was baking bread.",
]


def long_dream(chars: int = LONG_CHARS) -> str:
    """Varied sentences repeated up to ``chars`` characters, cut at a space."""
    text = ""
    index = 0
    while len(text) < chars + 200:
        text += f"{SENTENCES[index % len(SENTENCES)]} Room {index}. "
        index += 1
    cut = text[:chars]
    return cut[: cut.rfind(" ")].ljust(chars, ".")


def timings(title: str, content: str, runs: int) -> dict[str, float]:
    analyse_dream(title=title, content=content)  # warm-up: caches, stopwords, imports
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        analyse_dream(title=title, content=content)
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {
        "p50": statistics.median(samples),
        "p95": samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))],
        "max": samples[-1],
    }


def cold_first_call_ms() -> float:
    """The first call in a fresh process (imports done, nothing cached yet)."""
    code = (
        "import time, sys; sys.path.insert(0, sys.argv[1]); sys.path.insert(0, sys.argv[2]);"
        "from analysis import long_dream; from dreams.analysis import analyse_dream;"
        "text = long_dream(); s = time.perf_counter();"
        "analyse_dream(title='Cold', content=text);"
        "print((time.perf_counter() - s) * 1000)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(BENCH), str(ROOT)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return float(out.stdout.strip().splitlines()[-1])


def quality() -> list[tuple[str, evaluation.Report]]:
    entries = evaluation.load()
    rows = [("all", evaluation.evaluate(entries))]
    for split in ("dev", "fresh"):
        subset = [e for e in entries if e.get("split", "dev") == split]
        if subset:
            rows.append((split, evaluation.evaluate(subset)))
    return rows


def machine() -> str:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return (
        f"{cpu}; Python {platform.python_version()}, yake {metadata.version('yake')}; "
        f"commit {commit or '?'}"
    )


def markdown(rows: list[tuple[str, evaluation.Report]], speed: dict, cold_ms: float) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    long_ms, short_ms = speed["long"], speed["short"]
    verdict = "within" if long_ms["p50"] < TARGET_MS else "**over**"
    lines = [
        START,
        "## Dream analysis (`bench/analysis.py`)",
        "",
        f"Written on {now}. {machine()}.",
        "",
        "The local analyzer (`dreams.analysis.analyse_dream`) on the labelled set "
        "`tests/data/dream_eval.json`: micro-averaged precision / recall / F1, emotions by "
        "label, symbols by canonical name. `dev`: the dreams it was tuned on; `fresh`: "
        "written after tuning, the honest estimate. The CI floor is in "
        "`tests/dreams/analysis/test_evaluation.py`.",
        "",
        "| dreams | n | emotions P / R / **F1** | symbols P / R / **F1** |",
        "|---|---:|---:|---:|",
    ]
    for name, report in rows:
        e, s = report.emotions, report.symbols
        lines.append(
            f"| {name} | {report.dreams} | {e.precision:.3f} / {e.recall:.3f} / "
            f"**{e.f1:.3f}** | {s.precision:.3f} / {s.recall:.3f} / **{s.f1:.3f}** |"
        )
    lines += [
        "",
        f"Speed, `time.perf_counter` around `analyse_dream`, {speed['runs']} calls after a "
        f"warm-up (target: p50 under {TARGET_MS:.0f} ms for {LONG_CHARS:,} characters, "
        f"{verdict}):",
        "",
        "| dream | p50 ms | p95 ms | max ms |",
        "|---|---:|---:|---:|",
        f"| {LONG_CHARS:,} characters | {long_ms['p50']:.1f} | {long_ms['p95']:.1f} | "
        f"{long_ms['max']:.1f} |",
        f"| {speed['short_chars']} characters | {short_ms['p50']:.1f} | {short_ms['p95']:.1f} "
        f"| {short_ms['max']:.1f} |",
        "",
        f"First call in a fresh process ({LONG_CHARS:,} characters, nothing cached): "
        f"{cold_ms:.1f} ms.",
        END,
    ]
    return "\n".join(lines)


def write_section(section: str, path: Path = RESULTS) -> None:
    """Put ``section`` into RESULTS.md in place of the previous one, or at its end."""
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        tail = rest.split(END, 1)[1]
        text = head + section + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="timed calls per dream")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()

    rows = quality()
    short = " ".join(SENTENCES)[:400]
    speed = {
        "runs": args.runs,
        "long": timings("The flooded library", long_dream(), args.runs),
        "short": timings("The flooded library", short, args.runs),
        "short_chars": len(short),
    }
    section = markdown(rows, speed, cold_first_call_ms())
    print(section)
    if not args.no_write:
        write_section(section)
        print(f"\nwrote the section into {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
