"""The dream page in real Chromium while the LLM analyst reads the dream (end to end).

The live test server, a real ``db_worker`` and a fake chat-completions server on loopback
that holds its answer until the test has seen "Analysing…": the reading then arrives in
place (mood, symbols, the reflection), with no reload and no JavaScript error.
"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.dreams.analysis.test_llm import GOOD, KEY, PATH, completion

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(django_settings.BASE_DIR) / "test-artifacts" / "screenshots"
PASSWORD = "a quiet tide of stars"
WAIT_MS = 45_000


@pytest.fixture
def iris(django_user_model):
    # Made before the browser starts: ORM calls made inside Playwright's sync context would
    # open a database connection that outlives the test.
    return django_user_model.objects.create_user("iris", password=PASSWORD)


@pytest.fixture
def page(live_server):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Debian's Chromium is not installed at {CHROMIUM} (make chromium)")
    errors: list[str] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with playwright_api.sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            context = browser.new_context(
                base_url=live_server.url, viewport={"width": 1280, "height": 860}
            )
            context.set_default_timeout(15_000)
            tab = context.new_page()
            tab.on("pageerror", lambda error: errors.append(str(error)))
            yield tab
            context.close()
            browser.close()
    assert not errors, f"JavaScript errors: {errors}"


def test_the_reading_arrives_on_the_dream_page(
    iris, page, start_worker, settings, httpserver: HTTPServer
):
    release = threading.Event()

    def thinking(_request: Request) -> Response:
        release.wait(timeout=30)  # until the page has said "Analysing…"
        return Response(json.dumps(completion(GOOD)), content_type="application/json")

    httpserver.expect_request(PATH, method="POST").respond_with_handler(thinking)
    analyst = {
        "ANALYSIS_PROVIDER": "openai",
        "ANALYSIS_BASE_URL": httpserver.url_for(""),
        "ANALYSIS_API_KEY": KEY,
    }
    settings.ANALYSIS_PROVIDER = "openai"  # the web process queues the reading
    settings.ANALYSIS_BASE_URL = analyst["ANALYSIS_BASE_URL"]
    start_worker(**analyst)

    try:
        page.goto("/login/")
        page.get_by_label("Username").fill("iris")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(re.compile(r"/journal/$"))
        page.goto("/dreams/new/")
        page.get_by_label("Title").fill("The coral library")
        page.get_by_label("The dream").fill(
            "I walked down a spiral staircase into a library of coral, and felt calm wonder."
        )
        page.get_by_label("Generate a video").set_checked(False)
        page.get_by_role("button", name="Save dream").click()
        page.wait_for_url(re.compile(r"/dreams/[0-9a-f-]{36}/$"))

        card = page.locator("[data-analysis]")
        expect(card).to_have_attribute("data-analysis-status", "pending")
        expect(card.get_by_text("Analysing…")).to_be_visible()
        expect(card).to_have_attribute("aria-busy", "true")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "dream-page-llm-analysing.png"), full_page=True)
    finally:
        release.set()

    expect(card).to_have_attribute("data-analysis-status", "ready", timeout=WAIT_MS)
    expect(card.get_by_text("Analysing…")).to_be_hidden()
    expect(card.locator(".mood")).to_have_text("serene")
    expect(card.locator(".chip-symbol").first).to_have_text("staircase")
    expect(card.locator("[data-analysis-reflection]")).to_have_text(GOOD["reflection"])
    expect(page.locator("[data-analysis-live]")).to_have_text("The reading of your dream is ready.")
    page.screenshot(path=str(SCREENSHOTS / "dream-page-llm-reading.png"), full_page=True)
