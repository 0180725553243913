"""Run every benchmark and write ``bench/RESULTS.md`` and the chart ``bench/results.png``.

Run: ``make bench`` (or ``.venv/bin/python bench/run_all.py``): about 25 minutes on 2
cores, 1-2 more the first time (seeding). Needs PostgreSQL on 127.0.0.1:5432; ``wrk`` is
used when installed.

Each benchmark runs as its own process: ``api_load.py`` (list endpoints against a floor),
``jobs.py`` (200 video jobs on 1 and 2 workers, 1,000 on one) and ``ingest.py`` (streaming download
against a plain copy); then ``analysis.py``, ``renderer.py``, ``insights.py`` (insights on
10,000 dreams against a floor) and ``gallery_cache.py`` (the gallery from a shared Redis
cache against the floor) and ``renditions.py`` write their own sections. Each starts once
the machine has settled (its cores under 15% busy for a second, waiting a minute at
most), so one benchmark's leftovers are not measured as the next one's. A failing one is
reported in RESULTS.md and makes the exit non-zero; the others still run.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
sys.path.insert(0, str(BENCH))
INGEST_SIZES_MB = (50, 500)  # what bench/ingest.py downloads


#: Before each benchmark, wait (at most SETTLE_SECONDS) until the cores are this idle: the
#: one before leaves work behind (PostgreSQL's autovacuum after 1,000 jobs, children still
#: exiting) that would otherwise be measured as the next one's.
SETTLE_BUSY = 0.15
SETTLE_SECONDS = 60.0


def settle() -> None:
    """Wait until the machine's cores are idle for a second (or SETTLE_SECONDS pass)."""
    from jobs import machine_busy_seconds

    cores = os.cpu_count() or 1
    deadline = time.monotonic() + SETTLE_SECONDS
    busy = 1.0
    while time.monotonic() < deadline:
        before = machine_busy_seconds()
        time.sleep(1.0)
        busy = (machine_busy_seconds() - before) / cores
        if busy < SETTLE_BUSY:
            break
    print(f"(machine {busy:.0%} busy before starting)", flush=True)


def run(script: str, *args: str) -> tuple[bool, str, float]:
    """Run ``bench/<script>`` on a settled machine, echoing its output.

    Returns (succeeded, output, seconds).
    """
    print(f"\n=== {script} {' '.join(args)}", flush=True)
    settle()
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, str(BENCH / script), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = []
    for line in process.stdout:
        print(line, end="", flush=True)
        lines.append(line)
    process.wait()
    return process.returncode == 0, "".join(lines), time.monotonic() - started


def machine() -> str:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        match = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        cpu = match.group(1).strip() if match else cpu
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(re.search(r"MemTotal:\s+(\d+)", meminfo.read_text()).group(1))
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    postgres = subprocess.run(
        [
            sys.executable,
            "-c",
            "import psycopg; c = psycopg.connect('postgres://postgres@127.0.0.1:5432/postgres');"
            "print(c.execute('SHOW server_version').fetchone()[0])",
        ],
        capture_output=True,
        text=True,
    ).stdout.strip()
    import django

    return (
        f"{os.cpu_count()} cores ({cpu}){memory}; Python {platform.python_version()}, "
        f"Django {django.get_version()}, PostgreSQL {postgres or '?'}; commit {commit or '?'}"
    )


