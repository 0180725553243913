"""The API against its own OpenAPI schema: Schemathesis generates requests, the app must cope.

Requests run in-process against the WSGI application on the test database (no server):
valid and invalid bodies, odd path and query values, unexpected methods and media types.
Whatever comes in, the answer is never a 5xx, its content type and body match what the
schema promises, and (once the schema declares them) its status code is a documented one.

Generation is bounded and repeatable: 25 examples an operation, derandomized, no example
database. The task worker never runs (the test settings use Django's DummyBackend).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from itertools import count
from pathlib import Path

import hypothesis
import pytest
import schemathesis
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from rest_framework.authtoken.models import Token
from rest_framework.throttling import ScopedRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from dreamjourney.wsgi import application
from dreams.models import Dream
from videos.models import JobKind, VideoJob
from videos.sources import VideoSource

# Where the REST API table lives: the endpoints a client may call, and their methods.
ARCHITECTURE = Path(settings.BASE_DIR) / "docs" / "architecture.md"
# Served beside the API, not described by it.
SCHEMA_PAGES = ("/api/schema/", "/api/docs/")

# Operations whose body names a dream (``dream_id``): someone else's is a 404.
_NAMES_A_DREAM_IN_ITS_BODY = {"/api/ai/generate-video", "/api/ai/store-video"}

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _openapi_document() -> dict:
    """The schema exactly as ``GET /api/schema/`` serves it, built without a request."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document, renderer_context={}))


OPENAPI = _openapi_document()
CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {
            "max-examples": 25,
            "deterministic": True,
            "database": "none",
            # Credentials come from the test (a real token, or none), never generated.
            "with-security-parameters": False,
        },
        "phases": {"stateful": {"enabled": False}},
    }
)
schema = schemathesis.openapi.from_dict(OPENAPI, config=CONFIG)
schema.app = application

BOUNDED = hypothesis.settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    # Fixtures (the user, their token) are deliberately shared by every example of a test.
    suppress_health_check=list(hypothesis.HealthCheck),
)


