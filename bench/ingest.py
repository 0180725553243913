"""Benchmark ``videos.ingest.download_video``: throughput and memory against a plain copy.

Run: ``.venv/bin/python bench/ingest.py`` (15-30 s; needs ~1.2 GB free in the
temp dir). Prints a markdown table and the ratios, and writes its section of
``bench/RESULTS.md`` (``--no-write``: print only).

What it does:

* writes a real H.264 MP4 (PyAV, 320x240, 2 s) padded to 50 MB and 500 MB with an
  ISO-BMFF ``free`` box, the format's own padding atom. The files are valid MP4s, so
  the probe passes honestly, and every byte still travels over HTTP; encoding
  500 MB of real video would take minutes and measure x264, not ingest;
* serves them from a threaded ``http.server`` on 127.0.0.1 in a child process, with
  ``sendfile`` (a remote CDN's work is not ours to measure, and a server thread in this
  process would compete with the download for the GIL);
* (a) throughput: ``download_video`` (stream + sha256 in a thread beside the reads +
  the sandbox's probe and thumbnail + rename) against ``requests.get(stream=True)``
  copying the same bytes to a file, best of N runs each; a third runner, ``requests``
  plus sha256 in the same thread, shows what a serial hash costs. The sandbox's
  inspection (probe and thumbnail in a forked child) is timed alone too: it costs the
  same for any size, so the *streaming* ratio leaves it out: plain copy time ÷ the time
  of ``download_video`` with the inspection replaced by its known answer (everything
  else runs: the part the hash could slow down). sha256 alone over the same number of
  bytes in memory gives the ceiling: a copy that hashes every byte cannot beat it;
* (b) memory: each download runs in a fresh child process. After its imports the child
  resets its RSS high-water mark (``/proc/self/clear_refs``, Linux), notes its RSS, runs
  the download and reads the high-water mark again (VmHWM: a child's ``ru_maxrss`` is
  floored at its parent's RSS at fork, which would hide what the child did). The growth
  (peak minus RSS before) is compared to the file size. A second download in the same
  child gives the tracemalloc peak; tracing stays out of the RSS run, as its own tables
  would inflate RSS. A ``requests`` child gives the same numbers for the plain copy.

Loopback moves bytes faster than any provider's CDN will, so the throughput ratio is a
worst case: there sha256 (1-2 GB/s on one core) is as fast as the copy itself.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import http.server
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from sections import write_section  # noqa: E402 - bench/ is on the path, run or imported

HEADING = "## Ingest (`bench/ingest.py`)"

MB = 1024 * 1024
CHUNK = 1024 * 1024
SIZES_MB = (50, 500)


def make_mp4(path: Path, total_bytes: int) -> None:
    """Write a real MP4 clip, padded with a ``free`` box to exactly ``total_bytes``."""
    import av
    import numpy as np

    clip = path.with_suffix(".clip.mp4")
    rng = np.random.default_rng(0)
    with av.open(str(clip), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=24)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        for index in range(48):
            image = rng.integers(0, 256, (240, 320, 3), dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = index
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    data = clip.read_bytes()
    clip.unlink()
    pad = total_bytes - len(data)
    assert 8 <= pad < 2**32, "a 32-bit free box holds the padding"
    block = bytes(CHUNK)
    with path.open("wb") as out:
        out.write(data)
        out.write(pad.to_bytes(4, "big") + b"free")
        remaining = pad - 8
        while remaining:
            written = out.write(block[: min(CHUNK, remaining)])
            remaining -= written


class FileHandler(http.server.BaseHTTPRequestHandler):
    """Serves the files of ``server.directory`` with ``sendfile``: the kernel copies them,
    so the server costs next to nothing and the client's work is what gets measured."""

    protocol_version = "HTTP/1.1"
    server: FileServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        path = self.server.directory / Path(self.path).name
        if not path.is_file():
            self.send_error(404)
            return
        with path.open("rb") as fh:
            self.send_response(200)
            self.send_header("Content-Type", "video/mp4")
            self.send_header("Content-Length", str(path.stat().st_size))
            self.end_headers()
            self.wfile.flush()
            self.connection.sendfile(fh)


class FileServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, directory: Path) -> None:
        super().__init__(("127.0.0.1", 0), FileHandler)
        self.directory = directory


def serve(directory: Path) -> None:
    """Server mode: print the port, then serve ``directory`` until terminated."""
    server = FileServer(directory)
    print(server.server_address[1], flush=True)
    server.serve_forever()


def start_server(directory: Path) -> tuple[subprocess.Popen, str]:
    """Serve ``directory`` on an ephemeral loopback port from a child process.

    A process of its own, as a CDN is: served from a thread of this one, the server would
    compete for the GIL with the download it feeds, and more so with a hashing thread.
    """
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(directory)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    return process, f"http://127.0.0.1:{int(process.stdout.readline())}"


