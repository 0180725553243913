"""The pages in real Chromium, against the live test server and a real task worker.

A visitor signs up, writes a dream, watches its video being made and plays it, edits
it, shares it, sees it in the gallery as a stranger, and deletes it; an anonymous
visitor uses demo mode and keeps their dream by signing up; a generation that fails
says so in plain words. Full-page screenshots land in ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import re

import pytest

from dreams.models import Dream

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

PASSWORD = "a quiet tide of stars"
DREAM_TEXT = (
    "I walked down a spiral staircase into a library where the shelves were coral and "
    "the books breathed like fish. My grandmother was there, calm, reading aloud to the "
    "tide, and I felt a quiet wonder."
)
DREAM_URL = re.compile(r"/dreams/[0-9a-f-]{36}/$")
WAIT_MS = 45_000  # a slow 2-core machine renders and stores a demo video in a few seconds


# --- Steps -------------------------------------------------------------------------------


def write_dream(page, *, title: str, generate: bool = True) -> str:
    page.get_by_label("Title").fill(title)
    page.get_by_label("The dream").fill(DREAM_TEXT)
    page.get_by_label("Generate a video").set_checked(generate)
    page.get_by_role("button", name="Save dream").click()
    page.wait_for_url(DREAM_URL)
    return page.url.rstrip("/").rsplit("/", 1)[-1]


def wait_for_video(page) -> None:
    """The job finishes and the player appears in place, with the video's metadata loaded."""
    stage = page.locator("[data-video-stage]")
    expect(stage).to_have_attribute("data-job-status", "succeeded", timeout=WAIT_MS)
    expect(page.locator("[data-progress-live]")).to_have_text("Your video is ready.")
    expect(page.locator("[data-progress]")).to_be_hidden()
    expect_playable(page)


def expect_playable(page) -> None:
    video = page.locator("video[data-video]")
    expect(video).to_be_visible()
    page.wait_for_function(
        "v => v.readyState >= 1 && v.duration > 0", arg=video.element_handle(), timeout=WAIT_MS
    )


def play_and_seek(page) -> None:
    video = page.locator("video[data-video]").element_handle()
    page.evaluate("v => { v.muted = true; return v.play(); }", video)
    page.wait_for_function("v => v.currentTime > 0", arg=video, timeout=WAIT_MS)
    page.evaluate("v => { v.pause(); v.currentTime = 2.5; }", video)
    page.wait_for_function(
        "v => !v.seeking && Math.abs(v.currentTime - 2.5) < 0.3", arg=video, timeout=WAIT_MS
    )


def add_companions(dream: Dream) -> None:
    """More dreams around the one under test, so screenshots show full grids and states.

    The gallery's companions reuse the stored video (rendering more would only cost time).
    """
    from tests.support.factories import DreamFactory

    DreamFactory(
        owner=dream.owner,
        title="Teeth made of glass",
        content="Every word I said chimed and cracked. Nobody else could hear it.",
        analysis={"emotions": ["anxiety"], "keywords": ["glass"], "mood": "anxiety"},
    )
    DreamFactory(
        owner=dream.owner,
        title="Snow falling in the kitchen",
        content="Snow fell from the ceiling onto my mother's table, soft and warm.",
        analysis={"emotions": ["calm", "love"], "keywords": ["snow"], "mood": "calm"},
        video_status="failed",
    )
    for title, mood in [
        ("Whales above the city", "wonder"),
        ("The train that never stopped", "anxiety"),
        ("My father's garden in winter", "sadness"),
        ("Dancing on the dark side of the moon", "joy"),
        ("A door at the bottom of the ocean", "calm"),
    ]:
        DreamFactory(
            title=title,
            analysis={"emotions": [mood], "keywords": [], "mood": mood},
            in_gallery=True,
            video_asset=dream.video_asset,
        )


# --- Scenarios ---------------------------------------------------------------------------


