// A dream's page: live job progress, the video appearing in place, regenerate, cancel,
// share, delete. Every call goes through dreamVideoService.

import { flashNext, toast } from "./app.js";
import { dreamVideoService as service } from "./dreamVideoService.js";

const data = JSON.parse(document.getElementById("dream-data").textContent);
const $ = (selector) => document.querySelector(selector);
const stage = $("[data-video-stage]");
const player = $("[data-player]");
const video = $("[data-video]");
const progress = $("[data-progress]");
const progressLabel = $("[data-progress-label]");
const progressPercent = $("[data-progress-percent]");
const progressBar = $("[data-progress-bar]");
const progressFill = progressBar.querySelector(".progress-fill");
const live = $("[data-progress-live]");
const failed = $("[data-failed]");
const errorMessage = $("[data-error-message]");
const empty = $("[data-empty]");
const emptyTitle = $("[data-empty-title]");
const regenerate = $("[data-regenerate]");

const LABELS = {
  queued: "Waiting for the video generator",
  running: "Generating your video",
  ingesting: "Saving your video for good",
  succeeded: "Your video is ready",
  failed: "The video could not be made",
  cancelled: "Video cancelled",
};

let hasVideo = data.has_video;
let currentJob = data.job;
let polling = null;

function versioned(url, version) {
  return `${url}${url.includes("?") ? "&" : "?"}v=${encodeURIComponent(version)}`;
}

function announce(text) {
  // Re-setting the same text is not announced again, which is what we want.
  if (live.textContent !== text) live.textContent = text;
}

function setBusy(on) {
  for (const button of document.querySelectorAll("[data-generate]")) button.disabled = on;
}

/** Show the page as `job` says (null: no job). */
function render(job) {
  const status = job ? job.status : "none";
  stage.dataset.jobStatus = status;
  const active = ["queued", "running", "ingesting"].includes(status);
  progress.hidden = !active;
  failed.hidden = status !== "failed";
  if (regenerate) regenerate.hidden = active || !hasVideo;
  if (active) {
    const percent = Math.round((job.progress || 0) * 100);
    progressLabel.textContent = LABELS[status];
    progressPercent.textContent = percent > 0 ? `${percent}%` : "";
    progressBar.setAttribute("aria-valuenow", String(percent));
    progressFill.style.width = `${percent}%`;
    announce(`${LABELS[status]}…`);
  }
  if (status === "succeeded" && job.video_url) {
    hasVideo = true;
    video.poster = job.thumbnail_url ? versioned(job.thumbnail_url, job.id) : "";
    video.src = versioned(job.video_url, job.id);
    video.load();
    if (regenerate) regenerate.hidden = false;
    announce("Your video is ready.");
  }
  if (status === "failed") {
    errorMessage.textContent =
      (job.error && job.error.message) || "Something went wrong while making this video.";
    announce(`The video could not be made. ${errorMessage.textContent}`);
  }
  if (status === "cancelled") announce("Video cancelled.");
  player.hidden = !hasVideo;
  empty.hidden = hasVideo || active || status === "failed";
  if (emptyTitle) emptyTitle.textContent = status === "cancelled" ? "Video cancelled." : "No video yet.";
  setBusy(active);
}

async function follow(job) {
  currentJob = job;
  render(job);
  if (polling) polling.abort();
  if (!job || !["queued", "running", "ingesting"].includes(job.status)) return;
  const controller = new AbortController();
  polling = controller;
  try {
    const finished = await service.waitForJob(job.id, {
      signal: controller.signal,
      intervalMs: 800,
      onProgress: (update) => {
        currentJob = update;
        render(update);
      },
    });
    currentJob = finished;
    render(finished);
  } catch (error) {
    if (error.name === "AbortError") return;
    toast(`Lost track of the video: ${error.message} Reload the page to check on it.`);
  } finally {
    if (polling === controller) polling = null;
  }
}

async function generate() {
  setBusy(true);
  try {
    const job = await service.generateVideoForDream(data.dream_id, {
      prompt: data.prompt,
      duration: data.duration,
    });
    await follow(job);
  } catch (error) {
    setBusy(false);
    toast(error.message);
  }
}

async function cancel(button) {
  if (!currentJob) return;
  button.disabled = true;
  try {
    const job = await service.cancelJob(currentJob.id);
    if (polling) polling.abort();
    currentJob = job;
    render(job);
  } catch (error) {
    toast(error.message);
  } finally {
    button.disabled = false;
  }
}

// --- Sharing -----------------------------------------------------------------------------

function shareState(dream) {
  if (!dream.is_public) return ["private", "Private — only you can see it"];
  if (dream.moderation_status === "rejected") {
    return ["rejected", "Public, but not accepted into the gallery"];
  }
  if (dream.moderation_status === "pending") return ["pending", "Public — waiting for a moderator"];
  if (dream.video_status !== "ready") {
    return ["approved", "Approved — in the gallery once its video is ready"];
  }
  return ["approved", "Public — in the gallery"];
}

async function toggleShare(button) {
  button.disabled = true;
  try {
    const dream = await service.updateDreamWithVideo(data.dream_id, { is_public: !data.is_public });
    data.is_public = dream.is_public;
    const [key, label] = shareState(dream);
    $("[data-share]").dataset.shareKey = key;
    $("[data-share-dot]").className = `dot dot-${key}`;
    $("[data-share-label]").textContent = label;
    const reason = $("[data-share-reason]");
    reason.hidden = !(key === "rejected" && dream.moderation_reason);
    $("[data-share-reason-text]").textContent = dream.moderation_reason || "";
    button.textContent = dream.is_public ? "Make private" : "Make public";
    toast(dream.is_public ? "Shared. A moderator will look at it soon." : "Now private.");
  } catch (error) {
    toast(error.message);
  } finally {
    button.disabled = false;
  }
}

// --- Deleting ----------------------------------------------------------------------------

const dialog = $("#delete-dialog");

async function confirmDelete(button) {
  const problem = dialog.querySelector("[data-delete-error]");
  problem.hidden = true;
  button.disabled = true;
  try {
    if (polling) polling.abort();
    await service.deleteDream(data.dream_id);
    flashNext("Dream deleted.");
    window.location.assign(data.journal_url);
  } catch (error) {
    problem.textContent = error.message;
    problem.hidden = false;
    button.disabled = false;
  }
}

// --- Wiring ------------------------------------------------------------------------------

document.addEventListener("click", (event) => {
  const target = event.target.closest("button");
  if (!target) return;
  if (target.matches("[data-generate]")) generate();
  else if (target.matches("[data-cancel]")) cancel(target);
  else if (target.matches("[data-share-toggle]")) toggleShare(target);
  else if (target.matches("[data-delete]")) dialog.showModal();
  else if (target.matches("[data-confirm-delete]")) confirmDelete(target);
});

const params = new URLSearchParams(window.location.search);
if (params.has("generate")) {
  // Sent here by the editor: start the new video once, then forget the request.
  params.delete("generate");
  const query = params.toString();
  window.history.replaceState(null, "", window.location.pathname + (query ? `?${query}` : ""));
  const active = currentJob && ["queued", "running", "ingesting"].includes(currentJob.status);
  if (active) follow(currentJob);
  else generate();
} else {
  follow(currentJob);
}
