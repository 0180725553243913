"""Export and import on the account page, in real Chromium (desktop and a 360 px phone).

A dreamer exports her journal (on the desktop it downloads at once; on the phone the
journal is "large", so the task worker packs it and the page shows its progress, then the
link), loses a dream, and imports the file she downloaded: the page says what came back.
Full-page screenshots land in ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import re
import zipfile

import pytest
from django.contrib.auth import get_user_model

from dreams.models import Dream, VideoStatus
from tests.support.archives import stored_video
from tests.support.browser import PHONE
from tests.support.factories import DreamFactory

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

PASSWORD = "a quiet tide of stars"
DESKTOP = {"width": 1280, "height": 860}
WAIT_MS = 45_000  # the worker polls every 0.2 s; a slow machine still packs this in seconds


def log_in(page, username: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/journal/$"))


@pytest.mark.parametrize(
    ("size", "background"), [(DESKTOP, False), (PHONE, True)], ids=["desktop", "phone-packed"]
)
def test_a_dreamer_exports_her_journal_and_imports_it_back(
    visitors, start_worker, settings, tmp_path, size, background
):
    # Given luna's journal: a dream with a stored video and one without
    user = get_user_model().objects.create_user("luna", password=PASSWORD)
    DreamFactory(owner=user, title="The library under the sea")
    lost = DreamFactory(
        owner=user,
        title="A train of paper lanterns",
        video_asset=stored_video(tmp_path),
        video_status=VideoStatus.READY,
    )
    if background:  # larger than what streams at once: the worker packs it
        settings.EXPORT_INLINE_MAX_DREAMS = 1
        start_worker()
    me = visitors(**size)
    page = me.page
    log_in(page, "luna")
    page.goto("/account/")
    panel = page.get_by_test_id("account-archive")
    status = panel.locator("[data-export-status]")

    # When she exports her journal, then it downloads (at once, or once packed)
    export = panel.get_by_role("button", name="Export my journal")
    if background:
        export.click()
        expect(status).to_contain_text("Packing your journal")
        me.screenshot("account-archive-packing-phone")
        link = panel.get_by_role("link", name="Download your journal")
        expect(link).to_be_visible(timeout=WAIT_MS)
        expect(status).to_contain_text(re.compile(r"\d+\sKB · the link works until"))
        me.screenshot("account-archive-packed-phone")
        with page.expect_download() as info:
            link.click()
    else:
        with page.expect_download() as info:
            export.click()
        expect(status).to_contain_text("Your journal is downloading: dreamjourney-luna-")
    download = info.value
    assert re.fullmatch(r"dreamjourney-luna-\d{4}-\d\d-\d\d\.zip", download.suggested_filename)
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        names = archive.namelist()
    assert f"dreams/{lost.pk}.json" in names and f"dreams/{lost.pk}.md" in names
    assert f"videos/{lost.video_asset.sha256}.mp4" in names

    # Given she then loses a dream
    lost_id = lost.pk
    lost.delete()

    # When she imports the file she downloaded
    panel.get_by_label("A DreamJourney export (.zip)").set_input_files(saved)
    panel.get_by_role("button", name="Import").click()

    # Then the page says what came back, and the dream is in her journal again
    result = panel.locator("[data-import-result]")
    expect(result).to_contain_text(
        "Imported 1 dream with 1 video; 1 dream was in your journal already.", timeout=WAIT_MS
    )
    expect(result.get_by_role("link", name="Open your journal")).to_be_visible()
    assert Dream.objects.get(pk=lost_id).video_status == VideoStatus.READY
    width = "phone" if size["width"] < 600 else "desktop"
    me.screenshot(f"account-archive-imported-{width}")

    # When she picks a file that is not an export, then she is told why, and nothing changes
    junk = tmp_path / "notes.zip"
    junk.write_bytes(b"these are my notes")
    panel.get_by_label("A DreamJourney export (.zip)").set_input_files(junk)
    panel.get_by_role("button", name="Import").click()
    expect(result).to_contain_text("Nothing was imported. This is not a ZIP archive")
    expect(panel.get_by_label("A DreamJourney export (.zip)")).to_have_attribute(
        "aria-invalid", "true"
    )
    assert Dream.objects.filter(owner=user).count() == 2
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the screen"
    me.screenshot(f"account-archive-refused-{width}")
