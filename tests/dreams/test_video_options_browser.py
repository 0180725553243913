"""The editor's video options in real Chromium: the lists follow the chosen model, and the
generation starts with what was chosen (desktop), and the controls fit a 360 px phone."""

from __future__ import annotations

import re

import pytest

from tests.support.browser import PHONE
from videos.models import VideoJob

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

DREAM_URL = re.compile(r"/dreams/[0-9a-f-]{36}/$")


def option_texts(select) -> list[str]:
    return select.locator("option").all_inner_texts()


def test_choosing_veo_offers_only_its_lengths_and_starts_that_generation(visitors):
    me = visitors()
    page = me.page
    page.goto("/dreams/new/")
    model = page.get_by_label("Model")
    expect(model.locator("option")).to_have_count(3)  # the catalog has arrived
    length = page.get_by_label("Length")
    assert option_texts(length) == [f"{n} seconds" for n in range(2, 11)]  # gen4.5: 2-10 s
    assert option_texts(page.get_by_label("Shape")) == [
        "Landscape 16:9 · 720p",
        "Portrait 9:16 · 720p",
    ]
    expect(page.get_by_label("With sound")).to_be_hidden()
    expect(page.get_by_text("videoOptions.js")).to_have_count(0)

    # When the writer picks Veo 3.1: only 4, 6 and 8 seconds, its 1080p shapes, and sound.
    model.select_option(label="Veo 3.1")
    assert option_texts(length) == ["4 seconds", "6 seconds", "8 seconds"]
    assert "Portrait 9:16 · 1080p" in option_texts(page.get_by_label("Shape"))
    expect(page.get_by_label("With sound")).to_be_checked()
    length.select_option(label="6 seconds")
    page.get_by_label("Shape").select_option(label="Portrait 9:16 · 1080p")
    page.get_by_label("Style").select_option(label="Noir")
    expect(page.get_by_text("Black and white with hard shadows")).to_be_visible()
    page.get_by_label("With sound").uncheck()
    me.screenshot("editor-video-options")

    page.get_by_label("Title").fill("The lighthouse")
    page.get_by_label("The dream").fill("A glass lighthouse over a violet sea.")
    page.get_by_role("button", name="Save dream").click()
    page.wait_for_url(DREAM_URL)

    # Then the generation has started with exactly those choices.
    expect(page.locator("[data-progress]")).to_be_visible()
    job = VideoJob.objects.get()
    assert (job.model, job.duration, job.ratio, job.style, job.audio) == (
        "veo3.1",
        6,
        "1080:1920",
        "noir",
        False,
    )

    # Once made (the demo renderer, here in this process), the portrait video plays tall.
    # (The live server's thread keeps its own task queue: the step is run here directly.)
    from videos.jobs.machine import video_job_advance

    video_job_advance(job_id=str(job.pk))
    stage = page.locator("[data-video-stage]")
    expect(stage).to_have_attribute("data-job-status", "succeeded", timeout=30_000)
    expect(page.locator("[data-player]")).to_have_class(re.compile(r"\bis-portrait\b"))

    # The dream page offers the same choices for its next video.
    page.get_by_text("Video options").click()
    expect(page.get_by_label("Model")).to_have_value("veo3.1")
    expect(page.get_by_label("Length")).to_have_value("6")
    expect(page.get_by_label("Style")).to_have_value("noir")
    me.screenshot("dream-page-video-options")


def test_the_video_options_fit_a_phone(visitors):
    phone = visitors(**PHONE)
    page = phone.page
    page.goto("/dreams/new/")
    expect(page.get_by_label("Model").locator("option")).to_have_count(3)
    page.get_by_label("Model").select_option(label="Veo 3.1 Fast")
    expect(page.get_by_label("With sound")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    box = page.get_by_label("Length").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    phone.screenshot("editor-video-options-phone")