def test_a_dreamer_writes_watches_shares_and_deletes_a_dream(
    visitors, start_worker, django_user_model
):
    start_worker()
    me = visitors()
    page = me.page

    # Sign up from the landing page.
    page.goto("/")
    page.get_by_role("link", name="Create a free journal").click()
    page.get_by_label("Username").fill("luna")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create my journal").click()
    expect(page).to_have_url(re.compile(r"/journal/$"))
    expect(page.get_by_text("Welcome, luna.")).to_be_visible()
    expect(page.get_by_test_id("empty-journal")).to_be_visible()

    # Write a dream with a video; watch the job finish on the dream's page.
    page.get_by_role("link", name="Write your first dream").click()
    page.get_by_label("Title").fill("The library under the sea")
    page.get_by_label("The dream").fill(DREAM_TEXT)
    page.get_by_label("Emotions").fill("wonder, calm")
    me.screenshot("editor")
    page.get_by_role("button", name="Save dream").click()
    page.wait_for_url(DREAM_URL)
    dream_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    wait_for_video(page)
    play_and_seek(page)
    expect(page.get_by_text("Private — only you can see it")).to_be_visible()
    me.screenshot("dream-page-with-video")

    # Edit it, asking for a new video: the dream page makes it and swaps it in.
    page.get_by_role("link", name="Edit").click()
    expect(page.get_by_label("Emotions")).to_have_value("wonder, calm")
    page.get_by_label("Title").fill("The library beneath the sea")
    page.get_by_label("Make a new video on save").check()
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(DREAM_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("The library beneath the sea")
    wait_for_video(page)

    # Share it; a moderator approves it (the moderation service, as the admin does).
    page.get_by_role("button", name="Make public").click()
    expect(page.locator("[data-share-label]")).to_have_text("Public — waiting for a moderator")
    from dreams.moderation import dream_approve

    moderator = django_user_model.objects.create_user("moderator", is_staff=True)
    dream_approve(dream=Dream.objects.get(pk=dream_id), moderator=moderator)
    page.reload()
    expect(page.locator("[data-share-label]")).to_have_text("Public — in the gallery")

    add_companions(Dream.objects.get(pk=dream_id))
    me.page.goto("/journal/")
    expect(page.get_by_role("link", name="The library beneath the sea")).to_be_visible()
    expect(page.locator(".dream-card")).to_have_count(3)
    me.screenshot("journal")
    phone = visitors(width=360, height=780)
    phone.context.add_cookies(me.context.cookies())
    phone.page.goto("/journal/")
    expect(phone.page.get_by_role("link", name="The library beneath the sea")).to_be_visible()
    assert phone.page.evaluate("document.documentElement.scrollWidth") <= 360
    phone.screenshot("journal-phone-360")

    # A stranger finds it in the gallery, previews it, and watches it on its page.
    stranger = visitors()
    stranger.page.goto("/")
    expect(stranger.page.get_by_role("link", name="The library beneath the sea")).to_be_visible()
    stranger.screenshot("landing")
    stranger.page.goto("/gallery/?page_size=4")
    expect(stranger.page.locator(".gallery-card")).to_have_count(4)
    stranger.page.get_by_role("link", name="Load more").click()  # continues through the API
    expect(stranger.page.locator(".gallery-card")).to_have_count(6)
    expect(stranger.page.get_by_role("link", name="Load more")).to_have_count(0)
    card = stranger.page.locator(".gallery-card", has_text="The library beneath the sea")
    card.hover()  # a mouse plays the preview on hover; touch and keyboard use its button
    expect(card.locator(".preview")).to_have_class(re.compile("is-playing"))
    stranger.page.wait_for_function(
        "v => v.currentTime > 0", arg=card.locator("video").element_handle(), timeout=WAIT_MS
    )
    stranger.screenshot("gallery")
    card.get_by_role("link", name="The library beneath the sea").click()
    stranger.page.wait_for_url(DREAM_URL)
    expect(stranger.page.locator("video[data-video]")).to_be_visible()
    expect(stranger.page.get_by_role("button", name="Delete")).to_have_count(0)

    # The owner deletes it, after confirming.
    page.goto(f"/dreams/{dream_id}/")
    page.get_by_role("button", name="Delete").click()
    dialog = page.get_by_role("dialog", name="Delete this dream?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Keep it").click()
    expect(dialog).to_be_hidden()
    page.get_by_role("button", name="Delete").click()
    dialog.get_by_role("button", name="Delete dream").click()
    expect(page).to_have_url(re.compile(r"/journal/$"))
    expect(page.get_by_text("Dream deleted.")).to_be_visible()
    expect(page.get_by_role("link", name="The library beneath the sea")).to_have_count(0)
    expect(page.locator(".dream-card")).to_have_count(2)
    assert not Dream.objects.filter(pk=dream_id).exists()


def test_a_visitor_tries_demo_mode_then_signs_up_to_keep_the_dream(visitors, start_worker):
    start_worker()
    visitor = visitors()
    page = visitor.page

    page.goto("/journal/")
    expect(page.get_by_test_id("demo-notice")).to_contain_text("This is a demo journal")
    page.get_by_role("link", name="Write your first dream").click()
    expect(page.get_by_test_id("demo-notice")).to_be_visible()
    expect(page.get_by_label("Share in the public gallery")).to_be_disabled()
    write_dream(page, title="Flying over the night market")
    expect(page.get_by_test_id("demo-notice")).to_contain_text("Demo dream")

    # Straight to the journal: the card turns into a finished one without a reload.
    page.goto("/journal/")
    card = page.locator(".dream-card", has_text="Flying over the night market")
    expect(card).to_have_attribute("data-status", "ready", timeout=WAIT_MS)
    expect(card.locator("img")).to_be_visible()
    visitor.screenshot("demo-journal")
    card.get_by_role("link").click()
    expect_playable(page)

    page.get_by_role("link", name="Sign up to keep it").click()
    expect(page.get_by_text("will move to your new account")).to_be_visible()
    page.get_by_label("Username").fill("sol")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create my journal").click()
    expect(page).to_have_url(re.compile(r"/journal/$"))
    expect(page.get_by_text("is now yours")).to_be_visible()
    expect(page.get_by_test_id("demo-notice")).to_have_count(0)
    page.get_by_role("link", name="Flying over the night market").click()
    expect(page.locator("video[data-video]")).to_be_visible()
    assert Dream.objects.get(title="Flying over the night market").owner.username == "sol"


def test_a_failed_generation_says_what_went_wrong(
    visitors, start_worker, settings, django_user_model
):
    # RunwayML is configured but unreachable, with no demo fallback and no retries.
    runway = {
        "VIDEO_PROVIDER": "runway",
        "RUNWAYML_API_SECRET": "x",
        "RUNWAYML_BASE_URL": "http://127.0.0.1:9",
        "VIDEO_FALLBACK_TO_DEMO": "false",
        "VIDEO_MAX_ATTEMPTS": "1",
    }
    settings.VIDEO_PROVIDER = "runway"  # the web process picks the job's provider
    settings.RUNWAYML_API_SECRET = "x"
    start_worker(**runway)
    django_user_model.objects.create_user("stella", password=PASSWORD)
    visitor = visitors()
    page = visitor.page

    page.goto("/login/")
    page.get_by_label("Username").fill("stella")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/journal/$"))
    page.goto("/dreams/new/")
    write_dream(page, title="The unreachable lighthouse")

    expect(page.locator("[data-video-stage]")).to_have_attribute(
        "data-job-status", "failed", timeout=WAIT_MS
    )
    failed = page.locator("[data-failed]")
    expect(failed).to_contain_text("We couldn’t make this video.")
    expect(failed).to_contain_text("The video generator is unavailable right now")
    expect(failed.get_by_role("button", name="Try again")).to_be_enabled()
    expect(page.locator("[data-progress-live]")).to_contain_text("could not be made")
    visitor.screenshot("dream-page-failed")


SPA_SCRIPT = """
async ({ token }) => {
  const { DreamVideoService, DreamVideoError } = await import("/static/js/dreamVideoService.js");
  const service = new DreamVideoService({ token });
  const out = {};

  try {
    await service.createDreamWithVideo({ title: "", content: "x" });
  } catch (error) {
    out.invalid = {
      isError: error instanceof DreamVideoError,
      status: error.status,
      fields: Object.keys(error.fields),
      message: error.message,
    };
  }

  const queued = await service.createDreamWithVideo({
    title: "Queued, then cancelled", content: "A clock without hands.", generateVideo: true,
  });
  out.cancelled = (await service.cancelJob(queued.video_job.id)).status;

  const aborted = new AbortController();
  aborted.abort();
  try {
    await service.waitForJob(queued.video_job.id, { signal: aborted.signal });
  } catch (error) {
    out.abortName = error.name;
  }

  return out;
}
"""

SPA_GENERATE = """
async ({ token }) => {
  const { DreamVideoService } = await import("/static/js/dreamVideoService.js");
  const service = new DreamVideoService({ token });
  const statuses = [];
  const { dream, video_job } = await service.createDreamAndGenerateVideo(
    {
      title: "Made by a single-page app",
      content: "A paper boat sailed up the stairs.",
      emotions: ["wonder"],
      keywords: ["paper boat"],
    },
    { onProgress: (job) => statuses.push(job.status), intervalMs: 250 },
  );
  const listed = await service.listDreams({ pageSize: 1 });
  const gallery = await service.gallery();
  const video = await fetch(dream.video_url, {
    headers: { Range: "bytes=0-99", Authorization: `Token ${token}` },
  });
  await service.deleteDream(dream.id);
  return {
    job: video_job.status,
    statuses,
    videoStatus: dream.video_status,
    analysis: dream.analysis,
    listedFirst: listed.results[0].title,
    hasNext: Boolean(listed.next),
    galleryCount: gallery.results.length,
    rangeStatus: video.status,
    afterDelete: (await service.listDreams()).results.map((d) => d.title),
  };
}
"""


def test_the_spa_client_speaks_the_api_with_a_token(visitors, start_worker, django_user_model):
    """dreamVideoService.js as a single-page app uses it: token auth, no session cookie."""
    from rest_framework.authtoken.models import Token

    user = django_user_model.objects.create_user("app", password=PASSWORD)
    token = Token.objects.create(user=user).key
    spa = visitors()
    spa.page.goto("/gallery/")

    # No worker yet: the job waits in the queue, so it can be cancelled.
    first = spa.page.evaluate(SPA_SCRIPT, {"token": token})
    assert first["invalid"]["isError"] is True
    assert first["invalid"]["status"] == 400
    assert "title" in first["invalid"]["fields"]
    assert first["invalid"]["message"].startswith("Title: ")
    assert first["cancelled"] == "cancelled"
    assert first["abortName"] == "AbortError"

    start_worker()
    result = spa.page.evaluate(SPA_GENERATE, {"token": token})
    assert result["job"] == "succeeded"
    assert result["statuses"][-1] == "succeeded"
    assert result["videoStatus"] == "ready"
    assert result["analysis"]["keywords"] == ["paper boat"]
    assert result["listedFirst"] == "Made by a single-page app"
    assert result["hasNext"] is True
    assert result["galleryCount"] == 0
    assert result["rangeStatus"] == 206
    assert result["afterDelete"] == ["Queued, then cancelled"]
