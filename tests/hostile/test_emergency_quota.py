"""The emergency journal has a quota, and its replay respects the in-flight cap.

The app runs as its own process (``manage.py runserver``) on the test database through a
TCP proxy the test cuts: a real outage, as in ``tests/dreams/storage/test_outage.py``.
While the database is away dreams go to the local journal, within per-owner and global
budgets (``EMERGENCY_MAX_*``); past them the answer is 503 with ``Retry-After`` and nothing
more is written. After the database is back, replay starts the videos that fit under
``VIDEO_MAX_JOBS_IN_FLIGHT`` and records the rest as failed ``too_many_jobs``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token

from dreams.models import DemoDream, VideoStatus
from tests.hostile.fixtures_hostile import (
    RawClient,
    Response,
    postgres_proxy,
    process_env,
)
from tests.support.processes import AppServer, wait_for
from videos.models import JobStatus, VideoJob

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


@pytest.fixture
def proxy():
    proxy = postgres_proxy()
    if proxy is None:
        pytest.skip("the outage is a cut TCP connection to PostgreSQL: run on PostgreSQL")
    yield proxy
    proxy.cut()


@pytest.fixture
def start_app(proxy, tmp_path):
    servers: list[AppServer] = []

    def start(**env: str) -> AppServer:
        server = AppServer(
            process_env(
                proxy,
                tmp_path,
                EMERGENCY_AUTO_REPLAY="true",
                EMERGENCY_REPLAY_INTERVAL="0.2",
                TASKS_BACKEND="django_tasks_db.DatabaseBackend",  # recorded; no worker runs
                **env,
            ),
            tmp_path / f"server{len(servers)}.log",
        )
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()


def _journaled(journal: Path) -> int:
    """Records waiting in the journal file, read directly."""
    if not journal.exists():
        return 0
    with sqlite3.connect(f"file:{journal}?mode=ro", uri=True) as conn:
        return conn.execute(
            "SELECT COUNT(*) FROM records WHERE state IN ('pending', 'replaying')"
        ).fetchone()[0]


def _dream(client: RawClient, path: str = "/api/dreams", content: str = "Waves.") -> Response:
    return client.post(path, json={"title": "Offline", "content": content})


def _assert_journal_full(response: Response) -> None:
    assert response.status == 503, (response.status, response.text)
    assert set(response.json()) == {"detail"}
    assert int(response.headers["retry-after"]) > 0


def test_the_journal_budgets_hold_per_owner_and_for_everyone(start_app, proxy, settings):
    app = start_app(
        EMERGENCY_MAX_RECORDS_PER_OWNER="3",
        EMERGENCY_MAX_BYTES_PER_OWNER="50000",
        EMERGENCY_MAX_RECORDS="10",
    )
    journal = Path(settings.EMERGENCY_JOURNAL_PATH)
    user = get_user_model().objects.create_user("offline", password="pw-offline-1")
    member = RawClient(app.url, token=Token.objects.create(user=user).key, csrf=False)
    assert _dream(member).json()["storage"] == "dreams"  # the app now knows this token
    visitor = RawClient(app.url)

    proxy.cut()

    # An account: three records, then no more.
    accepted = [_dream(member) for _ in range(3)]
    assert [r.status for r in accepted] == [202] * 3
    assert {r.json()["storage"] for r in accepted} == {"emergency"}
    _assert_journal_full(_dream(member))
    _assert_journal_full(_dream(member, "/api/dreams/with-video"))
    assert _journaled(journal) == 3

    # A demo visitor writing long dreams: stopped by the bytes budget (2 x 19 KB fit in 50 KB).
    long_text = "I kept falling through warm clouds. " * 540  # ~19 KB
    assert [_dream(visitor, content=long_text).status for _ in range(2)] == [202, 202]
    _assert_journal_full(_dream(visitor, content=long_text))
    assert _journaled(journal) == 5

    # Throwaway identities: every cookieless request is a new owner with a fresh budget of
    # its own, so only the global budget (10 records) stops them.
    statuses = [_dream(RawClient(app.url, csrf=False)).status for _ in range(5)]
    assert statuses == [202] * 5
    for _ in range(3):
        _assert_journal_full(_dream(RawClient(app.url, csrf=False)))
    assert _journaled(journal) == 10


def test_replay_starts_what_fits_under_the_cap_and_records_the_rest(start_app, proxy):
    app = start_app(VIDEO_MAX_JOBS_IN_FLIGHT="3")
    visitor = RawClient(app.url)
    proxy.cut()

    queued = [
        visitor.post("/api/dreams/with-video", json={"title": f"Outage {i}", "content": "Tides."})
        for i in range(8)
    ]
    assert [r.status for r in queued] == [202] * 8
    ids = {r.json()["dream"]["id"] for r in queued}
    assert all(r.json()["video_job"] is None for r in queued)

    proxy.restore()

    wait_for(lambda: DemoDream.objects.filter(pk__in=ids).count() == 8, timeout=30)
    wait_for(lambda: VideoJob.objects.filter(demo_dream_id__in=ids).count() == 8, timeout=30)
    jobs = list(VideoJob.objects.filter(demo_dream_id__in=ids))
    assert sorted(j.status for j in jobs) == [JobStatus.FAILED] * 5 + [JobStatus.QUEUED] * 3
    assert {j.error_code for j in jobs if j.status == JobStatus.FAILED} == {"too_many_jobs"}
    assert len({j.demo_dream_id for j in jobs}) == 8  # one job per dream, none lost

    # The visitor sees every dream, each with the state of its video.
    listed = {d["id"]: d for d in visitor.get("/api/dreams?page_size=50").json()["results"]}
    assert set(listed) == {str(i) for i in ids}
    assert sorted(d["video_status"] for d in listed.values()) == (
        [VideoStatus.FAILED] * 5 + [VideoStatus.QUEUED] * 3
    )
    assert {d["storage"] for d in listed.values()} == {"demo_dreams"}
