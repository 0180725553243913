"""Shared fixtures: a private media folder per test, API clients, users, job draining."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.support import network_guard
from tests.support.processes import database_url_for_tests

ROOT = Path(django_settings.BASE_DIR)

# Loopback fakes of outside services (RunwayML, a file server), shared by every area.
# Real Chromium for page tests (``browser``, ``visitors``).
pytest_plugins = ["tests.support.fakes", "tests.support.browser"]


def pytest_configure(config: pytest.Config) -> None:
    network_guard.install()  # only loopback: fakes stand in for every outside service


@pytest.fixture(scope="session")
def c2pa_chain(tmp_path_factory) -> Path:
    """A development C2PA chain made once per run (``root.pem``, ``chain.pem``, ``signer.key``)."""
    from videos.credentials.certificates import dev_chain_create

    return dev_chain_create(tmp_path_factory.mktemp("c2pa") / "chain")


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path, c2pa_chain):
    """Every test writes media and demo renders under its own temp folder."""
    # Generated videos are signed with the test chain, which our own reads trust.
    settings.C2PA_SIGNING_CERT = str(c2pa_chain / "chain.pem")
    settings.C2PA_SIGNING_KEY = str(c2pa_chain / "signer.key")
    settings.C2PA_TRUST_ANCHORS = str(c2pa_chain / "root.pem")
    settings.C2PA_DEV_DIR = tmp_path / "c2pa"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VIDEO_DEMO_WORKDIR = tmp_path / "demo-renders"
    settings.EMERGENCY_JOURNAL_PATH = tmp_path / "emergency.sqlite3"
    settings.EMERGENCY_AUTO_REPLAY = False
    settings.VIDEO_INGEST_ALLOWED_ADDRESSES = []
    settings.VIDEO_DEMO_MAX_WIDTH = 256  # small renders keep the suite fast
    settings.VIDEO_RENDITIONS = False  # made only where a test asks (tests/videos/renditions)
    # The production hasher costs ~0.4 s a password; tests check behaviour, not cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tasks are recorded, not run: tests drive jobs with `run_jobs` (or a real worker in e2e).
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    from django.core.cache import cache

    from common import authentication
    from dreams import cards

    cache.clear()
    authentication._written.clear()  # what this process wrote is gone with the cache
    cards.clear_rendered_cards()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def make_user(django_user_model) -> Callable:
    counter = iter(range(1_000_000))

    def make(username: str | None = None, **extra):
        name = username or f"dreamer{next(counter)}"
        return django_user_model.objects.create_user(
            username=name, password="correct horse battery", **extra
        )

    return make


@pytest.fixture
def user(make_user):
    return make_user("alice")


@pytest.fixture
def auth_client(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def client_for(make_user) -> Callable[..., APIClient]:
    """An API client authenticated by token as ``user`` (a new user when omitted)."""

    def make(user=None) -> APIClient:
        user = user or make_user()
        client = APIClient()
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        client.user = user
        return client

    return make


@pytest.fixture
def committed(django_capture_on_commit_callbacks) -> Callable:
    """``with committed():`` runs the block's on-commit callbacks (task enqueues) at its end."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def run_jobs(committed) -> Callable[..., None]:
    """Run every task enqueued so far, and those they enqueue, until no job is in flight.

    Stands in for the worker in fast tests: the same tasks, only without waiting for
    ``run_after``. A job still in flight with nothing enqueued for it is a lost job: fail.
    """
    from django.tasks import task_backends

    from videos.models import ACTIVE_JOB_STATUSES, VideoJob

    def run(deadline_seconds: float = 30.0) -> None:
        backend = task_backends["default"]
        end = time.monotonic() + deadline_seconds
        while time.monotonic() < end:
            pending = list(backend.results)
            backend.clear()
            if not pending:
                active = VideoJob.objects.filter(status__in=ACTIVE_JOB_STATUSES)
                assert not active.exists(), f"jobs in flight with no task: {list(active)}"
                return
            for result in pending:
                with committed():
                    result.task.call(*result.args, **result.kwargs)
        raise AssertionError("video jobs did not finish in time")

    return run


@pytest.fixture
def start_worker(settings, tmp_path, transactional_db):
    """Start ``manage.py db_worker`` on the test database and media folder; stopped after."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    processes: list[subprocess.Popen] = []

    def start(*worker: str, **extra_env: str) -> subprocess.Popen:
        """``worker``: the manage.py command and its arguments (default: db_worker)."""
        env = {
            **os.environ,
            "DEBUG": "true",
            "DATABASE_URL": database_url_for_tests(),
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "VIDEO_DEMO_WORKDIR": str(settings.VIDEO_DEMO_WORKDIR),
            "VIDEO_DEMO_MAX_WIDTH": str(settings.VIDEO_DEMO_MAX_WIDTH),
            "VIDEO_PROVIDER": "demo",
            "EMERGENCY_JOURNAL_PATH": str(settings.EMERGENCY_JOURNAL_PATH),
            "EMERGENCY_AUTO_REPLAY": "false",
            "VIDEO_RENDITIONS": str(settings.VIDEO_RENDITIONS).lower(),
            "C2PA_SIGNING_CERT": settings.C2PA_SIGNING_CERT,
            "C2PA_SIGNING_KEY": settings.C2PA_SIGNING_KEY,
            "C2PA_TRUST_ANCHORS": settings.C2PA_TRUST_ANCHORS,
            **extra_env,
        }
        command = worker or ("db_worker", "--interval", "0.2", "--no-startup-delay", "--no-reload")
        process = subprocess.Popen(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            stdout=(tmp_path / f"worker{len(processes)}.log").open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        processes.append(process)
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