def ingest_policy():  # -> IngestPolicy, imported late so the parent stays light
    from videos.ingest import IngestPolicy

    return IngestPolicy(
        allow_http=True, allowed_addresses=frozenset({"127.0.0.1"}), max_bytes=600 * MB
    )


def run_ingest(url: str, dest: Path) -> int:
    """One ``download_video``; returns the size and deletes the file."""
    from videos.ingest import download_video

    result = download_video(url, policy=ingest_policy(), dest_dir=dest)
    result.path.unlink()
    return result.size


def run_requests(url: str, dest: Path, *, hashed: bool = False) -> int:
    """The baseline: a plain streamed copy with requests (hashed if asked); returns the size."""
    import requests

    sha = hashlib.sha256()
    size = 0
    with requests.Session() as session:
        session.trust_env = False  # no proxy from the environment for loopback
        with session.get(url, stream=True, timeout=(5, 30)) as response:
            response.raise_for_status()
            with tempfile.NamedTemporaryFile(dir=dest, suffix=".part") as out:
                for chunk in response.iter_content(CHUNK):
                    size += len(chunk)
                    if hashed:
                        sha.update(chunk)
                    out.write(chunk)
    return size


def run_copy(url: str, dest: Path) -> int:
    """The least a copy can cost: ``http.client`` reading into one reused buffer, written out."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    buffer = memoryview(bytearray(CHUNK))
    size = 0
    try:
        connection.request("GET", parts.path)
        response = connection.getresponse()
        with tempfile.NamedTemporaryFile(dir=dest, suffix=".part") as out:
            while read := response.readinto(buffer):
                size += read
                out.write(buffer[:read])
    finally:
        connection.close()
    return size


RUNNERS = {
    "ingest": run_ingest,
    "requests": run_requests,
    "requests+sha256": functools.partial(run_requests, hashed=True),
}


def child(kind: str, url: str, dest: Path) -> None:
    """Child mode: run one download, print peak RSS before/after and the tracemalloc peak."""
    import tracemalloc

    import requests  # noqa: F401 - imported up front so the baseline RSS includes it
    import urllib3  # noqa: F401

    import videos.hashing
    import videos.ingest

    # Importing PyAV briefly peaks far above the steady state; without a reset that
    # old high-water mark would hide any growth during the download.
    reset = reset_peak_rss()
    before = current_rss()
    size = RUNNERS[kind](url, dest)
    after = peak_rss()
    # A second run for the Python-heap peak: tracemalloc's own tables would inflate RSS.
    # Buffers the first run left for the next copy would hide the copy's own; drop them.
    videos.hashing._spare.clear()
    tracemalloc.start()
    RUNNERS[kind](url, dest)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        json.dumps(
            {
                "size": size,
                "rss_before": before,
                "rss_after": after,
                "traced": traced_peak,
                "reset": reset,
            }
        )
    )


def reset_peak_rss() -> bool:
    """Reset this process's peak RSS (VmHWM); False if unsupported."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_rss() -> int:
    """This process's peak RSS in bytes since the last reset.

    VmHWM, not ``ru_maxrss``: a child's ``ru_maxrss`` never drops below the RSS its
    parent had when it forked, which here is the bigger number.
    """
    status = Path("/proc/self/status").read_text()
    kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(kib) * 1024


def current_rss() -> int:
    """This process's resident set size now, in bytes (Linux /proc)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize()


def measure_memory(kind: str, url: str, dest: Path) -> dict[str, int]:
    output = subprocess.run(
        [sys.executable, __file__, "--child", kind, url, str(dest)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def run_inspection(path: Path) -> None:
    """The sandbox's probe and thumbnail alone, on the served file itself."""
    from videos.sandbox import inspect_video

    inspect_video(path, ingest_policy().inspection)


def run_streaming(url: str, dest: Path, answer: object) -> int:
    """``download_video`` with the sandbox's inspection replaced by its known answer.

    Everything else (connect, read, hash, write, rename) runs for real: the part of an
    ingest that the hash could slow down, timed directly rather than as a difference.
    """
    from unittest import mock

    import videos.ingest

    with mock.patch.object(videos.ingest, "_inspect", lambda path, limits: answer):
        return run_ingest(url, dest)


