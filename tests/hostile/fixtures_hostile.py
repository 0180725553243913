"""Tools for the hostile-client tests: a raw HTTP client, job draining, an app behind a proxy.

Plain helpers (no fixtures), so nothing here collides with a ``conftest.py`` that other
suites in ``tests/hostile/`` may add; each test module wraps what it needs in its own
fixtures.

* ``RawClient`` speaks HTTP/1.1 itself over ``http.client``: the test chooses every
  header (``X-Forwarded-For``, cookies, CSRF), the client's source address on loopback
  (127.0.0.2 is another machine as far as the server can tell) and the timeout.
* ``open_upload`` / ``read_response`` send a request head and only part of its body over
  a socket, to see whether the server answers *before* it has the rest.
* ``TaskTap`` collects the tasks enqueued by any thread (the live server's included) and
  runs them in the test's thread: the worker's steps, without a worker process.
* ``AppServer`` runs ``manage.py runserver`` as its own process against PostgreSQL through
  a ``TcpProxy`` the test can cut.
"""

from __future__ import annotations

import http.client
import json as jsonlib
import os
import secrets
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings as django_settings
from django.db import connection
from django.tasks.signals import task_enqueued
from django.utils.crypto import get_random_string

from tests.support.processes import database_url_through
from tests.support.tcp_proxy import TcpProxy

ROOT = Path(django_settings.BASE_DIR)


