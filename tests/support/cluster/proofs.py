"""What the cluster run must show, each as a ``Proof`` that passed or failed and says why.

Every check looks from outside, as a user or an operator would: HTTP answers of both webs,
objects in the S3 bucket, rows of the run's database, keys in its Redis databases, the
workers' logs.
"""

from __future__ import annotations

import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

import requests

from tests.support.cluster.backing import bucket_objects
from tests.support.cluster.drive import DriveResult, Submission, Web, distinct_dreams
from tests.support.cluster.runtime import ADMIN_USERNAME, Cluster

_CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_RANGE = "bytes=0-1023"
_RECOVERED_RE = re.compile(r"Re-enqueued (\d+) stalled job")


@dataclass(frozen=True)
class Proof:
    name: str
    passed: bool
    detail: str

    def line(self) -> str:
        return f"{'PASS' if self.passed else 'FAIL'}  {self.name}: {self.detail}"


@dataclass(frozen=True)
class JobRow:
    id: str
    status: str
    created_at: datetime
    finished_at: datetime | None


def job_rows(cluster: Cluster) -> dict[str, JobRow]:
    rows = cluster.database.rows("SELECT id::text, status, created_at, finished_at FROM video_jobs")
    return {row[0]: JobRow(*row) for row in rows}


def no_job_lost(cluster: Cluster, result: DriveResult, jobs: dict[str, JobRow]) -> Proof:
    """Every dream was accepted and its job succeeded, the killed worker's job included."""
    problems = [f"dream {s.index}: {s.problem}" for s in result.submissions if s.problem]
    failed = [s for s in result.submissions if s.job_id and jobs[s.job_id].status != "succeeded"]
    problems += [f"job {s.job_id} {jobs[s.job_id].status}" for s in failed]
    succeeded = sum(1 for s in result.submissions if s.job_id and s not in failed)
    kill = result.kill
    if kill is None:
        problems.append("no worker was killed: it never ran a job once the mark was reached")
        killed = ""
    else:
        job = jobs.get(kill.job_id)
        after = (job.finished_at - kill.wall).total_seconds() if job and job.finished_at else None
        killed = (
            f"; {kill.worker} SIGKILLed after {kill.after_succeeded} succeeded, while rendering "
            f"job {kill.job_id[:8]}, which then {job.status if job else 'vanished'}"
            + (f" {after:.1f} s after the kill" if after is not None else "")
            + f" (re-enqueued by a supervisor: {recovered_count(cluster)} job(s) in all)"
        )
        if job is None or job.status != "succeeded":
            problems.append(f"the killed worker's job {kill.job_id} did not succeed")
    detail = f"{succeeded}/{len(result.submissions)} jobs succeeded{killed}"
    return Proof("no job lost when a worker is killed", not problems, _with(detail, problems))


def recovered_count(cluster: Cluster) -> int:
    """Jobs the workers' supervisors re-enqueued (from their logs)."""
    total = 0
    for running in cluster.workers:
        text = running.log.read_text(errors="replace") if running.log.exists() else ""
        total += sum(int(n) for n in _RECOVERED_RE.findall(text))
    return total


def either_worker(cluster: Cluster, result: DriveResult, jobs: dict[str, JobRow]) -> Proof:
    """Each job was finished by whichever worker took it: both did, for jobs from both webs."""
    steps = cluster.finished_steps()
    finished_by: Counter[tuple[str, str]] = Counter()
    unattributed = []
    for item in result.submissions:
        job = jobs.get(item.job_id)
        if job is None or job.finished_at is None:
            continue
        runs = [
            run
            for run in steps
            if run.video_job_id == item.job_id
            and run.started_at is not None
            and run.started_at <= job.finished_at <= (run.ended_at or job.finished_at)
        ]
        if not runs:
            unattributed.append(item.job_id)
            continue
        finished_by[(cluster.worker_label(runs[0].worker), item.submitted_on)] += 1
    workers = sorted({worker for worker, _ in finished_by})
    parts = []
    for worker in workers:
        mine = {web: n for (w, web), n in sorted(finished_by.items()) if w == worker}
        by_web = ", ".join(f"from {web}: {n}" for web, n in mine.items())
        parts.append(f"{worker} {sum(mine.values())} ({by_web})")
    problems = [f"{len(unattributed)} job(s) with no finishing step in RQ"] if unattributed else []
    ours = {r.spec.name for r in cluster.workers}
    problems += [f"{w} is not one of ours" for w in workers if w not in ours]
    problems += [f"{w} finished none" for w in sorted(ours - set(workers))]
    detail = "finished by " + "; ".join(parts)
    return Proof(
        "jobs finished by whichever worker took them", not problems, _with(detail, problems)
    )


