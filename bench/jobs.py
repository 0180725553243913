"""Benchmark video jobs: 200 generations against a fake RunwayML, with 1 and 2 workers.

Run: ``.venv/bin/python bench/jobs.py`` (about 1.5 min). Needs PostgreSQL on
127.0.0.1:5432 (user ``postgres``, trust auth). Loopback only.

What it does:

* recreates the database ``dreamjourney_bench_jobs`` and migrates it;
* starts a fake RunwayML (a threaded ``http.server`` on 127.0.0.1) that speaks the real
  wire format: ``POST /v1/text_to_video`` answers a task id; ``GET /v1/tasks/{id}``
  answers PENDING, then RUNNING with progress, until 10 s after the task was created,
  then SUCCEEDED with an output URL it serves itself: a small real MP4 made with
  ``videos.media.write_mp4``, made unique per task with an ISO-BMFF ``free`` box so every
  job stores, probes and thumbnails its own asset (no deduplication shortcut);
* for 1 and then 2 ``manage.py db_worker --no-reload --interval 0.1`` processes, with
  ``VIDEO_PROVIDER=runway``, ``VIDEO_POLL_SECONDS=5`` and ``VIDEO_MAX_JOBS_IN_FLIGHT=1000``:
  submits 200 generation jobs (the service the API calls; enqueued on commit) and waits
  until all have succeeded;
* reports the wall time from the first submission to the last success against the
  ideal of 10 s (what the provider takes), and each job's time to success (p50/p95/max).

Polling every 5 s (RunwayML's documented minimum) means a job is seen finished up to
5 s after the provider finished: 10-15 s per job is the best any number of workers gets.

Writes ``bench/out/jobs.json`` and prints a markdown table.
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import numpy as np
import psycopg

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

PG = "postgres://postgres@127.0.0.1:5432"
DATABASE = "dreamjourney_bench_jobs"
N_JOBS = 200
PROVIDER_SECONDS = 10.0
POLL_SECONDS = 5
DEADLINE_SECONDS = 240


# --- The fake RunwayML ----------------------------------------------------------------------


class FakeRunway(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, mp4: bytes) -> None:
        super().__init__(("127.0.0.1", 0), RunwayHandler)
        self.mp4 = mp4
        self.tasks: dict[str, float] = {}
        self.counts = {"create": 0, "poll": 0, "download": 0}
        self.lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def count(self, kind: str) -> None:
        with self.lock:
            self.counts[kind] += 1


class RunwayHandler(http.server.BaseHTTPRequestHandler):
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
        if self.path.startswith("/output/"):
            return self._output(self.path.removeprefix("/output/").removesuffix(".mp4"))
        task_id = self.path.removeprefix("/v1/tasks/")
        created = self.server.tasks.get(task_id)
        if not self.path.startswith("/v1/tasks/") or created is None:
            return self._json(404, {"error": "Task not found"})
        self.server.count("poll")
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


# --- Database and workers ---------------------------------------------------------------------


def recreate_database(env: dict) -> None:
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def start_workers(count: int, env: dict, log: Path) -> list[subprocess.Popen]:
    with log.open("ab") as sink:
        return [
            subprocess.Popen(
                [
                    sys.executable,
                    "manage.py",
                    "db_worker",
                    "--no-reload",
                    "--interval",
                    "0.1",
                    "--worker-id",
                    f"bench-{count}-{n}",
                ],
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


def reset() -> None:
    """Empty the job tables between runs, so each run starts from nothing."""
    from django_tasks_db.models import DBTaskResult

    from dreams.models import Dream
    from videos.models import VideoAsset, VideoJob

    VideoJob.objects.all().delete()
    Dream.objects.all().delete()
    VideoAsset.objects.all().delete()
    DBTaskResult.objects.all().delete()


def run(workers_count: int, *, env: dict, log: Path, user) -> dict:
    from django.db import connection, transaction

    from common.owners import Owner
    from videos.jobs.submission import video_job_submit_generation
    from videos.models import JobStatus, VideoJob

    reset()
    workers = start_workers(workers_count, env, log)
    try:
        time.sleep(3)  # let the workers import Django and start polling the queue
        owner = Owner(user=user)
        submitted_at = time.monotonic()
        for n in range(N_JOBS):
            with transaction.atomic():
                video_job_submit_generation(
                    owner=owner, prompt=f"Dream {n}: a lighthouse over a glass sea", duration=4
                )
        submit_seconds = time.monotonic() - submitted_at
        deadline = submitted_at + DEADLINE_SECONDS
        while True:
            done = VideoJob.objects.filter(status__in=[JobStatus.SUCCEEDED, JobStatus.FAILED])
            if done.count() == N_JOBS or time.monotonic() > deadline:
                break
            for worker in workers:
                if worker.poll() is not None:
                    raise RuntimeError(f"a worker exited with {worker.returncode}; see {log}")
            time.sleep(0.25)
        connection.close()
    finally:
        stop_workers(workers)

    jobs = list(VideoJob.objects.values("status", "created_at", "finished_at", "attempts"))
    succeeded = [j for j in jobs if j["status"] == JobStatus.SUCCEEDED]
    first = min(j["created_at"] for j in jobs)
    last = max((j["finished_at"] for j in succeeded), default=first)
    per_job = sorted((j["finished_at"] - j["created_at"]).total_seconds() for j in succeeded)
    return {
        "workers": workers_count,
        "jobs": N_JOBS,
        "succeeded": len(succeeded),
        "failed": sum(j["status"] == JobStatus.FAILED for j in jobs),
        "submit_seconds": submit_seconds,
        "wall_seconds": (last - first).total_seconds(),
        "job_p50_seconds": statistics.median(per_job) if per_job else None,
        "job_p95_seconds": per_job[int(0.95 * (len(per_job) - 1))] if per_job else None,
        "job_max_seconds": per_job[-1] if per_job else None,
        "retries": sum(j["attempts"] for j in jobs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", default="1,2", help="worker counts to run, e.g. 1,2")
    args = parser.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="bench-jobs-"))
    log = OUT / "jobs-workers.log"
    log.write_text("")
    server = FakeRunway(make_output_mp4(scratch / "output.mp4"))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_SETTINGS_MODULE"}}
    env |= {
        "DATABASE_URL": f"{PG}/{DATABASE}",
        "DEBUG": "false",
        "SECRET_KEY": "bench-" + "x" * 50,
        "LOG_LEVEL": "WARNING",
        "VIDEO_PROVIDER": "runway",
        "RUNWAYML_API_SECRET": "x",
        "RUNWAYML_BASE_URL": server.base_url,
        "VIDEO_INGEST_ALLOW_HTTP": "true",
        "VIDEO_INGEST_ALLOWED_ADDRESSES": "127.0.0.1",
        "VIDEO_MAX_JOBS_IN_FLIGHT": "1000",
        "VIDEO_POLL_SECONDS": str(POLL_SECONDS),
        "VIDEO_FALLBACK_TO_DEMO": "false",
        "MEDIA_ROOT": str(scratch / "media"),
        "VIDEO_DEMO_WORKDIR": str(scratch / "demo"),
        "EMERGENCY_JOURNAL_PATH": str(scratch / "emergency.sqlite3"),
        "EMERGENCY_AUTO_REPLAY": "false",
    }
    recreate_database(env)
    # This process submits the jobs (the service the API calls): same settings as the workers.
    os.environ.update(env, DJANGO_SETTINGS_MODULE="dreamjourney.settings")
    import django

    django.setup()

    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(username="bench-jobs")
    runs = []
    try:
        for count in (int(c) for c in args.workers.split(",")):
            result = run(count, env=env, log=log, user=user)
            runs.append(result)
            print(
                f"{count} worker(s): {result['succeeded']}/{N_JOBS} succeeded in "
                f"{result['wall_seconds']:.1f} s (ideal {PROVIDER_SECONDS:.0f} s); "
                f"per job p50 {result['job_p50_seconds']:.1f} s, "
                f"p95 {result['job_p95_seconds']:.1f} s",
                flush=True,
            )
    finally:
        server.shutdown()
        shutil.rmtree(scratch, ignore_errors=True)

    report = {
        "jobs": N_JOBS,
        "provider_seconds": PROVIDER_SECONDS,
        "poll_seconds": POLL_SECONDS,
        "runs": runs,
        "provider_requests": server.counts,
    }
    (OUT / "jobs.json").write_text(json.dumps(report, indent=2))
    print()
    print(markdown(report))


def markdown(report: dict) -> str:
    lines = [
        "| db_workers | succeeded | wall time, first submit to last success | × ideal (10 s) "
        "| per job p50 / p95 / max | submitting 200 took |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report["runs"]:
        lines.append(
            f"| {r['workers']} | {r['succeeded']}/{r['jobs']} | {r['wall_seconds']:.1f} s "
            f"| {r['wall_seconds'] / report['provider_seconds']:.2f} "
            f"| {r['job_p50_seconds']:.1f} / {r['job_p95_seconds']:.1f} / "
            f"{r['job_max_seconds']:.1f} s | {r['submit_seconds']:.1f} s |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