# --- HTTP ----------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    elapsed: float = 0.0
    cookies: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return jsonlib.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def multipart(
    fields: dict[str, str] | None = None, files: dict[str, tuple[str, bytes, str]] | None = None
) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body and its content type."""
    boundary = "----hostile" + secrets.token_hex(12)
    parts: list[bytes] = []
    for name, value in (fields or {}).items():
        disposition = f'Content-Disposition: form-data; name="{name}"'
        parts.append(f"--{boundary}\r\n{disposition}\r\n\r\n{value}\r\n".encode())
    for name, (filename, data, content_type) in (files or {}).items():
        parts.append(
            (
                f"--{boundary}\r\n"
                f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                f"Content-Type: {content_type}\r\n\r\n"
            ).encode()
            + data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def host_port(base_url: str) -> tuple[str, int]:
    parts = urlsplit(base_url)
    host = parts.hostname or "127.0.0.1"
    return ("127.0.0.1" if host == "localhost" else host), parts.port or 80


class RawClient:
    """One HTTP client (one browser, one script) with its own cookies and source address.

    Unsafe requests carry a CSRF cookie and the matching ``X-CSRFToken`` header, as a
    same-origin page does, unless ``csrf=False``.
    """

    def __init__(
        self, base_url: str, *, source: str = "127.0.0.1", token: str | None = None, csrf=True
    ) -> None:
        self.host, self.port = host_port(base_url)
        self.source = source
        self.cookies: dict[str, str] = {}
        self.token = token
        self.csrf_secret = get_random_string(32) if csrf else ""

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        body: bytes | None = None,
        content_type: str | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 30.0,
    ) -> Response:
        head = {"Host": f"{self.host}:{self.port}", "Accept": "application/json"}
        if json is not None:
            body, content_type = jsonlib.dumps(json).encode(), "application/json"
        if content_type:
            head["Content-Type"] = content_type
        if self.token:
            head["Authorization"] = f"Token {self.token}"
        cookies = dict(self.cookies)
        if self.csrf_secret and method not in ("GET", "HEAD", "OPTIONS"):
            cookies[django_settings.CSRF_COOKIE_NAME] = self.csrf_secret
            head["X-CSRFToken"] = self.csrf_secret
        if cookies:
            head["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        head.update(headers or {})
        conn = http.client.HTTPConnection(
            self.host, self.port, timeout=timeout, source_address=(self.source, 0)
        )
        started = time.monotonic()
        try:
            conn.request(method, path, body=body, headers=head)
            reply = conn.getresponse()
            data = reply.read()
        finally:
            conn.close()
        got: dict[str, str] = {}
        for line in reply.headers.get_all("Set-Cookie") or []:
            name, _, rest = line.partition("=")
            value = rest.split(";", 1)[0]
            got[name.strip()] = value
            if value in ('""', "") or "max-age=0" in line.lower():
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value
        return Response(
            status=reply.status,
            headers={k.lower(): v for k, v in reply.headers.items()},
            body=data,
            elapsed=time.monotonic() - started,
            cookies=got,
        )

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs) -> Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs) -> Response:
        return self.request("DELETE", path, **kwargs)

    @property
    def has_session(self) -> bool:
        return django_settings.SESSION_COOKIE_NAME in self.cookies

    def new_dream(self, title: str = "Owls", **extra) -> dict:
        response = self.post(
            "/api/dreams", json={"title": title, "content": "Owls read to me.", **extra}
        )
        assert response.status == 201, (response.status, response.text)
        return response.json()

    def cookie_header(self) -> str:
        cookies = dict(self.cookies)
        if self.csrf_secret:
            cookies[django_settings.CSRF_COOKIE_NAME] = self.csrf_secret
        return "; ".join(f"{k}={v}" for k, v in cookies.items())


def open_upload(
    client: RawClient,
    path: str,
    *,
    content_type: str,
    declared: int | str | None,
    first: bytes,
    extra_headers: dict[str, str] | None = None,
) -> socket.socket:
    """Send a POST head declaring ``declared`` bytes (``None``: chunked) and only ``first``.

    ``declared`` may be any string, to send a nonsense ``Content-Length``.

    Returns the open socket: the caller reads the answer (``read_response``) and closes it.
    """
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: {client.host}:{client.port}",
        f"Content-Type: {content_type}",
        "Accept: application/json",
    ]
    lines.append(
        "Transfer-Encoding: chunked" if declared is None else f"Content-Length: {declared}"
    )
    if client.token:
        lines.append(f"Authorization: Token {client.token}")
    if cookie := client.cookie_header():
        lines.append(f"Cookie: {cookie}")
    if client.csrf_secret:
        lines.append(f"X-CSRFToken: {client.csrf_secret}")
    for name, value in (extra_headers or {}).items():
        lines.append(f"{name}: {value}")
    sock = socket.create_connection(
        (client.host, client.port), timeout=10, source_address=(client.source, 0)
    )
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + first)
    return sock


def read_response(sock: socket.socket, *, timeout: float) -> Response | None:
    """The first response on ``sock`` within ``timeout`` seconds, else ``None``.

    A response without ``Content-Length`` ends when the connection closes, or when nothing
    more arrives for a moment (the server may keep the socket open while it drains the
    request body we never send).
    """
    started = time.monotonic()
    deadline = started + timeout
    data = b""
    while True:
        head, sep, rest = data.partition(b"\r\n\r\n")
        headers: dict[str, str] = {}
        if sep:
            status_line, *header_lines = head.decode("latin-1").split("\r\n")
            for line in header_lines:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = headers.get("content-length")
            if length is not None and len(rest) >= int(length):
                return _response(status_line, headers, rest[: int(length)], started)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        # Once the head is in and no length was given, a short silence ends the body.
        open_ended = sep and "content-length" not in headers
        sock.settimeout(min(remaining, 0.3) if open_ended else remaining)
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            chunk = None
        except OSError:
            chunk = b""
        if chunk:
            data += chunk
            continue
        if open_ended:
            return _response(status_line, headers, rest, started)
        if chunk is None:
            continue  # the deadline check above decides
        return None  # closed before a whole response arrived


def _response(status_line: str, headers: dict[str, str], body: bytes, started: float) -> Response:
    return Response(
        status=int(status_line.split()[1]),
        headers=headers,
        body=body,
        elapsed=time.monotonic() - started,
    )


# --- Tasks ---------------------------------------------------------------------------------


class TaskTap:
    """Collects every task enqueued (in any thread) and runs them here, like a worker would.

    The dummy task backend keeps results per thread, so tasks the live server enqueues are
    invisible to the ``run_jobs`` fixture; ``task_enqueued`` is sent from every thread.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list = []
        self._uid = f"task-tap-{uuid.uuid4()}"

    def _collect(self, sender, task_result, **kwargs) -> None:
        with self._lock:
            self._pending.append(task_result)

    def __enter__(self) -> TaskTap:
        task_enqueued.connect(self._collect, weak=False, dispatch_uid=self._uid)
        return self

    def __exit__(self, *exc) -> None:
        task_enqueued.disconnect(dispatch_uid=self._uid)

    def discard(self) -> None:
        """Forget what was enqueued so far (a worker that never came)."""
        with self._lock:
            self._pending.clear()

    def drain(self, deadline_seconds: float = 30.0) -> None:
        """Run every collected task, and those they enqueue, until no job is in flight."""
        from videos.models import ACTIVE_JOB_STATUSES, VideoJob

        end = time.monotonic() + deadline_seconds
        while time.monotonic() < end:
            with self._lock:
                batch, self._pending = self._pending, []
            if not batch:
                active = list(VideoJob.objects.filter(status__in=ACTIVE_JOB_STATUSES))
                assert not active, f"jobs in flight with no task: {active}"
                return
            for result in batch:
                result.task.call(*result.args, **result.kwargs)
        raise AssertionError("video jobs did not finish in time")