def stored_once(cluster: Cluster, result: DriveResult) -> Proof:
    """One S3 object per distinct video (and one thumbnail), nothing else in the bucket."""
    assets = cluster.database.rows("SELECT file, thumbnail, sha256, bytes FROM video_assets")
    objects = bucket_objects(cluster.s3_client, cluster.bucket)
    expected = {file for file, *_ in assets} | {thumb for _, thumb, *_ in assets if thumb}
    dream_ids = [s.dream_id for s in result.submissions if s.dream_id]
    without = cluster.database.rows(
        "SELECT count(*) FROM dreams WHERE id = ANY(%s::uuid[]) AND video_asset_id IS NULL",
        (dream_ids,),
    )[0][0]
    problems = []
    if missing := expected - set(objects):
        problems.append(f"{len(missing)} asset file(s) missing from S3")
    if extra := set(objects) - expected:
        problems.append(f"{len(extra)} object(s) no asset uses: {sorted(extra)[:3]}")
    if wrong := [file for file, _, _, size in assets if objects.get(file, size) != size]:
        problems.append(f"{len(wrong)} object(s) of the wrong size")
    if without:
        problems.append(f"{without} dream(s) without a stored video")
    distinct = distinct_dreams(len(result.submissions))
    if len(assets) != distinct:
        problems.append(f"{len(assets)} assets for {distinct} distinct dreams")
    videos = sum(1 for key in objects if key.endswith(".mp4"))
    detail = (
        f"{len(dream_ids)} dreams ({distinct} distinct) -> {len(assets)} assets -> "
        f"{videos} MP4 objects (+{len(objects) - videos} thumbnails), nothing else in the bucket"
    )
    return Proof("every video stored once in S3", not problems, _with(detail, problems))


def plays_from_either_web(
    cluster: Cluster, webs: list[Web], result: DriveResult, *, clients: int
) -> Proof:
    """Each dream's video, asked of each web: a presigned S3 redirect that serves a range."""
    checks = [(item, web) for item in result.submissions if item.dream_id for web in webs]

    def check(pair: tuple[Submission, Web]) -> str:
        item, web = pair
        return _plays(cluster, web, item, result.tokens[item.account])

    with ThreadPoolExecutor(max_workers=clients) as pool:
        problems = [p for p in pool.map(check, checks) if p]
    detail = (
        f"{len(checks) - len(problems)}/{len(checks)} (dream, web) pairs: 302 to a presigned "
        f"S3 URL, then 206 for {_RANGE} starting with an MP4 'ftyp' box"
    )
    return Proof("plays from either web", not problems, _with(detail, problems))


def _plays(cluster: Cluster, web: Web, item: Submission, token: str) -> str:
    where = f"dream {item.index} on {web.label}"
    dream = web.call("GET", f"/api/dreams/{item.dream_id}", token=token, phase="playback")
    if dream is None or dream.status_code != 200:
        return f"{where}: detail {dream.status_code if dream is not None else 'no answer'}"
    video_url = dream.json().get("video_url") or ""
    if not video_url.startswith(web.url):
        return f"{where}: video_url {video_url!r} is not on this web"
    redirect = web.call("GET", video_url, token=token, phase="playback", allow_redirects=False)
    location = redirect.headers.get("Location", "") if redirect is not None else ""
    if (
        redirect is None
        or redirect.status_code != 302
        or not location.startswith(cluster.s3.origin)
    ):
        return f"{where}: expected a redirect to S3, got {redirect and redirect.status_code}"
    if "Signature" not in location:
        return f"{where}: the S3 URL is not presigned"
    ranged = requests.get(location, headers={"Range": _RANGE}, timeout=30)
    if ranged.status_code != 206 or ranged.content[4:8] != b"ftyp":
        return f"{where}: S3 answered {ranged.status_code} to a range request"
    return ""


