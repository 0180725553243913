"""The emergency tier against real faults: PostgreSQL behind a TCP proxy we cut and restore.

The app runs as its own process (so it can be SIGKILLed), talking to the test
database through the proxy; the test reads PostgreSQL directly to see what landed.
The same tier in this process, on SQLite too, is in ``test_emergency.py``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
import requests
from django.conf import settings as django_settings
from django.db import connection
from rest_framework.authtoken.models import Token

from dreams.models import DemoDream, Dream
from tests.support.processes import AppServer, database_url_through, wait_for
from tests.support.tcp_proxy import TcpProxy
from videos.models import VideoJob

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

ROOT = Path(django_settings.BASE_DIR)


@pytest.fixture
def proxy():
    if connection.vendor != "postgresql":
        pytest.skip("the emergency tier guards a networked database: run on PostgreSQL")
    db = connection.settings_dict
    proxy = TcpProxy((db.get("HOST") or "127.0.0.1", int(db.get("PORT") or 5432))).start()
    yield proxy
    proxy.cut()


def _app_env(proxy: TcpProxy, journal: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": database_url_through(proxy.port),
        "DB_CONNECT_TIMEOUT": "2",
        "EMERGENCY_JOURNAL_PATH": str(journal),
        "EMERGENCY_REPLAY_INTERVAL": "0.2",
    }


@pytest.fixture
def app(proxy, tmp_path):
    server = AppServer(_app_env(proxy, tmp_path / "journal.sqlite3"), tmp_path / "server.log")
    yield server.start()
    server.stop()


@pytest.fixture
def token(user) -> str:
    return Token.objects.create(user=user).key


def _post(app: AppServer, token: str, path: str = "/api/dreams", **body) -> requests.Response:
    return requests.post(
        f"{app.url}{path}",
        json={"title": "Lighthouse", "content": "A lighthouse sang to the waves.", **body},
        headers={"Authorization": f"Token {token}"},
        timeout=15,
    )


def test_dreams_survive_a_database_outage_and_land_once(app, proxy, token):
    # Given the app has seen this caller while the database was up
    assert _post(app, token).json()["storage"] == "dreams"

    # When the database goes away, dreams are still taken: 202, stored in the journal
    proxy.cut()
    created = [_post(app, token, title=f"Outage dream {i}") for i in range(3)]
    created.append(_post(app, token, "/api/dreams/with-video", title="Outage video"))
    assert [r.status_code for r in created] == [202, 202, 202, 202]
    bodies = [r.json() for r in created[:3]] + [created[3].json()["dream"]]
    assert {b["storage"] for b in bodies} == {"emergency"}
    ids = [b["id"] for b in bodies]

    # ... and read back while they wait
    headers = {"Authorization": f"Token {token}"}
    listed = requests.get(f"{app.url}/api/dreams", headers=headers, timeout=15).json()
    assert set(ids) <= {d["id"] for d in listed["results"]}
    one = requests.get(f"{app.url}/api/dreams/{ids[0]}", headers=headers, timeout=15)
    assert one.status_code == 200 and one.json()["title"] == "Outage dream 0"
    # Bad input is still refused (validation does not need the database)
    assert _post(app, token, title="").status_code == 400
    ready = requests.get(f"{app.url}/readyz", timeout=15).json()
    assert ready["tier"] == "emergency" and ready["emergency_waiting"] == 4

    # When the database answers again, every record lands once, with its id and content
    proxy.restore()
    wait_for(lambda: Dream.objects.filter(pk__in=ids).count() == 4)
    for body in bodies:
        dream = Dream.objects.get(pk=body["id"])
        assert dream.title == body["title"] and dream.content == body["content"]
        assert dream.created_at == datetime.fromisoformat(body["created_at"])
    assert VideoJob.objects.filter(dream_id=ids[3]).count() == 1  # queued once replayed
    after = requests.get(f"{app.url}/api/dreams/{ids[0]}", headers=headers, timeout=15)
    assert after.json()["storage"] == "dreams"
    wait_for(lambda: requests.get(f"{app.url}/readyz", timeout=5).json()["emergency_waiting"] == 0)


def test_demo_visitors_keep_writing_during_an_outage(app, proxy):
    proxy.cut()
    visitor = requests.Session()
    response = visitor.post(
        f"{app.url}/api/dreams", json={"title": "Demo", "content": "Still here."}, timeout=15
    )
    assert response.status_code == 202 and response.json()["storage"] == "emergency"
    listed = visitor.get(f"{app.url}/api/dreams", timeout=15).json()["results"]
    assert [d["id"] for d in listed] == [response.json()["id"]]

    proxy.restore()
    wait_for(lambda: DemoDream.objects.filter(pk=response.json()["id"]).exists())


def test_records_survive_sigkill_before_replay(app, proxy, token, tmp_path):
    _post(app, token)
    proxy.cut()
    ids = [_post(app, token, title=f"Kept {i}").json()["id"] for i in range(2)]

    app.stop(signal.SIGKILL)  # after answering 202, before any replay
    proxy.restore()
    assert not Dream.objects.filter(pk__in=ids).exists()

    app.start()  # a new process on the same journal replays on its first requests
    wait_for(lambda: Dream.objects.filter(pk__in=ids).count() == 2)


def test_concurrent_replays_write_each_record_exactly_once(app, proxy, token, user):
    _post(app, token)
    proxy.cut()
    ids = [_post(app, token, title=f"Race {i}").json()["id"] for i in range(12)]
    app.stop()
    proxy.restore()

    replays = [
        subprocess.Popen(
            [sys.executable, "manage.py", "replay_emergency"],
            cwd=ROOT,
            env=app.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=60)[0].decode() for p in replays]

    assert Dream.objects.filter(pk__in=ids).count() == 12
    assert Dream.objects.filter(title__startswith="Race").count() == 12
    replayed = sum(int(out.split(": ")[1].split(" replayed")[0]) for out in outputs)
    assert replayed == 12, outputs


def test_a_record_whose_user_is_gone_is_kept_and_reported(app, proxy, make_user):
    doomed = make_user()
    doomed_token = Token.objects.create(user=doomed).key
    _post(app, doomed_token)
    proxy.cut()
    record_id = _post(app, doomed_token, title="Orphan").json()["id"]
    app.stop()
    proxy.restore()
    doomed.delete()

    result = subprocess.run(
        [sys.executable, "manage.py", "replay_emergency"],
        cwd=ROOT,
        env=app.env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert "1 kept as unreplayable" in result.stdout
    assert record_id in result.stderr and "no longer exists" in result.stderr
    assert not Dream.objects.filter(pk=record_id).exists()
