"""Compose's topology running on this machine: start it in compose's order, stop all of it.

``with Cluster(options) as cluster:`` creates the backing services (a fresh PostgreSQL
database, claimed Redis databases, moto's S3 server and the bucket), runs the image's build
steps, then every app service of ``docker-compose.yml`` as native processes (the one-off
``migrate`` to completion; ``web`` and ``worker`` instances until it leaves). Leaving the
block, even by Ctrl-C or an error, stops every process group it started, drops the
database, flushes the Redis databases and deletes the run's folder.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import redis
from rq import Queue, Worker
from rq.job import Job

from tests.support.cluster.backing import (
    FreshDatabase,
    MotoServer,
    RedisDatabases,
    bucket_create,
    s3_client,
)
from tests.support.cluster.topology import (
    IMAGE_PATHS,
    Endpoints,
    NativeProcess,
    bucket_name,
    build_steps,
    image_env,
    load_compose,
    native_plan,
    redis_db_numbers,
)
from tests.support.processes import ROOT, answers, free_port, stop_process_group, wait_for

ADVANCE_TASK = "videos.jobs.machine.video_job_advance_task"
ADMIN_USERNAME = "cluster-admin"
_START_SECONDS = 120


class ClusterFailed(RuntimeError):
    """A service of the topology did not start (its log's tail is in the message)."""


@dataclass(frozen=True)
class ClusterOptions:
    webs: int = 2
    workers: int = 2
    # How long a job may go untouched before a supervisor re-enqueues it (compose: 5 min).
    stale_seconds: int = 20
    # The anonymous dream-write budget the shared-throttle proof spends (compose: 1000/hour).
    anon_write_budget: int = 5


def run_variables(*, web_origins: list[str]) -> dict[str, str]:
    """What the run puts in compose's ``.env``: the only values interpolation reads."""
    return {
        "SECRET_KEY": secrets.token_urlsafe(50),  # per run, never written anywhere
        "CSRF_TRUSTED_ORIGINS": ",".join(web_origins),
        "VIDEO_PROVIDER": "demo",
        "RUNWAYML_API_SECRET": "",
        "DJANGO_SUPERUSER_USERNAME": ADMIN_USERNAME,
        "DJANGO_SUPERUSER_PASSWORD": secrets.token_urlsafe(18),
        "DJANGO_SUPERUSER_EMAIL": "",
    }


def run_tuning(options: ClusterOptions) -> dict[str, str]:
    """Variables compose leaves at their defaults that the run sets, and why."""
    return {
        # One driver address plays every user: the per-account video budget would stop it.
        "VIDEO_GENERATION_RATE": "100000/hour",
        # The shared-throttle proof spends this small anonymous budget through web A.
        "ANON_DREAM_WRITE_RATE": f"{options.anon_write_budget}/hour",
        # The killed worker's job is re-enqueued within seconds instead of minutes.
        "VIDEO_JOB_STALE_SECONDS": str(options.stale_seconds),
        # The storage proof counts originals and thumbnails; renditions made after a job
        # succeeded would still be in flight when it looks (tests/videos/renditions/).
        "VIDEO_RENDITIONS": "false",
    }


def base_env() -> dict[str, str]:
    """A container's bare environment: our venv's programs first on PATH, the locale, the temp
    folder; no other variable of this shell leaks in (a run is the same on every machine)."""
    env = {"PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '/usr/bin:/bin')}"}
    for key in ("HOME", "LANG", "LC_ALL", "TZ", "TMPDIR"):
        if key in os.environ:
            env[key] = os.environ[key]
    return env


@dataclass
class Running:
    """A started instance: its spec, process (own process group) and log."""

    spec: NativeProcess
    process: subprocess.Popen
    log: Path
    rq_names: set[str] = field(default_factory=set)  # a worker's names in RQ

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.spec.port}"


@dataclass(frozen=True)
class RqRun:
    """One execution of a job step by an RQ worker."""

    video_job_id: str
    worker: str
    started_at: datetime | None
    ended_at: datetime | None


