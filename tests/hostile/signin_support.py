"""Helpers for the sign-in attack tests: a browser over real HTTP, and the app as a process.

Plain helpers (no fixtures): each test module wraps what it needs in its own fixtures.

* ``Browser`` is a ``requests`` session that does what a browser does with our pages
  (CSRF cookie and form field), and lets the attacker choose ``X-Forwarded-For`` for
  every request.
* ``OutageApp`` runs ``manage.py runserver`` as its own process against PostgreSQL
  through a ``TcpProxy`` the test can cut, with a cache folder the test process can
  share (a file cache), so what one process forgets the other does too.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import requests
from django.conf import settings as django_settings
from django.db import connection

from tests.support.processes import wait_for
from tests.support.tcp_proxy import TcpProxy

ROOT = Path(django_settings.BASE_DIR)
TIMEOUT = 15


class Browser:
    """One browser (its own cookies); ``xff`` is sent as ``X-Forwarded-For`` when given."""

    def __init__(self, base_url: str, *, xff: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.xff = xff

    def _headers(self, xff: str | None, extra: dict | None = None) -> dict[str, str]:
        headers = dict(extra or {})
        if (xff or self.xff) is not None:
            headers["X-Forwarded-For"] = xff or self.xff
        return headers

    def get(self, path: str, *, xff: str | None = None, **kwargs) -> requests.Response:
        return self.session.get(
            self.base_url + path,
            headers=self._headers(xff, kwargs.pop("headers", None)),
            allow_redirects=False,
            timeout=TIMEOUT,
            **kwargs,
        )

    def csrf_token(self, page: str) -> str:
        if "csrftoken" not in self.session.cookies:
            self.get(page)
        return self.session.cookies["csrftoken"]

    def post_form(self, path: str, data: dict, *, xff: str | None = None) -> requests.Response:
        """A form post, as the page's own form sends it (CSRF field included)."""
        body = {**data, "csrfmiddlewaretoken": self.csrf_token(path)}
        return self.session.post(
            self.base_url + path,
            data=body,
            headers=self._headers(xff),
            allow_redirects=False,
            timeout=TIMEOUT,
        )

    def post_json(self, path: str, body: dict, *, xff: str | None = None, **headers):
        """An API write with the CSRF header, as our JS client sends it from a page."""
        headers.setdefault("X-CSRFToken", self.csrf_token("/"))
        return self.session.post(
            self.base_url + path,
            json=body,
            headers=self._headers(xff, headers),
            allow_redirects=False,
            timeout=TIMEOUT,
        )

    def log_in(self, username: str, password: str, **kwargs) -> requests.Response:
        return self.post_form("/login/", {"username": username, "password": password}, **kwargs)

    def log_out(self) -> requests.Response:
        return self.post_form("/logout/", {})

    @property
    def session_cookie(self) -> str | None:
        return self.session.cookies.get("sessionid")

    def signed_in_as(self, username: str) -> bool:
        """Whether the journal page greets ``username`` (its log-out button names them)."""
        page = self.get("/journal/")
        return page.status_code == 200 and f"Log out {username}" in page.text


def replay(base_url: str, cookie: str) -> Browser:
    """A new browser that presents a saved session cookie (and nothing else)."""
    browser = Browser(base_url)
    browser.session.cookies.set("sessionid", cookie)
    return browser


# --- The app as its own process, behind a database proxy we can cut -----------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def postgres_proxy() -> TcpProxy:
    db = connection.settings_dict
    return TcpProxy((db.get("HOST") or "127.0.0.1", int(db.get("PORT") or 5432))).start()


class OutageApp:
    """``runserver`` on the test database through ``proxy``, caching in ``cache_dir``."""

    def __init__(self, proxy: TcpProxy, tmp_path: Path, cache_dir: Path, **env: str) -> None:
        db = connection.settings_dict
        user = db.get("USER") or "postgres"
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DEBUG": "true",
            "DATABASE_URL": f"postgres://{user}{password}@127.0.0.1:{proxy.port}/{db['NAME']}",
            "DB_CONNECT_TIMEOUT": "2",
            "CACHE_URL": f"filecache://{cache_dir}",
            "EMERGENCY_JOURNAL_PATH": str(tmp_path / "journal.sqlite3"),
            "EMERGENCY_AUTO_REPLAY": "false",
            "MEDIA_ROOT": str(tmp_path / "media"),
            **env,
        }
        self.log = tmp_path / "server.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> OutageApp:
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{self.port}", "--noreload"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(lambda: _answers(f"{self.url}/healthz"), timeout=30)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