def chart(api: dict | None, jobs: dict | None, ingest: dict | None, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(13, 9))
    fig.suptitle("DreamJourney under load (bench/RESULTS.md)", fontsize=14)
    colours = {"ours": "#4c6ef5", "floor": "#adb5bd"}

    ax = axes[0][0]
    if api:
        names = [s["scenario"] for s in api["scenarios"]]
        xs = range(len(names))
        for offset, side in ((-0.2, "ours"), (0.2, "floor")):
            values = [s["loaded"][side]["rps"] for s in api["scenarios"]]
            ax.bar([x + offset for x in xs], values, 0.4, label=side, color=colours[side])
        for x, s in zip(xs, api["scenarios"], strict=True):
            top = max(s["loaded"]["ours"]["rps"], s["loaded"]["floor"]["rps"])
            ax.annotate(f"×{s['throughput_ratio']:.2f}", (x, top), ha="center", va="bottom")
        ax.set_xticks(list(xs), names)
        ax.set_ylabel("requests / s")
        ax.set_title(f"Throughput at {api['connections']} connections (ours/floor above)")
        ax.legend()

    ax = axes[0][1]
    if api:
        names = [s["scenario"] for s in api["scenarios"]]
        xs = range(len(names))
        for offset, side in ((-0.2, "ours"), (0.2, "floor")):
            p50 = [s["idle"][side]["p50_ms"] for s in api["scenarios"]]
            p95 = [s["idle"][side]["p95_ms"] for s in api["scenarios"]]
            ax.bar([x + offset for x in xs], p95, 0.4, color=colours[side], alpha=0.45)
            ax.bar([x + offset for x in xs], p50, 0.4, color=colours[side], label=f"{side} p50")
        ax.set_xticks(list(xs), names)
        ax.set_ylabel("ms (solid p50, pale p95)")
        deep = api["deep_vs_page1"]["ours"]
        ax.set_title(
            f"Latency, one connection; deep/page 1: p50 ×{deep['p50']:.2f}, p95 ×{deep['p95']:.2f}"
        )
        ax.legend()

    ax = axes[1][0]
    if jobs:
        rates = [f"{r['rate']:g}/s" if r["rate"] else "max" for r in jobs["runs"]]
        labels = [
            f"{r['jobs']} × {r['workers']}\n@ {rate}"
            for r, rate in zip(jobs["runs"], rates, strict=True)
        ]
        p95 = [r["job_p95_seconds"] or 0.0 for r in jobs["runs"]]
        ax.bar(labels, p95, color=colours["ours"])
        for label, value, r in zip(labels, p95, jobs["runs"], strict=True):
            cores = r["worker_cpu_seconds"] / r["cpu_wall_seconds"]
            ax.annotate(
                f"{value:.1f} s, {cores:.2f} core", (label, value), ha="center", va="bottom"
            )
        ideal = jobs["provider_seconds"]
        ax.axhline(ideal, color="black", linestyle="--", label=f"provider {ideal:.0f} s")
        ax.axhline(
            jobs["goal_seconds"],
            color="grey",
            linestyle=":",
            label=f"goal 1.3 × ({ideal:.0f} s + {jobs['poll_seconds']} s poll)",
        )
        ax.set_ylabel("per job p95, submission to success (s)")
        ax.set_title(f"Video jobs against a fake RunwayML taking {ideal:.0f} s each")
        ax.legend(loc="lower right")

    ax = axes[1][1]
    if ingest and ingest["ratios"]:
        sizes = INGEST_SIZES_MB
        throughput = ingest["ratios"].get("throughput", [])
        memory = ingest["ratios"].get("memory", [])
        growth = [m * size for m, size in zip(memory, sizes, strict=False)]
        streaming = ingest["ratios"].get("streaming", [])
        xs = list(range(len(throughput)))
        ax.bar([x - 0.3 for x in xs], throughput, 0.2, label="ingest / plain copy speed")
        ax.bar(
            [x - 0.1 for x in xs[: len(streaming)]],
            streaming,
            0.2,
            color="#37b24d",
            label="streaming (no inspection) / plain copy",
        )
        ax.axhline(1.0, color="black", linestyle="--", linewidth=0.8)
        ax.set_ylim(0, 1.3)
        ax.set_ylabel("speed ratio (1.0 = as fast as a plain copy)")
        memory_ax = ax.twinx()
        memory_ax.bar(
            [x + 0.2 for x in xs[: len(growth)]],
            growth,
            0.3,
            color="#f59f00",
            label="RSS growth while downloading (MB)",
        )
        for x, mb, size in zip(xs, growth, sizes, strict=False):
            memory_ax.annotate(f"{mb:.1f} MB of {size} MB", (x + 0.2, mb), ha="center", va="bottom")
        memory_ax.set_ylim(0, max(sizes[: len(growth)] or [1]) / 10)
        memory_ax.set_ylabel("MB")
        ax.set_xticks(xs, [f"{size} MB file" for size in sizes[: len(xs)]])
        ax.set_title("Ingest: streaming download against a plain copy")
        handles = ax.get_legend_handles_labels()
        extra = memory_ax.get_legend_handles_labels()
        ax.legend(handles[0] + extra[0], handles[1] + extra[1], loc="upper left")

    for row in axes:
        for ax in row:
            if not ax.has_data():
                ax.text(0.5, 0.5, "no data (see RESULTS.md)", ha="center", transform=ax.transAxes)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def results_markdown(parts: dict, api: dict | None, jobs: dict | None, ingest: dict | None) -> str:
    import api_load
    import jobs as jobs_bench
    import sections

    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmark results",
        "",
        f"Written by `bench/run_all.py` on {now}. Machine: {machine()}.",
        "How to run and what each number means: `bench/README.md`.",
        "",
        "![chart](results.png)",
        "",
    ]
    failed = [name for name, (ok, _, _) in parts.items() if not ok]
    if failed:
        lines += [f"**Failed:** {', '.join(failed)} (output below).", ""]

    if api:
        lines += [api_load.results_section(api), ""]
    else:
        lines += [api_load.HEADING, "", "No results.", ""]

    # Between markers, so jobs.py and ingest.py run alone replace just their own section.
    jobs_body = jobs_bench.section(jobs) if jobs else f"{jobs_bench.HEADING}\n\nNo results."
    lines += [sections.wrap("jobs", jobs_body), ""]
    ingest_body = ingest["section"] if ingest else "## Ingest (`bench/ingest.py`)\n\nNo results."
    lines += [sections.wrap("ingest", ingest_body), ""]

    for name, (ok, output, seconds) in parts.items():
        if not ok:
            tail = "\n".join(output.splitlines()[-30:])
            lines += [f"## {name} failed after {seconds:.0f} s", "", "```", tail, "```", ""]
    lines += [
        "Run times: "
        + ", ".join(f"{name} {seconds:.0f} s" for name, (_, _, seconds) in parts.items()),
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for stale in ("api_load.json", "jobs.json", "ingest.json"):
        (OUT / stale).unlink(missing_ok=True)
    parts = {
        "api_load.py": run("api_load.py"),
        "jobs.py": run("jobs.py", "--no-write"),
        "ingest.py": run("ingest.py", "--no-write"),
    }
    api_path, jobs_path = OUT / "api_load.json", OUT / "jobs.json"
    api = json.loads(api_path.read_text()) if api_path.exists() else None
    jobs = json.loads(jobs_path.read_text()) if jobs_path.exists() else None
    ingest_path = OUT / "ingest.json"
    ingest = json.loads(ingest_path.read_text()) if ingest_path.exists() else None

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dreamjourney.settings")
    (BENCH / "RESULTS.md").write_text(results_markdown(parts, api, jobs, ingest))
    chart(api, jobs, ingest, BENCH / "results.png")
    # These write their own sections into the RESULTS.md just written.
    parts["analysis.py"] = run("analysis.py")
    parts["renderer.py"] = run("renderer.py")
    parts["insights.py"] = run("insights.py")
    parts["gallery_cache.py"] = run("gallery_cache.py")
    parts["renditions.py"] = run("renditions.py")
    print(f"\nwrote {BENCH / 'RESULTS.md'} and {BENCH / 'results.png'}")
    return 0 if all(ok for ok, _, _ in parts.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