# --- Files ---------------------------------------------------------------------------------


def files_under(folder: Path) -> list[Path]:
    folder = Path(folder)
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def staged_files() -> list[Path]:
    """What waits in ``MEDIA_ROOT/staging/`` (uploads no job has finished with)."""
    return files_under(Path(django_settings.MEDIA_ROOT) / "staging")


def age(path: Path, seconds: float) -> Path:
    """Set ``path``'s access and modification times ``seconds`` into the past."""
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


# --- Processes against PostgreSQL through a proxy ------------------------------------------


def postgres_proxy() -> TcpProxy | None:
    """A started proxy to the test database, or ``None`` on SQLite (nothing to cut)."""
    if connection.vendor != "postgresql":
        return None
    db = connection.settings_dict
    return TcpProxy((db.get("HOST") or "127.0.0.1", int(db.get("PORT") or 5432))).start()


def process_env(proxy: TcpProxy, tmp_path: Path, **extra: str) -> dict[str, str]:
    """What a child process needs to share this test's database (through the proxy) and files."""
    return {
        **os.environ,
        "DEBUG": "false",
        "DATABASE_URL": database_url_through(proxy.port),
        "DB_CONNECT_TIMEOUT": "2",
        "MEDIA_ROOT": str(django_settings.MEDIA_ROOT),
        "VIDEO_DEMO_WORKDIR": str(django_settings.VIDEO_DEMO_WORKDIR),
        "VIDEO_DEMO_MAX_WIDTH": str(django_settings.VIDEO_DEMO_MAX_WIDTH),
        "VIDEO_PROVIDER": "demo",
        "EMERGENCY_JOURNAL_PATH": str(django_settings.EMERGENCY_JOURNAL_PATH),
        "TMPDIR": str(tmp_path),
        **extra,
    }


def children_of(pid: int) -> list[int]:
    """Direct children of ``pid``, from ``/proc``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...; comm may contain spaces and parentheses
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def command_line(pid: int) -> list[str]:
    try:
        raw = (Path("/proc") / str(pid) / "cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode() for part in raw.split(b"\0") if part]


def alive(pid: int) -> bool:
    """Running (a zombie waiting for its parent counts as gone)."""
    try:
        stat = (Path("/proc") / str(pid) / "stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"