def run_sha256(size: int) -> None:
    """sha256 alone over ``size`` bytes already in memory: the ceiling of any hashed copy."""
    block = bytes(CHUNK)
    sha = hashlib.sha256()
    for _ in range(size // CHUNK):
        sha.update(block)


def process_cpu(pid: int) -> float:
    """User + system seconds of process ``pid`` so far, all its threads (``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def best_times(
    url: str, served: Path, dest: Path, repeat: int, server_pid: int
) -> tuple[dict[str, float], dict[str, tuple[float, float]]]:
    """Best wall time per runner, and the CPU seconds (ours, the file server's) of that run.

    Runs are interleaved so drift hits every runner alike. Our CPU counts every thread of
    this process (the hashing one too).
    """
    runners = {kind: functools.partial(runner, url, dest) for kind, runner in RUNNERS.items()}
    runners["copy"] = functools.partial(run_copy, url, dest)
    runners["inspection"] = functools.partial(run_inspection, served)
    from videos.sandbox import inspect_video

    answer = inspect_video(served, ingest_policy().inspection)  # once, outside the timing
    runners["streaming"] = functools.partial(run_streaming, url, dest, answer)
    runners["sha256"] = functools.partial(run_sha256, served.stat().st_size)
    runs: dict[str, list[tuple[float, float, float]]] = {kind: [] for kind in runners}
    for _ in range(repeat):
        for kind, runner in runners.items():
            ours, theirs = os.times(), process_cpu(server_pid)
            started = time.perf_counter()
            runner()
            wall = time.perf_counter() - started
            after = os.times()
            cpu = after.user - ours.user + after.system - ours.system
            runs[kind].append((wall, cpu, process_cpu(server_pid) - theirs))
    best = {kind: min(values) for kind, values in runs.items()}
    return (
        {kind: wall for kind, (wall, _, _) in best.items()},
        {kind: (cpu, server) for kind, (_, cpu, server) in best.items()},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per timing (best is kept)")
    parser.add_argument("--no-write", action="store_true", help="do not touch RESULTS.md")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "URL", "DEST"), help=argparse.SUPPRESS)
    parser.add_argument("--serve", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(Path(args.serve))
        return
    if args.child:
        kind, url, dest = args.child
        child(kind, url, Path(dest))
        return

    rows = []
    with tempfile.TemporaryDirectory(prefix="ingest-bench-") as tmp:
        served, dest = Path(tmp, "served"), Path(tmp, "dest")
        served.mkdir()
        dest.mkdir()
        started = time.perf_counter()
        for size_mb in SIZES_MB:
            make_mp4(served / f"dream-{size_mb}mb.mp4", size_mb * MB)
        print(
            f"generated {' and '.join(f'{s} MB' for s in SIZES_MB)} MP4s in "
            f"{time.perf_counter() - started:.1f} s"
        )
        server, base = start_server(served)
        try:
            for size_mb in SIZES_MB:
                url = f"{base}/dream-{size_mb}mb.mp4"
                run_ingest(url, dest)  # warm up: page cache, imports, the sandbox server
                best, cpu = best_times(
                    url, served / f"dream-{size_mb}mb.mp4", dest, args.repeat, server.pid
                )
                memory = {kind: measure_memory(kind, url, dest) for kind in ("ingest", "requests")}
                assert memory["ingest"]["size"] == memory["requests"]["size"] == size_mb * MB
                rows.append((size_mb, best, cpu, memory))
        finally:
            server.terminate()
            server.wait(timeout=10)

    body = section(rows)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "ingest.json").write_text(json.dumps({"section": body, "ratios": ratios(rows)}))
    print()
    print(body)
    if not args.no_write:
        write_section("ingest", body, heading=HEADING)
        print("\nwrote the section into bench/RESULTS.md")


def fastest_hashed_copy(best: dict[str, float], cpu: dict[str, tuple[float, float]]) -> float:
    """The shortest time any copy that hashes every byte could take here, in seconds.

    It cannot beat sha256 alone on one core, nor the cheapest copy alone; and it needs at
    least the CPU of both (the cheapest copy's, ours and the file server's, plus sha256's),
    which the machine's cores must find between them.
    """
    copy_cpu = sum(cpu["copy"])
    sha_cpu = cpu["sha256"][0]
    cores = os.cpu_count() or 1
    return max(best["sha256"], best["copy"], (copy_cpu + sha_cpu) / cores)


def ratios(rows: list) -> dict[str, list[float]]:
    """Per file size: ingest and streaming speed against the plain copy, RSS growth ÷ size."""
    return {
        "throughput": [best["requests"] / best["ingest"] for _, best, _, _ in rows],
        "streaming": [best["requests"] / best["streaming"] for _, best, _, _ in rows],
        # A hashed copy can go no faster than sha256 itself on one core.
        "ceiling": [min(1.0, best["requests"] / best["sha256"]) for _, best, _, _ in rows],
        # ... nor faster than the cores can do the cheapest copy's work and the hash's.
        "bound": [
            min(1.0, best["requests"] / fastest_hashed_copy(best, cpu)) for _, best, cpu, _ in rows
        ],
        "memory": [
            (memory["ingest"]["rss_after"] - memory["ingest"]["rss_before"]) / (size_mb * MB)
            for size_mb, _, _, memory in rows
        ],
    }


def section(rows: list) -> str:
    """This bench's section of RESULTS.md: the table and the ratio lines ``run_all`` reads."""
    written = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        HEADING,
        "",
        f"Written on {written} by `bench/ingest.py`. "
        "`download_video` (stream, sha256 in a thread beside the reads, the sandbox's probe "
        "and thumbnail, rename) against a plain `requests` copy of the same bytes from "
        "loopback; best of the runs. *Streaming* is `download_video` with the inspection, "
        "which costs the same for any size (timed alone on the same file), replaced by its "
        "known answer. *Ceiling*: sha256 alone on one core against the plain copy; no copy "
        "that hashes every byte can beat it. *Cheapest copy*: `http.client` reading into one "
        "reused buffer, no hash. *Bound*: the plain copy's time against the shortest time "
        "any hashed copy could take on this machine: not below sha256 alone, nor the cheapest "
        "copy alone, nor the CPU seconds of both (ours and the file server's for the copy, "
        f"plus the hash's) spread over all {os.cpu_count()} cores. CPU: user + system seconds "
        "of the best run, every thread of the downloading process / the file server.",
        "",
        "| file | requests MB/s | cheapest copy MB/s | sha256 alone MB/s "
        "| requests+sha256 (serial) MB/s | ingest MB/s | ingest / requests | inspection alone "
        "| streaming / requests | ceiling (sha256 / requests) | bound | CPU s: requests "
        "| CPU s: cheapest copy | CPU s: streaming | ingest peak RSS "
        "| RSS growth (ingest) | growth / file | tracemalloc peak | RSS growth (requests) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:"
        "|---:|---:|",
    ]
    found = ratios(rows)
    speed, streaming, memory_ratios = found["throughput"], found["streaming"], found["memory"]
    ceiling, bound = found["ceiling"], found["bound"]

    def cpu_cell(pair: tuple[float, float]) -> str:
        return f"{pair[0]:.2f} / {pair[1]:.2f}"

    for n, (size_mb, best, cpu, memory) in enumerate(rows):
        ingest, plain = memory["ingest"], memory["requests"]
        growth = ingest["rss_after"] - ingest["rss_before"]
        growth_plain = plain["rss_after"] - plain["rss_before"]
        lines.append(
            f"| {size_mb} MB | {size_mb / best['requests']:.0f} | {size_mb / best['copy']:.0f} "
            f"| {size_mb / best['sha256']:.0f} "
            f"| {size_mb / best['requests+sha256']:.0f} | {size_mb / best['ingest']:.0f} "
            f"| {speed[n]:.2f} | {best['inspection'] * 1000:.0f} ms | {streaming[n]:.2f} "
            f"| {ceiling[n]:.2f} | {bound[n]:.2f} | {cpu_cell(cpu['requests'])} "
            f"| {cpu_cell(cpu['copy'])} | {cpu_cell(cpu['streaming'])} "
            f"| {ingest['rss_after'] / MB:.1f} MB "
            f"| {growth / MB:.1f} MB | {memory_ratios[n]:.4f} | {ingest['traced'] / MB:.2f} MB "
            f"| {growth_plain / MB:.1f} MB |"
        )
    if not all(memory["ingest"]["reset"] for _, _, _, memory in rows):
        lines += ["", "(peak RSS could not be reset here: growth includes import-time peaks)"]
    sizes = " and ".join(f"{size} MB" for size, _, _, _ in rows)
    lines += [
        "",
        f"Machine load average (1 minute) at the end: {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} cores (the hash overlaps the copy only on a core nothing else wants).",
    ]
    lines += [
        "",
        f"throughput ratio ingest / requests: {', '.join(f'{r:.2f}' for r in speed)} "
        f"({sizes}; 1.00 = as fast as a plain copy)",
        "",
        f"streaming ratio (ingest without the inspection) / requests: "
        f"{', '.join(f'{r:.2f}' for r in streaming)} ({sizes}; goal ≥ 0.80)",
        "",
        f"ceiling: sha256 alone on one core / requests: {', '.join(f'{r:.2f}' for r in ceiling)} "
        f"(no copy that hashes every byte can pass it; streaming / ceiling: "
        f"{', '.join(f'{r / c:.2f}' for r, c in zip(streaming, ceiling, strict=True))})",
        "",
        f"bound: the fastest hashed copy these cores allow / requests: "
        f"{', '.join(f'{r:.2f}' for r in bound)} (streaming / bound: "
        f"{', '.join(f'{r / b:.2f}' for r, b in zip(streaming, bound, strict=True))})",
        "",
        f"memory ratio peak RSS growth / file size: "
        f"{', '.join(f'{r:.4f}' for r in memory_ratios)} "
        "(flat: the growth stays the same while the file grows tenfold)",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
