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
from pathlib import Path

import requests
from django.conf import settings as django_settings

from tests.support.processes import AppServer, database_url_through
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


class OutageApp(AppServer):
    """``runserver`` on the test database through ``proxy``, caching in ``cache_dir``."""

    def __init__(self, proxy: TcpProxy, tmp_path: Path, cache_dir: Path, **env: str) -> None:
        super().__init__(
            {
                **os.environ,
                "DEBUG": "true",
                "DATABASE_URL": database_url_through(proxy.port),
                "DB_CONNECT_TIMEOUT": "2",
                "CACHE_URL": f"filecache://{cache_dir}",
                "EMERGENCY_JOURNAL_PATH": str(tmp_path / "journal.sqlite3"),
                "EMERGENCY_AUTO_REPLAY": "false",
                "MEDIA_ROOT": str(tmp_path / "media"),
                **env,
            },
            tmp_path / "server.log",
        )
