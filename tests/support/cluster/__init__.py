"""``make cluster``: docker-compose.yml's topology run natively, driven, proven, stopped.

``run_cluster`` starts what compose describes (two gunicorn webs, two supervised RQ
workers, PostgreSQL, Redis, S3) as native processes (``runtime``, translated from the
compose file by ``topology``), drives dreams with video through both webs (``drive``),
checks what must hold (``proofs``) and stops everything, whatever happens. Used by
``bench/cluster.py`` (full size) and ``tests/dreamjourney/test_cluster.py`` (small).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tests.support.cluster import proofs
from tests.support.cluster.drive import Web, drive, max_clients, percentile
from tests.support.cluster.proofs import JobRow, Proof
from tests.support.cluster.runtime import Cluster, ClusterOptions

__all__ = ["ClusterOptions", "Report", "RunSize", "run_cluster"]


@dataclass(frozen=True)
class RunSize:
    dreams: int = 200
    clients: int = 8  # concurrent users, each with one video in flight
    duration: int = 2  # seconds of video per dream
    kill_fraction: float = 1 / 3  # the second worker is killed once this share succeeded
    deadline_seconds: float = 600.0  # for the whole drive

    def __post_init__(self) -> None:
        if not 1 <= self.clients <= max_clients():
            raise ValueError(f"clients must be 1-{max_clients()} (accounts x in-flight cap)")


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    proofs: list[Proof] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.proofs) and all(p.passed for p in self.proofs)

    def text(self) -> str:
        verdict = "ALL PASS" if self.passed else "FAILED"
        return "\n".join([*self.lines, *(p.line() for p in self.proofs), verdict])


def run_cluster(
    size: RunSize | None = None,
    options: ClusterOptions | None = None,
    *,
    say: Callable[[str], None] = lambda _: None,
) -> Report:
    """Start the topology, drive it, prove what must hold, stop it; the report of it all.

    Whatever stops the run (``ClusterFailed`` with the failing service's log, a missing
    PostgreSQL or Redis as ``BackingUnavailable``, Ctrl-C) is raised once everything is
    stopped; an error while driving keeps the logs (its note says where), as a failed
    proof does (the report says where).
    """
    size = size or RunSize()
    report = Report()
    cluster = Cluster(options)
    try:
        with cluster:
            try:
                _drive_and_prove(cluster, size, report, say)
            except Exception as exc:
                cluster.keep_logs = True  # an error (not Ctrl-C): its logs explain it
                exc.add_note(f"logs kept in {cluster.logs}")
                raise
            cluster.keep_logs = not report.passed
    finally:
        report.proofs.append(proofs.stopped_everything(cluster))
    if cluster.keep_logs:
        report.lines.append(f"logs kept in {cluster.logs}")
    return report


def _drive_and_prove(
    cluster: Cluster, size: RunSize, report: Report, say: Callable[[str], None]
) -> None:
    say(_topology_line(cluster))
    webs = [Web(label, running) for label, running in zip("AB", cluster.webs, strict=True)]
    say(f"driving {size.dreams} dreams with video through A and B in turn ...")
    result = drive(
        cluster,
        webs,
        dreams=size.dreams,
        clients=size.clients,
        duration=size.duration,
        kill_fraction=size.kill_fraction,
        deadline_seconds=size.deadline_seconds,
    )
    jobs = proofs.job_rows(cluster)
    say("checking storage, playback, throttles and the gallery ...")
    report.proofs += [
        proofs.no_job_lost(cluster, result, jobs),
        proofs.either_worker(cluster, result, jobs),
        proofs.stored_once(cluster, result),
        proofs.plays_from_either_web(cluster, webs, result, clients=size.clients),
        proofs.throttle_shared(cluster, webs[0], webs[1]),
        proofs.gallery_shared(cluster, webs[0], webs[1], result),
    ]
    report.lines += [_topology_line(cluster), _jobs_line(jobs), *map(_web_line, webs)]


def _topology_line(cluster: Cluster) -> str:
    webs = ", ".join(f"{r.spec.name} {r.url}" for r in cluster.webs)
    workers = ", ".join(r.spec.name for r in cluster.workers)
    return (
        f"topology: {webs} (gunicorn); {workers} (supervise_worker -- rqworker); "
        f"PostgreSQL {cluster.database.name}; Redis databases {cluster.redis.numbers}; "
        f"moto S3 {cluster.s3.origin} bucket {cluster.bucket}"
    )


def _jobs_line(jobs: dict[str, JobRow]) -> str:
    done = [job for job in jobs.values() if job.status == "succeeded" and job.finished_at]
    if not done:
        return "jobs: none succeeded"
    times = [(job.finished_at - job.created_at).total_seconds() for job in done]
    first = min(job.created_at for job in done)
    last = max(job.finished_at for job in done)
    wall = (last - first).total_seconds()
    return (
        f"jobs: {len(done)} succeeded in {wall:.1f} s = {len(done) / wall:.2f} jobs/s; "
        f"job time (submission -> succeeded) p50 {percentile(times, 50):.1f} s, "
        f"p95 {percentile(times, 95):.1f} s, max {max(times):.1f} s"
    )


def _web_line(web: Web) -> str:
    drive_, playback = web.served("drive"), web.served("playback")
    return (
        f"web {web.label} ({web.name}): while driving {drive_['requests']} requests, "
        f"{drive_['per_second']:.1f} req/s, p50 {drive_['p50_ms']:.0f} ms, "
        f"p95 {drive_['p95_ms']:.0f} ms, {drive_['errors']} errors; playback checks "
        f"{playback['requests']} requests, {playback['per_second']:.1f} req/s, "
        f"{playback['errors']} errors"
    )
