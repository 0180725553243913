"""Helpers for tests that drive real processes: poll with a deadline, never a bare sleep;
run the app as its own process behind a database proxy a test can cut."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]


def wait_for[T](predicate: Callable[[], T], *, timeout: float = 60.0, interval: float = 0.1) -> T:
    """Return ``predicate()``'s first truthy value; AssertionError when the deadline passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")


def database_url_for_tests() -> str:
    """A DATABASE_URL that points another process at this test run's database."""
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"  # settings give tests a file, not :memory:
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


# --- The app as its own process, behind a database proxy a test can cut -------------------


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(url: str) -> bool:
    """Does ``url`` answer 200 (within 2 s)?"""
    try:
        parts = urlsplit(url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=2)
        conn.request("GET", parts.path or "/")
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except OSError:
        return False


def database_url_through(proxy_port: int) -> str:
    """This test run's PostgreSQL database, reached through a loopback proxy on ``proxy_port``."""
    from django.db import connection

    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@127.0.0.1:{proxy_port}/{db['NAME']}"


def stop_process_group(
    process: subprocess.Popen | None, *, sig: int = signal.SIGTERM, timeout: float = 10
) -> None:
    """Signal a process started with ``start_new_session`` and its group; SIGKILL if it lingers."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout)
    except ProcessLookupError:
        pass


class AppServer:
    """``manage.py runserver`` in its own process group with ``env``; ``start`` waits for it."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self) -> AppServer:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "runserver",
                f"127.0.0.1:{self.port}",
                "--noreload",
                "--skip-checks",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(lambda: answers(f"{self.url}/healthz"), timeout=30)
        return self

    def stop(self, sig: int = signal.SIGTERM) -> None:
        stop_process_group(self.process, sig=sig)
