"""Hardening headers: a strict Content-Security-Policy everywhere, pages that obey it, no debug.

Headers and HTML through the test client; then one real Chromium against the live server
checks that the pages (ours, Swagger UI, the admin) run under the policy without a single
violation.
"""

from __future__ import annotations

import os
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import Client

from tests.hostile.fixtures_hostile import ROOT
from tests.support.factories import DreamFactory

CHROMIUM = "/usr/bin/chromium"
PAGES = ["/", "/journal/", "/gallery/", "/admin/login/", "/api/dreams", "/api/docs/"]


def _policy(response) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name.lower()] = values
    return directives


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[dict[str, str | None]] = []

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "script":
            self.tags.append(dict(attrs))


def _scripts(html: str) -> list[dict[str, str | None]]:
    parser = _Scripts()
    parser.feed(html)
    return parser.tags


def _inline_scripts_that_would_run(html: str, nonce: str | None) -> list[dict]:
    """Inline ``<script>`` elements the policy would block (no src, no matching nonce)."""
    data_types = {"application/json", "application/ld+json", "text/template"}
    return [
        tag
        for tag in _scripts(html)
        if not tag.get("src")
        and (tag.get("type") or "").lower() not in data_types
        and (nonce is None or tag.get("nonce") != nonce)
    ]


@pytest.fixture
def superuser_client(make_user) -> Client:
    admin = make_user("root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin, backend="common.authentication.ResilientModelBackend")
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES)
def test_every_response_carries_a_strict_policy(client, path):
    response = client.get(path)

    assert response.status_code == 200, (path, response.status_code)
    policy = _policy(response)
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert "*" not in policy["script-src"] and "data:" not in policy["script-src"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["base-uri"] == ["'self'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/journal/", "/gallery/", "/admin/login/", "/api/docs/"])
def test_no_page_has_an_inline_script_the_policy_would_block(client, path):
    response = client.get(path)
    nonces = [v[7:-1] for v in _policy(response)["script-src"] if v.startswith("'nonce-")]

    blocked = _inline_scripts_that_would_run(
        response.content.decode(), nonces[0] if nonces else None
    )

    assert blocked == [], f"{path}: inline scripts without the nonce: {blocked}"


@pytest.mark.django_db
def test_swagger_ui_is_served_without_inline_script(client):
    page = client.get("/api/docs/")
    html = page.content.decode()

    assert page.status_code == 200
    scripts = _scripts(html)
    assert scripts and all(tag.get("src") for tag in scripts)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    # Its own start-up code is the split view's script file, same origin.
    own = [tag["src"] for tag in scripts if tag["src"].startswith("/api/docs/")]
    assert own, scripts
    script = client.get(own[0])
    assert script.status_code == 200
    assert "javascript" in script["Content-Type"]
    assert b"SwaggerUIBundle" in script.content


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    ["/admin/", "/admin/dreams/dream/", "/admin/videos/videojob/", "/admin/auth/user/"],
)
def test_the_admin_renders_for_a_superuser_under_the_policy(superuser_client, user, path):
    DreamFactory(owner=user, title="<script>alert(1)</script>", with_video=True)

    response = superuser_client.get(path)

    assert response.status_code == 200, (path, response.status_code)
    policy = _policy(response)
    nonces = [v[7:-1] for v in policy["script-src"] if v.startswith("'nonce-")]
    blocked = _inline_scripts_that_would_run(
        response.content.decode(), nonces[0] if nonces else None
    )
    assert blocked == [], f"{path}: inline scripts the policy blocks: {blocked}"
    assert "<script>alert(1)</script>" not in response.content.decode()


@pytest.mark.django_db
def test_a_missing_page_is_the_styled_404_without_debug_information(client, settings):
    settings.DEBUG = False

    page = client.get("/no/such/page/")
    api = client.get("/api/no/such/thing")

    assert page.status_code == 404
    html = page.content.decode()
    assert "This page drifted away." in html
    for leak in ("URLconf", "urlpatterns", "Traceback", "DEBUG = True", "dreamjourney.urls"):
        assert leak not in html
    assert _policy(page)["object-src"] == ["'none'"]
    assert api.status_code == 404 and api.json() == {"detail": "Not found."}


def test_make_run_has_debug_off_unless_asked():
    # What the recipes of `make run` see in their environment when nobody set DEBUG.
    env = {k: v for k, v in os.environ.items() if k != "DEBUG"}
    shown = subprocess.run(
        [
            "make",
            "-s",
            "--no-print-directory",
            "--eval",
            'print-debug: ; @echo "DEBUG=[$$DEBUG]"',
            "print-debug",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "DEBUG=[false]" in shown.stdout, shown.stdout + shown.stderr


# --- The pages in a real browser under the policy --------------------------------------------


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_pages_run_under_the_policy_in_chromium(live_server, make_user):
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Debian's Chromium is not installed at {CHROMIUM} (make chromium)")
    violations: list[str] = []
    errors: list[str] = []

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with playwright_api.sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            context = browser.new_context(base_url=live_server.url)
            context.set_default_timeout(15_000)
            # Also catch violations the console might word differently.
            context.add_init_script(
                "document.addEventListener('securitypolicyviolation', e => console.error("
                "'Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI"
                "));"
            )
            page = context.new_page()
            page.on(
                "console",
                lambda msg: "Content Security Policy" in msg.text and violations.append(msg.text),
            )
            page.on("pageerror", lambda error: errors.append(str(error)))
            try:
                page.goto("/")
                page.wait_for_load_state("networkidle")

                page.goto("/api/docs/")
                swagger = playwright_api.expect
                swagger(page.locator(".swagger-ui .info .title")).to_contain_text(
                    "DreamJourney API"
                )
                swagger(page.locator(".swagger-ui .opblock").first).to_be_visible()

                page.goto("/admin/login/")
                swagger(page.locator("#id_username")).to_be_visible()
                page.wait_for_load_state("networkidle")
            finally:
                context.close()
                browser.close()

    assert violations == [], violations
    assert errors == [], errors