class Cluster:
    """Compose's topology run natively for one run; a context manager that cleans up."""

    def __init__(self, options: ClusterOptions | None = None) -> None:
        self.options = options or ClusterOptions()
        self.compose = load_compose()
        self.workdir = Path(tempfile.mkdtemp(prefix="dreamjourney-cluster-"))
        self.logs = self.workdir / "logs"
        self.logs.mkdir()
        self.database = FreshDatabase()
        self.redis = RedisDatabases()
        self.s3 = MotoServer(self.logs / "s3.log")
        self.running: list[Running] = []
        self.teardown: dict[str, bool] = {}
        self.keep_logs = False
        self._stack = ExitStack()

    # --- starting ---------------------------------------------------------------------

    def __enter__(self) -> Cluster:
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _start(self) -> None:
        self.database.create()
        self._stack.callback(self._drop_database)
        compose_dbs = redis_db_numbers(self.compose)
        claimed = self.redis.claim(len(compose_dbs))
        self._stack.callback(self._flush_redis)
        self.s3.start()
        self._stack.callback(self.s3.stop)
        ports = {"web": [free_port() for _ in range(self.options.webs)]}
        self.variables = run_variables(web_origins=[f"http://127.0.0.1:{p}" for p in ports["web"]])
        endpoints = Endpoints(
            database_url=self.database.url,
            redis_origin=self.redis.origin,
            redis_dbs=dict(zip(compose_dbs, claimed, strict=True)),
            s3_origin=self.s3.origin,
        )
        self.plan = native_plan(
            self.compose,
            variables=self.variables,
            endpoints=endpoints,
            replicas={"web": self.options.webs, "worker": self.options.workers},
            ports=ports,
            workdir=self.workdir,
            tuning=run_tuning(self.options),
            base_env=base_env(),
        )
        app = self.plan[0].env
        self.bucket = bucket_name(self.compose, self.variables)
        self.s3_client = s3_client(
            self.s3.origin,
            key=app["S3_ACCESS_KEY_ID"],
            secret=app["S3_SECRET_ACCESS_KEY"],
            region=app["S3_REGION"],
        )
        bucket_create(self.s3_client, self.bucket)
        self.queue_redis = redis.Redis.from_url(app["REDIS_URL"])
        self.cache_redis = redis.Redis.from_url(app["CACHE_URL"].replace("rediscache", "redis"))
        self._build(app)
        # Like compose: a one-off step waits for what started before it; the long-running
        # instances after it start together and are waited for together.
        starting: list[Running] = []
        for spec in self.plan:
            if spec.once:
                self._wait_ready(starting)
                self._run_once(spec)
            else:
                starting.append(self._start_service(spec))
        self._wait_ready(starting)

    def _build(self, app: dict[str, str]) -> None:
        """The image's build steps (collectstatic) into the run's image folder."""
        env = {
            **base_env(),
            **image_env(),
            **{key: str(self.workdir / "image" / sub) for key, sub in IMAGE_PATHS.items()},
            "SECRET_KEY": app["SECRET_KEY"],  # else settings would write a key into the checkout
        }
        for number, step in enumerate(build_steps()):
            spec = NativeProcess(service="build", name=f"build-{number + 1}", command=[], env=env)
            self._run_once(spec, command=["sh", "-c", step])

    def _popen(self, spec: NativeProcess, command: list[str], log: Path) -> subprocess.Popen:
        for folder in spec.dirs:
            folder.mkdir(parents=True, exist_ok=True)
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env=spec.env,
            stdout=log.open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def _run_once(self, spec: NativeProcess, command: list[str] | None = None) -> None:
        log = self.logs / f"{spec.name}.log"
        process = self._popen(spec, command or spec.command, log)
        try:
            code = process.wait(timeout=_START_SECONDS)
        except subprocess.TimeoutExpired:
            stop_process_group(process, sig=signal.SIGKILL)
            code = None
        if code != 0:
            raise ClusterFailed(f"{spec.name} ended with {code}:\n{_tail(log)}")

    def _start_service(self, spec: NativeProcess) -> Running:
        log = self.logs / f"{spec.name}.log"
        running = Running(spec, self._popen(spec, spec.command, log), log)
        self.running.append(running)
        self._stack.callback(_stop_container, running.process)
        return running

    def _wait_ready(self, starting: list[Running]) -> None:
        """Wait until each instance answers its health check (a worker: is listed by RQ)."""

        def ready(running: Running) -> bool:
            if running.process.poll() is not None:
                raise ClusterFailed(f"{running.spec.name} exited at start:\n{_tail(running.log)}")
            if running.spec.health_path:
                return answers(running.url + running.spec.health_path)
            return bool(self._rq_names_of(running))

        wait_for(lambda: all(ready(r) for r in starting), timeout=_START_SECONDS, interval=0.2)
        starting.clear()

    # --- what is running ---------------------------------------------------------------

    def instances(self, service: str) -> list[Running]:
        return [r for r in self.running if r.spec.service == service]

    @property
    def webs(self) -> list[Running]:
        return self.instances("web")

    @property
    def workers(self) -> list[Running]:
        return self.instances("worker")

    def _rq_names_of(self, running: Running) -> set[str]:
        """The RQ worker names whose process is in this instance's process group."""
        for worker in Worker.all(connection=self.queue_redis):
            with contextlib.suppress(ProcessLookupError, TypeError):
                if os.getpgid(worker.pid) == running.process.pid:
                    running.rq_names.add(worker.name)
        return running.rq_names

    def worker_label(self, rq_name: str) -> str:
        for running in self.workers:
            if rq_name in running.rq_names or rq_name in self._rq_names_of(running):
                return running.spec.name
        return f"unknown ({rq_name})"

    def running_step(self, running: Running) -> str | None:
        """The video job whose step this worker is executing right now, if any."""
        self._rq_names_of(running)
        started = Queue("default", connection=self.queue_redis).started_job_registry
        ids = [entry.split(":", 1)[0] for entry in started.get_job_ids(cleanup=False)]
        for job in Job.fetch_many(ids, connection=self.queue_redis):
            if _is_step(job) and job.worker_name in running.rq_names:
                return str(job.args[0])
        return None

    def steps_done(self, running: Running) -> int:
        """How many job steps this worker has finished (RQ's count of its successes)."""
        workers = (
            Worker.find_by_key(Worker.redis_worker_namespace_prefix + name, self.queue_redis)
            for name in self._rq_names_of(running)
        )
        return sum(worker.successful_job_count for worker in workers if worker is not None)

    def finished_steps(self) -> list[RqRun]:
        """Every job step RQ finished, with the worker that ran it."""
        finished = Queue("default", connection=self.queue_redis).finished_job_registry
        runs = []
        for job in Job.fetch_many(finished.get_job_ids(cleanup=False), connection=self.queue_redis):
            if _is_step(job):
                runs.append(RqRun(str(job.args[0]), job.worker_name, job.started_at, job.ended_at))
        return runs

    def kill(self, running: Running) -> None:
        """SIGKILL every process of the instance (supervisor, worker, work horse), as a
        container's kill does."""
        self._rq_names_of(running)
        _stop_container(running.process, sig=signal.SIGKILL)

    # --- stopping ------------------------------------------------------------------------

    def close(self) -> None:
        """Stop everything started, in reverse order; record what was cleaned up.

        A second Ctrl-C while it cleans up is ignored, so the clean-up always finishes."""
        in_main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if in_main else None
        try:
            self._stack.close()
        finally:
            if in_main:
                signal.signal(signal.SIGINT, previous)
            self.teardown["processes stopped"] = not any(
                _session(r.process.pid) for r in self.running
            ) and (self.s3.process is None or self.s3.process.poll() is not None)
            if not self.keep_logs:
                shutil.rmtree(self.workdir, ignore_errors=True)
                self.teardown["run folder removed"] = not self.workdir.exists()

    def _drop_database(self) -> None:
        self.teardown["database dropped"] = self.database.drop()

    def _flush_redis(self) -> None:
        self.teardown["Redis databases flushed"] = self.redis.release()


def _is_step(job: Job | None) -> bool:
    """Is this RQ job a step of a video job (``video_job_advance_task(job_id)``)?"""
    return job is not None and job.func_name == ADVANCE_TASK and bool(job.args)


def _session(leader: int) -> list[int]:
    """Every live process of the session ``leader`` started: an instance's processes, as a
    container's are (RQ's work horse leaves its process group, never the session)."""
    members = []
    for entry in os.scandir("/proc"):  # Linux, as the machines this runs on
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if os.getsid(int(entry.name)) == leader and not _zombie(entry.path):
                    members.append(int(entry.name))
    return members


def _zombie(proc_dir: str) -> bool:
    with open(f"{proc_dir}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0] == "Z"


def _stop_container(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    """Signal an instance's process group, then SIGKILL whatever is left of its session."""
    stop_process_group(process, sig=sig)
    for pid in _session(process.pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    wait_for(lambda: not _session(process.pid), timeout=10)


def _tail(log: Path, lines: int = 30) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    return "(no log)"