def _operations() -> Iterator[tuple[str, str, dict]]:
    for path, item in OPENAPI["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield method.upper(), path, operation


def _normalised(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{id}", path)


@pytest.fixture
def in_process_wsgi(monkeypatch, settings) -> Iterator[None]:
    """Let the WSGI app share the test's transaction, and take enough requests to go deep.

    A real request closes "old" database connections when it starts and ends; inside a
    test transaction that would close the test's own connection (Django's test client
    disconnects the same handler). Throttles and the in-flight cap are raised so that
    generated requests reach the views instead of stopping at a 429; both have their own
    tests in test_security.py.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    # Every budget out of the way (the fuzzer is one client): the scopes stay as configured.
    monkeypatch.setattr(
        ScopedRateThrottle,
        "THROTTLE_RATES",
        dict.fromkeys(ScopedRateThrottle.THROTTLE_RATES, "100000/hour"),
    )
    settings.VIDEO_MAX_JOBS_IN_FLIGHT = 100_000
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def signed_in(make_user, in_process_wsgi) -> Callable:
    """Send a case as a signed-in user; every other case aimed at an id uses one of theirs.

    Random UUIDs only ever reach "not found"; a fresh dream or job of the caller gets
    generated bodies into the update, delete and cancel code paths.
    """
    user = make_user("schemathesis")
    token = Token.objects.create(user=user)
    headers = {"Authorization": f"Token {token.key}"}
    turns = count()

    def send(case):
        if case.path_parameters and next(turns) % 2:
            dream = Dream.objects.create(owner=user, title="A door", content="It opened.")
            if "job_id" in case.path_parameters:
                job = VideoJob.objects.create(
                    kind=JobKind.GENERATE, provider=VideoSource.DEMO, user=user, dream=dream
                )
                case.path_parameters["job_id"] = str(job.pk)
            else:
                case.path_parameters["id"] = str(dream.pk)
        return case.call(headers=headers)

    return send


@pytest.fixture
def anonymous(in_process_wsgi) -> Callable:
    """Send a case with no credentials: demo mode."""
    return lambda case: case.call()


# --- Generated requests -------------------------------------------------------------------


def _validate(case, response) -> None:
    case.validate_response(response, checks=CHECKS)


generated = schema


@pytest.mark.django_db
@generated.parametrize()
@BOUNDED
def test_api_as_a_signed_in_user(case, signed_in):
    _validate(case, signed_in(case))


@pytest.mark.django_db
@generated.parametrize()
@BOUNDED
def test_api_anonymously(case, anonymous):
    _validate(case, anonymous(case))


@pytest.mark.django_db
def test_the_journal_list_is_documented_as_a_page(signed_in):
    case = schema["/api/dreams"]["GET"].Case()
    response = signed_in(case)
    assert response.status_code == 200
    case.validate_response(response, checks=[response_schema_conformance])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/dreams/not-a-uuid"),
        ("patch", "/api/dreams/0"),
        ("delete", "/api/dreams/null"),
        ("get", "/api/videos/jobs/not-a-uuid"),
        ("post", "/api/videos/jobs/0/cancel"),
    ],
)
def test_malformed_ids_under_the_api_get_json_404s(auth_client, method, path):
    response = getattr(auth_client, method)(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


# --- The schema itself --------------------------------------------------------------------


def _documented_table() -> list[tuple[list[str], list[str]]]:
    """``(methods, paths)`` of each row of the REST API table in ``docs/architecture.md``.

    A row starts with its methods (``GET``, ``PUT / PATCH``) and then names one or more paths
    in backticks; a query string (``?q=…``) and a body (``{…}``) are not part of a path.
    """
    section = ARCHITECTURE.read_text().split("\n## 2. REST API", 1)[1].split("\n## ", 1)[0]
    lines = section.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("| method, path |"))
    rows = []
    for line in lines[header + 2 :]:  # after the header and its |---| line
        if not line.startswith("|"):
            break  # the end of the table
        cell = line.split("|")[1].strip()
        match = re.fullmatch(r"([A-Z]+(?:\s*/\s*[A-Z]+)*)\s+(`.*)", cell)
        assert match, f"a row of the REST API table that names no method: {line!r}"
        methods = [method.strip() for method in match.group(1).split("/")]
        paths = re.findall(r"`(/[^`\s?]*)", match.group(2))
        assert paths, f"a row of the REST API table that names no path: {line!r}"
        rows.append((methods, paths))
    return rows


def _documented_endpoints() -> set[tuple[str, str]]:
    """``(METHOD, path)`` the architecture document promises under ``/api/`` (the schema
    and docs pages aside: they serve the description, they are not in it)."""
    return {
        (method, _normalised(path))
        for methods, paths in _documented_table()
        for path in paths
        if path.startswith("/api/") and path not in SCHEMA_PAGES
        for method in methods
    }


def test_the_architecture_documents_the_api_in_one_table():
    documented = _documented_endpoints()
    every_path = {path for _, paths in _documented_table() for path in paths}

    # The parser reads the real table: well-known rows and the served pages are there.
    assert {("GET", "/api/dreams"), ("PATCH", "/api/dreams/{id}")} <= documented
    assert ("POST", "/api/videos/jobs/{id}/cancel") in documented
    assert set(SCHEMA_PAGES) <= every_path


def test_schema_documents_every_endpoint_of_the_design():
    documented = {(method, _normalised(path)) for method, path, _ in _operations()}
    missing = _documented_endpoints() - documented
    assert not missing, sorted(missing)


def test_the_schema_offers_no_endpoint_the_architecture_leaves_out():
    """docs/architecture.md's REST API table and the schema list the same endpoints."""
    in_schema = {(method, _normalised(path)) for method, path, _ in _operations()}
    undocumented = in_schema - _documented_endpoints()
    assert not undocumented, (
        f"in the schema but not in {ARCHITECTURE.name}'s REST API table: {sorted(undocumented)}"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("path", SCHEMA_PAGES)
def test_schema_and_docs_are_served(client, path):
    response = client.get(path)
    assert response.status_code == 200


@pytest.mark.parametrize("path", SCHEMA_PAGES)
@pytest.mark.parametrize("method", ["options", "post", "put", "patch", "delete"])
def test_schema_and_docs_answer_other_methods_without_an_error(client, path, method):
    response = getattr(client, method)(path, HTTP_ACCEPT="text/html")
    assert response.status_code < 500, response.status_code


def _missing_error_responses() -> list[str]:
    """``"METHOD path: status"`` for each relevant error status the schema does not declare."""
    missing = []
    for method, path, operation in _operations():
        wanted = set()
        if "requestBody" in operation:
            wanted.add("400")  # {"field": ["message"]}
        if "{" in path or path in _NAMES_A_DREAM_IN_ITS_BODY:
            wanted.add("404")  # {"detail": "..."}: none such, or someone else's
        responses = operation["responses"]
        for status in sorted(wanted):
            if status not in responses:
                missing.append(f"{method} {path}: {status}")
            elif "application/json" not in responses[status].get("content", {}):
                missing.append(f"{method} {path}: {status} without a JSON body")
    return missing


def test_schema_declares_error_bodies_where_relevant():
    assert _missing_error_responses() == []