def throttle_shared(cluster: Cluster, web_a: Web, web_b: Web) -> Proof:
    """A budget spent through web A is spent on web B too (it is counted in Redis)."""
    budget = cluster.options.anon_write_budget

    def write(web: Web, number: int) -> int:
        answer = web.call(
            "POST",
            "/api/dreams",
            phase="proofs",
            json={"title": f"Anonymous {number}", "content": "A door opened onto the sea."},
        )
        return answer.status_code if answer is not None else 0

    on_a = [write(web_a, n) for n in range(budget + 1)]
    on_b = write(web_b, budget + 1)
    keys = cluster.cache_redis.keys("*throttle_anon_dream_write*")
    passed = on_a == [201] * budget + [429] and on_b == 429 and bool(keys)
    detail = (
        f"anonymous dream writes (budget {budget}/hour) on {web_a.label}: "
        f"{' '.join(map(str, on_a))}; then on {web_b.label}: {on_b}; "
        f"counted in Redis: {'yes' if keys else 'no'}"
    )
    return Proof("throttles shared", passed, detail)


def gallery_shared(cluster: Cluster, web_a: Web, web_b: Web, result: DriveResult) -> Proof:
    """A dream approved through web A is in web B's gallery on its very next requests."""
    target = next((s.dream_id for s in result.submissions if s.status == "succeeded"), "")
    if not target:
        return Proof("gallery shared", False, "no dream with a ready video to approve")
    # Asked several times: each of B's gunicorn workers may answer one (and cache it).
    before = [_gallery_ids(web_b) for _ in range(3)]
    problem = _admin_approve(web_a, target, cluster.variables)
    after = [_gallery_ids(web_b) for _ in range(3)]
    cached = len(cluster.cache_redis.keys("*gallery*"))
    shown = sum(target in ids for ids in after)
    absent = sum(target not in ids for ids in before)
    passed = not problem and absent == len(before) and shown == len(after)
    detail = (
        f"not in {web_b.label}'s gallery on {absent}/{len(before)} requests before; approved on "
        f"{web_a.label} through the admin{f' ({problem})' if problem else ''}; "
        f"{web_b.label}'s gallery showed it on {shown}/{len(after)} next requests "
        + (
            f"(gallery cached in Redis: {cached} key(s))"
            if cached
            else "(no gallery cache in Redis: passes trivially, every request reads the database)"
        )
    )
    return Proof("gallery shared", passed, detail)


def _gallery_ids(web: Web) -> list[str]:
    answer = web.call("GET", "/api/dreams/public/gallery", phase="proofs")
    if answer is None or answer.status_code != 200:
        return []
    return [dream["id"] for dream in answer.json()["results"]]


def _admin_approve(web: Web, dream_id: str, variables: dict[str, str]) -> str:
    """Sign in to web's admin as the bootstrapped superuser and run "approve"; a problem or ''."""
    session = requests.Session()
    login = session.get(f"{web.url}/admin/login/", timeout=30)
    signed_in = session.post(
        f"{web.url}/admin/login/",
        data={
            "username": ADMIN_USERNAME,
            "password": variables["DJANGO_SUPERUSER_PASSWORD"],
            "csrfmiddlewaretoken": _csrf(login.text),
            "next": "/admin/",
        },
        allow_redirects=False,
        timeout=30,
    )
    if signed_in.status_code != 302:
        return f"admin sign-in answered {signed_in.status_code}"
    changelist = session.get(f"{web.url}/admin/dreams/dream/", timeout=30)
    approved = session.post(
        f"{web.url}/admin/dreams/dream/",
        data={
            "action": "approve_dreams",
            "_selected_action": dream_id,
            "index": "0",
            "csrfmiddlewaretoken": _csrf(changelist.text),
        },
        timeout=30,
    )
    # The admin redirects whether or not the action ran; its message says which.
    if "Approved 1 dream" not in approved.text:
        return f"the admin did not approve it (answered {approved.status_code})"
    return ""


def _csrf(html: str) -> str:
    match = _CSRF_RE.search(html)
    return match.group(1) if match else ""


def stopped_everything(cluster: Cluster) -> Proof:
    done = cluster.teardown
    return Proof(
        "stopped everything it started",
        bool(done) and all(done.values()),
        ", ".join(f"{what}: {'yes' if ok else 'NO'}" for what, ok in done.items()),
    )


def _with(detail: str, problems: list[str]) -> str:
    return detail if not problems else f"{detail}; " + "; ".join(problems[:5])
