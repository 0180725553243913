"""The OpenAPI schema (``/api/schema/``) and its Swagger UI (``/api/docs/``) are served.

That the schema matches ``docs/architecture.md`` and the app's answers: ``test_schemathesis.py``.
"""

from __future__ import annotations

import re

import pytest

from tests.support.contract import DREAM_FIELDS

pytestmark = pytest.mark.django_db


def test_schema_describes_every_endpoint(api_client):
    response = api_client.get("/api/schema/")

    assert response.status_code == 200
    schema = response.content.decode()
    assert "openapi: 3" in schema
    for path in (
        "/api/auth/register:",
        "/api/auth/token:",
        "/api/dreams:",
        "/api/dreams/{id}:",
        "/api/dreams/with-video:",
        "/api/dreams/public/gallery:",
        "/api/ai/generate-video:",
        "/api/ai/store-video:",
        "/api/videos/jobs/{job_id}:",
        "/api/videos/jobs/{job_id}/cancel:",
    ):
        assert path in schema, path


def test_schema_as_json_lists_the_dream_fields(api_client):
    response = api_client.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    assert "/api/dreams/{id}" in schema["paths"]
    assert set(schema["paths"]["/api/dreams/{id}"]) >= {"get", "put", "patch", "delete"}
    assert set(schema["components"]["schemas"]["Dream"]["properties"]) == DREAM_FIELDS


def test_docs_page_is_swagger_ui(api_client):
    response = api_client.get("/api/docs/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "swagger" in page.lower()
    # Its script is a file of its own (no inline script under the CSP), pointing at the schema.
    script = re.search(r'<script src="([^"]*\?script=?[^"]*)"', page)
    assert script, page
    assert "/api/schema/" in api_client.get(script.group(1)).content.decode()
