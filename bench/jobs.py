"""Benchmark video jobs against a fake RunwayML: 200 with 1 and 2 workers, 1,000 on one.

Run: ``.venv/bin/python bench/jobs.py`` (about 2 min). Needs PostgreSQL on
127.0.0.1:5432 (user ``postgres``, trust auth). Loopback only. Writes its section of
``bench/RESULTS.md`` (``--no-write``: print only) and ``bench/out/jobs.json``.

What it does:

* recreates the database ``dreamjourney_bench_jobs`` (``--database``) and migrates it;
* starts a fake RunwayML (a threaded ``http.server`` on 127.0.0.1, keep-alive, in a
  process of its own: remote, it would share no interpreter with the bench) that
  speaks the real wire format: ``POST /v1/text_to_video`` answers a task id;
  ``GET /v1/tasks/{id}`` answers PENDING, then RUNNING with progress, until 10 s after
  the task was created, then SUCCEEDED with an output URL it serves itself: a small real
  MP4 made with ``videos.media.write_mp4``, made unique per task with an ISO-BMFF
  ``free`` box so every job stores, probes and thumbnails its own asset (no
  deduplication shortcut);
* for each scenario (``--scenarios``, e.g. ``200x2`` = 200 jobs on 2 workers, ``1000x1@50``
  = 1,000 jobs on 1 worker, submitted at 50 a second): starts the worker processes (the
  command ``make run`` supervises, with ``VIDEO_PROVIDER=runway``,
  ``VIDEO_POLL_SECONDS=5`` and ``VIDEO_MAX_JOBS_IN_FLIGHT`` above the job count), submits
  the jobs (the service the API calls; enqueued on commit), either as fast as one loop
  can or at the given rate, and waits until all have finished, or the scenario's hard
  time limit;
* reports each job's time from its submission to its success (p50/p95/max) against the
  goal of 1.3 × (10 s + one poll interval), the wall time from the first submission to
  the last success, where the time went (submit lag: created → provider task started;
  collect: the poll that saw SUCCEEDED → stored), the fake RunwayML's request counts, and
  the worker's CPU: user + system seconds of the worker process over the wall time
  (from ``/proc/<pid>/stat``), and the same including its children (the video sandbox
  server and the children it forks, one per video);
* measures the whole machine's CPU over the same window (every core's busy time from
  ``/proc/stat``: the worker, PostgreSQL, the fake RunwayML, the submitting loop), per
  job, and turns the busiest steady run's figure into a capacity (cores ÷ CPU per job);
  counts the background tasks still waiting at the end (renditions, which the worker
  puts off while job steps are due) without waiting for them.

Polling every 5 s (RunwayML's documented minimum) means a job is seen finished up to
5 s after the provider finished: 10-15 s per job is the best any number of workers gets.
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import psycopg

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from sections import write_section  # noqa: E402 - bench/ is on the path, run or imported

PG = "postgres://postgres@127.0.0.1:5432"
DATABASE = "dreamjourney_bench_jobs"
PROVIDER_SECONDS = 10.0
#: The fake RunwayML answers its request counts here (the bench asks, between scenarios).
COUNTS_PATH = "/_bench/counts"
POLL_SECONDS = 5
#: The goal (issue 13): p95 from submission to success within this many seconds.
GOAL_SECONDS = 1.3 * (PROVIDER_SECONDS + POLL_SECONDS)
DEFAULT_SCENARIOS = "200x1,200x2,1000x1@10,1000x1@20,1000x1"
#: The worker ``make run`` supervises (``manage.py supervise_worker``'s default).
DEFAULT_WORKER = "task_worker --interval 0.5"
HEADING = "## Video jobs (`bench/jobs.py`)"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# --- The fake RunwayML ----------------------------------------------------------------------


class FakeRunway(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, mp4: bytes) -> None:
        super().__init__(("127.0.0.1", 0), RunwayHandler)
        self.mp4 = mp4
        self.tasks: dict[str, float] = {}
        self.counts = {"create": 0, "poll": 0, "download": 0}
        # RunwayML asks for 5 s between polls of a task: the shortest gap seen proves it.
        self.last_poll: dict[str, float] = {}
        self.min_poll_gap = float("inf")
        self.lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def count(self, kind: str) -> None:
        with self.lock:
            self.counts[kind] += 1

    def polled(self, task_id: str) -> None:
        now = time.monotonic()
        with self.lock:
            if (last := self.last_poll.get(task_id)) is not None:
                self.min_poll_gap = min(self.min_poll_gap, now - last)
            self.last_poll[task_id] = now

    def take_counts(self) -> dict[str, float]:
        with self.lock:
            counts, self.counts = self.counts, dict.fromkeys(self.counts, 0)
            gap, self.min_poll_gap = self.min_poll_gap, float("inf")
        return counts | {"min_poll_gap_seconds": gap}


class RunwayHandler(http.server.BaseHTTPRequestHandler):
    # Keep-alive, as RunwayML's API is: the worker's session reuses one connection.
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: Nagle would hold the body back ~40 ms.
    disable_nagle_algorithm = True
    server: FakeRunway

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _json(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path != "/v1/text_to_video":
            return self._json(404, {"error": "Not found"})
        if not self.headers.get("Authorization", "").startswith("Bearer "):
            return self._json(401, {"error": "Missing API key"})
        task_id = str(uuid.uuid4())
        with self.server.lock:
            self.server.tasks[task_id] = time.monotonic()
        self.server.count("create")
        return self._json(200, {"id": task_id})

    def do_GET(self) -> None:
        if self.path == COUNTS_PATH:  # the bench's own question (the counts since the last)
            return self._json(200, self.server.take_counts())
        if self.path.startswith("/output/"):
            return self._output(self.path.removeprefix("/output/").removesuffix(".mp4"))
        task_id = self.path.removeprefix("/v1/tasks/")
        created = self.server.tasks.get(task_id)
        if not self.path.startswith("/v1/tasks/") or created is None:
            return self._json(404, {"error": "Task not found"})
        self.server.count("poll")
        self.server.polled(task_id)
        age = time.monotonic() - created
        body: dict = {"id": task_id, "createdAt": "2026-11-25T10:00:00.000Z"}
        if age < 2:
            body["status"] = "PENDING"
        elif age < PROVIDER_SECONDS:
            body |= {"status": "RUNNING", "progress": round(age / PROVIDER_SECONDS, 2)}
        else:
            body |= {
                "status": "SUCCEEDED",
                "output": [f"{self.server.base_url}/output/{task_id}.mp4"],
            }
        return self._json(200, body)

    def do_DELETE(self) -> None:
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _output(self, task_id: str) -> None:
        if task_id not in self.server.tasks:
            return self._json(404, {"error": "Not found"})
        self.server.count("download")
        # A free box makes each output's bytes (and so its sha256) unique, still a valid MP4.
        pad = task_id.encode()
        data = self.server.mp4 + (8 + len(pad)).to_bytes(4, "big") + b"free" + pad
        self.send_response(200)
        self.send_header("Content-Type", "video/mp4")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def make_output_mp4(path: Path) -> bytes:
    """A 4-second 640x360 H.264 clip, like a small generated video."""
    from videos.media import write_mp4

    width, height, frames = 640, 360, 96
    ramp = np.linspace(0, 255, width, dtype=np.uint8)

    def gen():
        for index in range(frames):
            frame = np.zeros((height, width, 3), dtype=np.uint8)
            frame[..., 0] = np.roll(ramp, index * 4)
            frame[..., 2] = 255 - frame[..., 0]
            yield frame

    write_mp4(path, gen(), width=width, height=height)
    return path.read_bytes()


class RunwayProcess:
    """The fake RunwayML in a process of its own (``jobs.py --serve-runway MP4``).

    In the bench's process it would share a GIL with the loop that submits the jobs, and
    every answer to the worker would wait its turn behind that loop: a lag the real,
    remote RunwayML does not add. It still shares the machine's two cores, as the worker,
    PostgreSQL and the submitting loop do.
    """

    def __init__(self, mp4: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve-runway", str(mp4)],
            stdout=subprocess.PIPE,
            text=True,
        )
        self.base_url = self.process.stdout.readline().strip()
        if not self.base_url.startswith("http://127.0.0.1:"):
            self.shutdown()
            raise RuntimeError("the fake RunwayML did not start")

    def take_counts(self) -> dict[str, float]:
        """Its request counts and shortest poll gap since the last call (then reset)."""
        with urllib.request.urlopen(self.base_url + COUNTS_PATH, timeout=10) as response:
            return json.loads(response.read())

    def shutdown(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def serve_runway(mp4: Path) -> None:
    """``--serve-runway``: serve the fake RunwayML until terminated; print its URL first."""
    server = FakeRunway(mp4.read_bytes())
    print(server.base_url, flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server.serve_forever()


# --- Scenarios, workers and their CPU -----------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    jobs: int
    workers: int
    rate: float | None  # submissions per second; None: as fast as one loop submits

    @classmethod
    def parse(cls, text: str) -> Scenario:
        match = re.fullmatch(r"(\d+)x(\d+)(?:@(\d+(?:\.\d+)?))?", text.strip())
        if not match:
            raise argparse.ArgumentTypeError(f"not a scenario (JOBSxWORKERS[@RATE]): {text!r}")
        jobs, workers, rate = match.groups()
        return cls(int(jobs), int(workers), float(rate) if rate else None)

    @property
    def deadline_seconds(self) -> float:
        """A hard limit: the arrivals, then 90 s, beyond which the scenario has failed."""
        arrivals = self.jobs / self.rate if self.rate else self.jobs * 0.02
        return arrivals + 90.0


def recreate_database(env: dict, database: str) -> None:
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def start_workers(
    count: int, command: list[str], env: dict, log: Path, tag: str
) -> list[subprocess.Popen]:
    with log.open("ab") as sink:
        return [
            subprocess.Popen(
                [sys.executable, "manage.py", *command, "--worker-id", f"bench-{tag}-{n}"],
                cwd=ROOT,
                env=env,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
            for n in range(count)
        ]


def stop_workers(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()  # fields from 3 (state) on; comm may hold spaces


def cpu_seconds(pid: int) -> tuple[float, float]:
    """(own user+system, reaped children's user+system) seconds of ``pid``."""
    fields = _stat(pid)
    if fields is None:
        return 0.0, 0.0
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return (utime + stime) / CLOCK_TICKS, (cutime + cstime) / CLOCK_TICKS


def descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` (the sandbox servers and their children)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))):
            parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def cpu_sample(pids: list[int]) -> dict[str, float]:
    """CPU seconds so far of the workers alone, and with every child they had or have."""
    own = total = 0.0
    for pid in pids:
        mine, reaped = cpu_seconds(pid)
        own += mine
        total += mine + reaped
        for child in descendants(pid):
            child_own, child_reaped = cpu_seconds(child)
            total += child_own + child_reaped
    return {"own": own, "total": total}


def machine_busy_seconds() -> float:
    """CPU seconds every core of the machine spent working so far (``/proc/stat``).

    user + nice + system + irq + softirq: the worker, its sandbox and renditions, PostgreSQL,
    the fake RunwayML and this process submitting, all alike. Idle, I/O wait and steal (time
    the hypervisor gave to someone else) are left out.
    """
    with open("/proc/stat") as stat:
        fields = [int(x) for x in stat.readline().split()[1:8]]
    user, nice, system, _idle, _iowait, irq, softirq = fields
    return (user + nice + system + irq + softirq) / CLOCK_TICKS


def reset() -> None:
    """Empty the job tables between runs, so each run starts from nothing."""
    from django_tasks_db.models import DBTaskResult

    from dreams.models import Dream
    from videos.models import VideoAsset, VideoJob

    VideoJob.objects.all().delete()
    Dream.objects.all().delete()
    VideoAsset.objects.all().delete()
    DBTaskResult.objects.all().delete()


def _percentile(values: list[float], share: float) -> float | None:
    return values[int(share * (len(values) - 1))] if values else None


def _seconds(values) -> list[float]:
    return sorted(v.total_seconds() for v in values)


def run(scenario: Scenario, *, command: list[str], env: dict, log: Path, user, server) -> dict:
    from django.db import connection, transaction
    from django.tasks import TaskResultStatus as ResultStatus
    from django_tasks_db.models import DBTaskResult

    from common.owners import Owner
    from videos.jobs.submission import video_job_submit_generation
    from videos.models import JobStatus, VideoJob

    reset()
    server.take_counts()
    tag = f"{scenario.jobs}x{scenario.workers}"
    workers = start_workers(scenario.workers, command, env, log, tag)
    pids = [w.pid for w in workers]
    timed_out = False
    try:
        time.sleep(3)  # let the workers import Django and start polling the queue
        owner = Owner(user=user)
        cpu_before = cpu_sample(pids)
        machine_before = machine_busy_seconds()
        submitted_at = time.monotonic()
        for n in range(scenario.jobs):
            if scenario.rate:
                # Arrivals at a steady rate, as many clients would make them.
                due = submitted_at + n / scenario.rate
                if (wait := due - time.monotonic()) > 0:
                    time.sleep(wait)
            with transaction.atomic():
                video_job_submit_generation(
                    owner=owner, prompt=f"Dream {n}: a lighthouse over a glass sea", duration=4
                )
        submit_seconds = time.monotonic() - submitted_at
        deadline = submitted_at + scenario.deadline_seconds
        final = [JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED]
        while VideoJob.objects.filter(status__in=final).count() < scenario.jobs:
            if time.monotonic() > deadline:
                timed_out = True
                break
            for worker in workers:
                if worker.poll() is not None:
                    raise RuntimeError(f"a worker exited with {worker.returncode}; see {log}")
            time.sleep(0.25)
        cpu_after = cpu_sample(pids)
        machine_after = machine_busy_seconds()
        cpu_wall = time.monotonic() - submitted_at
        # Work the worker put off until nothing else waits (renditions): not counted here
        # (bench/renditions.py measures what a rendition costs).
        deferred = DBTaskResult.objects.filter(
            status__in=[ResultStatus.READY, ResultStatus.RUNNING]
        ).count()
        load = os.getloadavg()[0]
        connection.close()
    finally:
        stop_workers(workers)

    jobs = list(
        VideoJob.objects.values(
            "status", "created_at", "submitted_at", "provider_finished_at", "finished_at"
        )
    )
    ok = [j for j in jobs if j["status"] == JobStatus.SUCCEEDED]
    first = min(j["created_at"] for j in jobs)
    last = max((j["finished_at"] for j in ok), default=first)
    per_job = _seconds(j["finished_at"] - j["created_at"] for j in ok)
    submit_lag = _seconds(j["submitted_at"] - j["created_at"] for j in ok)
    collect = _seconds(j["finished_at"] - j["provider_finished_at"] for j in ok)
    return {
        "scenario": tag + (f"@{scenario.rate:g}" if scenario.rate else ""),
        "workers": scenario.workers,
        "jobs": scenario.jobs,
        "rate": scenario.rate,
        "succeeded": len(ok),
        "failed": sum(j["status"] == JobStatus.FAILED for j in jobs),
        "timed_out": timed_out,
        "submit_seconds": submit_seconds,
        "wall_seconds": (last - first).total_seconds(),
        "job_p50_seconds": statistics.median(per_job) if per_job else None,
        "job_p95_seconds": _percentile(per_job, 0.95),
        "job_max_seconds": per_job[-1] if per_job else None,
        "submit_lag_p95_seconds": _percentile(submit_lag, 0.95),
        "collect_p50_seconds": statistics.median(collect) if collect else None,
        "collect_p95_seconds": _percentile(collect, 0.95),
        "cpu_wall_seconds": cpu_wall,
        "worker_cpu_seconds": cpu_after["own"] - cpu_before["own"],
        "worker_and_children_cpu_seconds": cpu_after["total"] - cpu_before["total"],
        "machine_cpu_seconds": machine_after - machine_before,
        "tasks_deferred": deferred,
        "provider_requests": server.take_counts(),
        # Other work on the machine competes for its cores; say how much there was.
        "load_average_1min": load,
    }


def _line(result: dict) -> str:
    cores = result["worker_cpu_seconds"] / result["cpu_wall_seconds"]
    return (
        f"{result['scenario']}: {result['succeeded']}/{result['jobs']} succeeded "
        f"(wall {result['wall_seconds']:.1f} s); per job p50 {result['job_p50_seconds']:.1f} s, "
        f"p95 {result['job_p95_seconds']:.1f} s (goal {GOAL_SECONDS:.1f} s); "
        f"worker {cores:.2f} cores"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scenarios",
        default=DEFAULT_SCENARIOS,
        help=f"JOBSxWORKERS[@RATE] runs, comma-separated (default {DEFAULT_SCENARIOS})",
    )
    parser.add_argument(
        "--worker", default=DEFAULT_WORKER, help=f"manage.py command (default {DEFAULT_WORKER!r})"
    )
    parser.add_argument("--database", default=DATABASE, help=f"PostgreSQL db (default {DATABASE})")
    parser.add_argument("--no-write", action="store_true", help="do not touch RESULTS.md")
    parser.add_argument("--serve-runway", metavar="MP4", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_runway:
        return serve_runway(args.serve_runway)
    scenarios = [Scenario.parse(s) for s in args.scenarios.split(",")]
    command = args.worker.split()

    OUT.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="bench-jobs-"))
    log = OUT / "jobs-workers.log"
    log.write_text("")
    make_output_mp4(scratch / "output.mp4")
    server = RunwayProcess(scratch / "output.mp4")
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_SETTINGS_MODULE"}}
    env |= {
        "DATABASE_URL": f"{PG}/{args.database}",
        # What compose sets on PostgreSQL: a worker keeps its connections between tasks.
        "CONN_MAX_AGE": "60",
        "DEBUG": "false",
        "SECRET_KEY": "bench-" + "x" * 50,
        "LOG_LEVEL": "WARNING",
        "VIDEO_PROVIDER": "runway",
        "RUNWAYML_API_SECRET": "x",
        "RUNWAYML_BASE_URL": server.base_url,
        "VIDEO_INGEST_ALLOW_HTTP": "true",
        "VIDEO_INGEST_ALLOWED_ADDRESSES": "127.0.0.1",
        "VIDEO_MAX_JOBS_IN_FLIGHT": str(max(s.jobs for s in scenarios) + 1),
        "VIDEO_POLL_SECONDS": str(POLL_SECONDS),
        "VIDEO_FALLBACK_TO_DEMO": "false",
        "MEDIA_ROOT": str(scratch / "media"),
        "VIDEO_DEMO_WORKDIR": str(scratch / "demo"),
        "EMERGENCY_JOURNAL_PATH": str(scratch / "emergency.sqlite3"),
        "EMERGENCY_AUTO_REPLAY": "false",
    }
    recreate_database(env, args.database)
    # This process submits the jobs (the service the API calls): same settings as the workers.
    os.environ.update(env, DJANGO_SETTINGS_MODULE="dreamjourney.settings")
    import django

    django.setup()

    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(username="bench-jobs")
    runs = []
    try:
        for scenario in scenarios:
            result = run(scenario, command=command, env=env, log=log, user=user, server=server)
            runs.append(result)
            print(_line(result), flush=True)
    finally:
        server.shutdown()
        shutil.rmtree(scratch, ignore_errors=True)

    report = {
        "provider_seconds": PROVIDER_SECONDS,
        "poll_seconds": POLL_SECONDS,
        "goal_seconds": GOAL_SECONDS,
        "worker_command": args.worker,
        "runs": runs,
    }
    (OUT / "jobs.json").write_text(json.dumps(report, indent=2))
    body = section(report)
    print()
    print(body)
    if not args.no_write:
        write_section("jobs", body, heading=HEADING)
        print("\nwrote the section into bench/RESULTS.md")


def markdown(report: dict) -> str:
    lines = [
        "| jobs × workers @ submissions/s | succeeded | per job p50 / p95 / max "
        "| p95 ≤ goal | wall, first submit to last success | submitting took "
        "| p95 submit lag / collect | worker CPU (alone / with sandbox) "
        "| CPU per job (worker / sandbox) | RunwayML create / poll / download "
        "| shortest gap between two polls of a task | machine: cores busy "
        "| machine CPU per job | tasks put off (renditions) | load average |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report["runs"]:
        wall = r["cpu_wall_seconds"]
        verdict = "yes" if r["job_p95_seconds"] <= report["goal_seconds"] else "**no**"
        if r["timed_out"]:
            verdict += " (timed out)"
        requests = r["provider_requests"]
        rate = f"{r['rate']:g}" if r["rate"] else "max"
        sandbox = r["worker_and_children_cpu_seconds"] - r["worker_cpu_seconds"]
        lines.append(
            f"| {r['jobs']} × {r['workers']} @ {rate} "
            f"| {r['succeeded']}/{r['jobs']} "
            f"| {r['job_p50_seconds']:.1f} / {r['job_p95_seconds']:.1f} / "
            f"{r['job_max_seconds']:.1f} s | {verdict} | {r['wall_seconds']:.1f} s "
            f"| {r['submit_seconds']:.1f} s "
            f"| {r['submit_lag_p95_seconds']:.2f} / {r['collect_p95_seconds']:.2f} s "
            f"| {r['worker_cpu_seconds'] / wall:.2f} / "
            f"{r['worker_and_children_cpu_seconds'] / wall:.2f} cores "
            f"| {1000 * r['worker_cpu_seconds'] / r['jobs']:.0f} / "
            f"{1000 * sandbox / r['jobs']:.0f} ms "
            f"| {requests['create']} / {requests['poll']} / {requests['download']} "
            f"| {requests['min_poll_gap_seconds']:.2f} s "
            f"| {r['machine_cpu_seconds'] / wall:.2f} "
            f"| {1000 * r['machine_cpu_seconds'] / r['jobs']:.0f} ms "
            f"| {r['tasks_deferred']} | {r['load_average_1min']:.1f} |"
        )
    return "\n".join(lines)


def section(report: dict) -> str:
    """This bench's section of RESULTS.md, heading included."""
    written = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return "\n".join(
        [
            HEADING,
            "",
            f"Written on {written} by `bench/jobs.py`. "
            f"Generation jobs against a fake RunwayML that finishes each task "
            f"{report['provider_seconds']:.0f} s after it was created; the worker polls every "
            f"{report['poll_seconds']} s, so one job takes 10-15 s at best. Goal: p95 from "
            f"submission to success ≤ 1.3 × (10 s + one poll interval) = "
            f"{report['goal_seconds']:.1f} s, one worker under one core. Worker: "
            f"`manage.py {report['worker_command']}` on PostgreSQL (`CONN_MAX_AGE=60`); "
            "`@ max`: submitted as fast as one loop can. *Submit lag*: submission to the "
            "provider's task; *collect*: the poll that saw it done to the video stored. CPU: "
            "user + system seconds ÷ wall seconds (from the first submission to the last "
            "success), the worker process alone and with its children (the video sandbox); "
            "per job, the same seconds ÷ jobs. "
            "Load average: the machine's 1-minute load at the end of the run (2 cores; above "
            "2, other work was queueing for them).",
            "",
            markdown(report),
            "",
            *capacity(report),
        ]
    )


def capacity(report: dict) -> list[str]:
    """How many jobs a second this machine can finish, from the busiest steady run."""
    steady = [r for r in report["runs"] if r["rate"] and r["succeeded"] == r["jobs"]]
    if not steady:
        return []
    run = max(steady, key=lambda r: (r["rate"], r["jobs"]))
    cores = os.cpu_count() or 1
    per_job = run["machine_cpu_seconds"] / run["jobs"]
    burst = 0.95 * run["jobs"] / (report["goal_seconds"] - report["provider_seconds"])
    return [
        f"Capacity, from {run['scenario']}: the machine spent {1000 * per_job:.0f} ms of CPU "
        "per job from the first submission to the last success (the worker, its sandbox, "
        "PostgreSQL, the fake RunwayML and the submitting loop), so its "
        f"{cores} cores finish at most **{cores / per_job:.1f} jobs a second**; a steady rate "
        "above that queues without end. Renditions are not in that figure: the worker puts "
        f"them off while job steps wait ({run['tasks_deferred']} at the end of that run) and "
        "makes them when the queue is quiet (`bench/renditions.py` measures their cost). "
        f"{run['jobs']:,} jobs submitted at once meet the goal only if 95% of them are stored "
        f"between the provider's {report['provider_seconds']:.0f} s and "
        f"{report['goal_seconds']:.1f} s: about {burst:.0f} jobs a second.",
        "",
    ]


if __name__ == "__main__":
    main()
