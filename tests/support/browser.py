"""Real Chromium for page tests: the ``browser`` and ``visitors`` fixtures (a pytest plugin).

``visitors(width=360, height=780)`` opens a fresh browser context (its own cookies) on
the live test server; every JavaScript error on its page fails the test when it closes.
Full-page screenshots land in ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings as django_settings

ROOT = Path(django_settings.BASE_DIR)
CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
PHONE = {"width": 360, "height": 780}


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Debian's Chromium is not installed at {CHROMIUM} (make chromium)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests
    # make between page steps are plain synchronous code all the same.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with playwright_api.sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            yield browser
            browser.close()


class Visitor:
    """One browser context (its own cookies) with a page that fails the test on JS errors."""

    def __init__(self, browser, base_url: str, *, width: int = 1280, height: int = 860):
        self.context = browser.new_context(
            base_url=base_url, viewport={"width": width, "height": height}
        )
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()
        assert not self.errors, f"JavaScript errors: {self.errors}"


@pytest.fixture
def visitors(browser, live_server):
    made: list[Visitor] = []

    def make(**size) -> Visitor:
        made.append(Visitor(browser, live_server.url, **size))
        return made[-1]

    yield make
    for visitor in made:
        visitor.close()
