"""Driving the cluster: dreams with video through both webs in turn, and a worker killed mid-job.

Four accounts (registered through the webs in turn, within the sign-up quota) are played
by ``clients`` threads, each with at most one video in flight, so no account passes the
in-flight cap. Dream ``i`` is submitted through web ``i % 2`` and its job is followed
through the other one. Every tenth dream repeats an earlier one word for word: the demo
provider renders the same bytes, which must be stored once.
"""

from __future__ import annotations

import secrets
import statistics
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

import requests

from tests.support.cluster.runtime import Cluster, Running

ACCOUNTS = 4  # within the default sign-up quota (5 an hour per address)
FINAL_JOB_STATUSES = {"succeeded", "failed", "cancelled"}
_POLL_SECONDS = 0.25
_TIMEOUT = 30

_PLACES = ["lighthouse", "hallway", "forest", "city", "classroom", "garden", "ocean", "attic"]
_THINGS = ["glass birds", "silver keys", "lanterns", "old letters", "blue horses", "paper boats"]
_FEELINGS = ["calm", "afraid", "joyful", "lost", "curious"]


def dream_text(index: int) -> tuple[str, str]:
    """Dream ``index``'s title and content; every tenth repeats the one nine before it."""
    if index % 10 == 9:
        index -= 9
    place = _PLACES[index % len(_PLACES)]
    thing = _THINGS[index // len(_PLACES) % len(_THINGS)]
    feeling = _FEELINGS[index % len(_FEELINGS)]
    title = f"The {place} of {thing}"
    content = (
        f"Night {index}: I was {feeling} in a {place} full of {thing}. "
        f"The {thing} followed me until the {place} dissolved into morning light."
    )
    return title, content


def max_clients(jobs_in_flight_cap: int = 3) -> int:
    """The most clients that keep every account within the in-flight cap (compose: 3)."""
    return ACCOUNTS * jobs_in_flight_cap


def distinct_dreams(count: int) -> int:
    return len({dream_text(i) for i in range(count)})


@dataclass(frozen=True)
class Sample:
    phase: str
    at: float  # monotonic time the answer came
    seconds: float
    status: int  # 0: no answer


class Web:
    """One web instance as the driver sees it: its address and every answer it gave."""

    def __init__(self, label: str, running: Running) -> None:
        self.label = label
        self.name = running.spec.name
        self.url = running.url
        self.samples: list[Sample] = []
        self._lock = threading.Lock()

    def call(
        self, method: str, target: str, *, token: str | None = None, phase: str = "drive", **kw
    ) -> requests.Response | None:
        """``method`` on a path (or a full URL) of this web; ``None`` when it did not answer."""
        url = target if target.startswith("http") else self.url + target
        headers = kw.pop("headers", {})
        if token:
            headers["Authorization"] = f"Token {token}"
        started = time.monotonic()
        try:
            response = requests.request(method, url, headers=headers, timeout=_TIMEOUT, **kw)
        except requests.RequestException:
            response = None
        ended = time.monotonic()
        status = response.status_code if response is not None else 0
        with self._lock:
            self.samples.append(Sample(phase, ended, ended - started, status))
        return response

    def served(self, phase: str) -> dict[str, float]:
        """Requests, errors (5xx or no answer), requests/s and latency of one phase."""
        samples = [s for s in self.samples if s.phase == phase]
        if not samples:
            return {"requests": 0, "errors": 0, "per_second": 0.0, "p50_ms": 0.0, "p95_ms": 0.0}
        first = min(s.at - s.seconds for s in samples)
        last = max(s.at for s in samples)
        latencies = sorted(s.seconds * 1000 for s in samples)
        return {
            "requests": len(samples),
            "errors": sum(1 for s in samples if s.status == 0 or s.status >= 500),
            "per_second": len(samples) / max(last - first, 1e-6),
            "p50_ms": statistics.median(latencies),
            "p95_ms": percentile(latencies, 95),
        }


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile of ``values`` (0 for none)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, round(pct / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass
class Submission:
    index: int
    submitted_on: str
    followed_on: str
    account: int = -1
    dream_id: str = ""
    job_id: str = ""
    status: str = "not submitted"
    problem: str = ""


@dataclass
class Kill:
    worker: str
    after_succeeded: int
    job_id: str  # the job whose step it was running
    wall: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass
class DriveResult:
    submissions: list[Submission]
    tokens: list[str]
    kill: Kill | None
    seconds: float


def register_accounts(webs: list[Web]) -> list[str]:
    """``ACCOUNTS`` new accounts, registered through the webs in turn; their tokens."""
    tokens = []
    for number in range(ACCOUNTS):
        response = webs[number % len(webs)].call(
            "POST",
            "/api/auth/register",
            phase="setup",
            json={"username": f"dreamer{number}-{secrets.token_hex(3)}", "password": _password()},
        )
        if response is None or response.status_code != 201:
            raise RuntimeError(f"registration failed: {_said(response)}")
        tokens.append(response.json()["token"])
    return tokens


def _password() -> str:
    return secrets.token_urlsafe(16)


def _said(response: requests.Response | None) -> str:
    return "no answer" if response is None else f"{response.status_code} {response.text[:200]}"


def drive(
    cluster: Cluster,
    webs: list[Web],
    *,
    dreams: int,
    clients: int,
    duration: int,
    kill_fraction: float,
    deadline_seconds: float,
) -> DriveResult:
    """Submit ``dreams`` dreams with video through the webs in turn and follow each job to its
    end; once ``kill_fraction`` of them succeeded, SIGKILL the last worker mid-render."""
    tokens = register_accounts(webs)
    submissions = [
        Submission(
            index=i,
            submitted_on=webs[i % len(webs)].label,
            followed_on=webs[(i + 1) % len(webs)].label,
        )
        for i in range(dreams)
    ]
    by_label = {web.label: web for web in webs}
    queue: Iterator[Submission] = iter(submissions)
    queue_lock = threading.Lock()
    started = time.monotonic()
    deadline = started + deadline_seconds

    done = threading.Event()  # set when the drive ends, however it ends (Ctrl-C too)

    def next_submission() -> Submission | None:
        with queue_lock:
            return None if done.is_set() else next(queue, None)

    def client(number: int) -> None:
        # Each client plays one account, so no account has more videos in flight than
        # the clients playing it (at most the cap, see ``max_clients``).
        account = number % ACCOUNTS
        while (item := next_submission()) is not None:
            item.account = account
            _submit_and_follow(item, by_label, tokens[account], duration, deadline, done)

    kills: list[Kill | None] = []
    monitor = threading.Thread(
        target=lambda: kills.append(
            _kill_mid_job(
                cluster,
                cluster.workers[-1],
                at=max(1, round(dreams * kill_fraction)),
                until=done,
                deadline=deadline,
            )
        ),
        daemon=True,
    )
    monitor.start()
    pool = ThreadPoolExecutor(max_workers=clients)
    try:
        for future in [pool.submit(client, n) for n in range(clients)]:
            future.result()
    finally:
        done.set()  # before waiting for the clients: on Ctrl-C they stop at their next step
        pool.shutdown(wait=True, cancel_futures=True)
        monitor.join()
    kill = kills[0] if kills else None
    return DriveResult(submissions, tokens, kill, time.monotonic() - started)


def _submit_and_follow(
    item: Submission,
    webs: dict[str, Web],
    token: str,
    duration: int,
    deadline: float,
    stop: threading.Event,
) -> None:
    title, content = dream_text(item.index)
    response = webs[item.submitted_on].call(
        "POST",
        "/api/dreams/with-video",
        token=token,
        json={
            "title": title,
            "content": content,
            "is_public": True,
            "generate_video": True,
            "video_duration": duration,
        },
    )
    if response is None or response.status_code != 201:
        item.problem = f"submit: {_said(response)}"
        return
    body = response.json()
    item.dream_id, item.job_id = body["dream"]["id"], body["video_job"]["id"]
    item.status = body["video_job"]["status"]
    follow = webs[item.followed_on]
    while item.status not in FINAL_JOB_STATUSES and time.monotonic() < deadline:
        if stop.wait(_POLL_SECONDS):  # a client polls its job, as the SPA does
            break
        answer = follow.call("GET", f"/api/videos/jobs/{item.job_id}", token=token)
        if answer is not None and answer.status_code == 200:
            item.status = answer.json()["status"]
    if item.status not in FINAL_JOB_STATUSES:
        item.problem = f"still {item.status} at the deadline"


def _kill_mid_job(
    cluster: Cluster, victim: Running, *, at: int, until: threading.Event, deadline: float
) -> Kill | None:
    """Once ``at`` jobs succeeded (and ``victim`` finished one), SIGKILL ``victim`` while it
    renders a job, before any upload."""
    while not until.is_set() and time.monotonic() < deadline:
        succeeded = _succeeded(cluster)
        ripe = succeeded >= at and cluster.steps_done(victim) > 0
        job_id = cluster.running_step(victim) if ripe else None
        # `running` is the render; the upload comes after `ingesting`.
        if job_id and _job_status(cluster, job_id) == "running":
            cluster.kill(victim)
            return Kill(worker=victim.spec.name, after_succeeded=succeeded, job_id=job_id)
        until.wait(0.02)
    return None


def _succeeded(cluster: Cluster) -> int:
    return cluster.database.rows("SELECT count(*) FROM video_jobs WHERE status = 'succeeded'")[0][0]


def _job_status(cluster: Cluster, job_id: str) -> str | None:
    rows = cluster.database.rows("SELECT status FROM video_jobs WHERE id = %s::uuid", (job_id,))
    return rows[0][0] if rows else None
