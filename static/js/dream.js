// A dream's page: live job progress, the video appearing in place, regenerate, cancel,
// share, delete, and the LLM analyst's reading arriving. Every call goes through
// dreamVideoService.

import { flashNext, toast } from "./app.js";
import { dreamVideoService as service } from "./dreamVideoService.js";
import { VideoOptions } from "./videoOptions.js";

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

// A new video brings its own Content Credentials (the "AI-generated" label and details):
// the block comes from a fresh copy of this page, so its words have one home (the template).
let credentialsOf = null;

async function refreshCredentials() {
  try {
    const response = await fetch(window.location.pathname, { headers: { Accept: "text/html" } });
    if (!response.ok) return;
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = page.querySelector("[data-credentials]");
    document.querySelector("[data-credentials]")?.remove();
    if (fresh) player.after(document.importNode(fresh, true));
  } catch {
    // Offline for a moment: the label is on the page at the next visit.
  }
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
    // No percentage (queued, or a provider that gives none): a moving, indeterminate bar.
    const indeterminate = !(percent > 0);
    progressLabel.textContent = LABELS[status];
    progressPercent.textContent = indeterminate ? "" : `${percent}%`;
    progressBar.classList.toggle("is-indeterminate", indeterminate);
    if (indeterminate) progressBar.removeAttribute("aria-valuenow");
    else progressBar.setAttribute("aria-valuenow", String(percent));
    progressFill.style.width = indeterminate ? "" : `${percent}%`;
    announce(`${LABELS[status]}…`);
  }
  if (status === "succeeded" && job.video_url) {
    if (credentialsOf !== job.id) {
      credentialsOf = job.id;
      refreshCredentials();
    }
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

// A portrait video (720:1280, 1080:1920) gets a tall player rather than a 16:9 box.
function fitPlayer() {
  player.classList.toggle("is-portrait", video.videoHeight > video.videoWidth);
}
video.addEventListener("loadedmetadata", fitPlayer);
if (video.readyState >= 1) fitPlayer(); // already known before this module ran

// --- The video's choices -----------------------------------------------------------------
// The side card's controls (videoOptions.js) choose model, style, shape, length and sound;
// the editor sends its own choices along in the query string (`?generate=1&model=…`).

const optionsBox = $("[data-video-options]");
let videoOptions = null;

/** The choices the editor sent with `?generate=1`, removed from the address once read. */
function takeQueryChoices(params) {
  const choices = {};
  for (const name of ["model", "style", "ratio", "duration", "audio"]) {
    const value = params.get(name);
    params.delete(name);
    if (value === null || value === "") continue;
    if (name === "duration") choices.duration = Number(value);
    else if (name === "audio") choices.audio = value === "1";
    else choices[name] = value;
  }
  return choices;
}

async function startVideoOptions(initial) {
  if (!optionsBox) return;
  try {
    videoOptions = await new VideoOptions(optionsBox, { initial }).ready();
  } catch {
    const status = optionsBox.querySelector("[data-video-options-status]");
    if (status) status.textContent = "The video options could not be loaded: the defaults will be used.";
  }
}

async function generate(choices = null) {
  setBusy(true);
  try {
    const job = await service.generateVideoForDream(data.dream_id, {
      prompt: data.prompt,
      ...(choices || (videoOptions ? videoOptions.values() : {})),
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

// --- The analysis ------------------------------------------------------------------------
// While the LLM analyst reads the dream (analysis_status "pending") the card says so and the
// dream is polled; its reading replaces ours when it arrives. Built with textContent only.

const analysisCard = $("[data-analysis]");
const ANALYSIS_WAIT_MS = 3 * 60 * 1000;
const PROMPT_UNITS = 1000; // what generate-video accepts, in UTF-16 units (String.length)

function strings(value) {
  return Array.isArray(value) ? value.filter((item) => typeof item === "string" && item) : [];
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  node.dataset.analysisPart = "";
  return node;
}

function chipList(items, chipClass) {
  const list = element("ul", "chips");
  for (const item of items) {
    const chip = document.createElement("li");
    chip.className = chipClass;
    chip.textContent = item.text;
    if (item.title) chip.title = item.title;
    list.append(chip);
  }
  return list;
}

/** The LLM's cinematic prompt makes the next video (the server does the same on a reload). */
function usePromptOf(dream) {
  const prompt = dream.analysis && dream.analysis.video_prompt;
  if (dream.analysis_status === "ready" && typeof prompt === "string" && prompt.trim()) {
    if (prompt.length <= PROMPT_UNITS) data.prompt = prompt;
  }
}

/** Show `dream.analysis` in the card, as the page itself renders it. */
function renderAnalysis(dream) {
  if (!analysisCard) return;
  const analysis = dream.analysis && typeof dream.analysis === "object" ? dream.analysis : {};
  const parts = [];
  const mood = typeof analysis.mood === "string" && analysis.mood !== "neutral" ? analysis.mood : "";
  if (mood) {
    const line = element("p", "mood-line", "Mood ");
    const word = document.createElement("strong");
    word.className = `mood mood-${mood.toLowerCase().replace(/[^a-z0-9-]+/g, "-")}`;
    word.textContent = mood;
    line.append(word);
    parts.push(line);
  }
  const emotions = strings(analysis.emotions);
  if (emotions.length) {
    parts.push(element("h3", "mini-title", "Emotions"));
    parts.push(chipList(emotions.map((text) => ({ text })), "chip chip-emotion"));
  }
  const symbols = (Array.isArray(analysis.symbols) ? analysis.symbols : []).filter(
    (symbol) => symbol && typeof symbol.name === "string" && symbol.name,
  );
  if (symbols.length) {
    parts.push(element("h3", "mini-title", "Symbols"));
    const items = symbols.map((symbol) => ({
      text: symbol.name,
      title: typeof symbol.family === "string" ? symbol.family : "",
    }));
    parts.push(chipList(items, "chip chip-symbol"));
  }
  const keywords = strings(analysis.keywords);
  if (keywords.length && !symbols.length) {
    // The symbols are the motifs, with their families: the page shows one or the other.
    parts.push(element("h3", "mini-title", "Motifs"));
    parts.push(chipList(keywords.map((text) => ({ text })), "chip"));
  }
  if (typeof analysis.reflection === "string" && analysis.reflection.trim()) {
    parts.push(element("h3", "mini-title", "A reflection for you"));
    const text = element("p", "prompt-text");
    text.dataset.analysisReflection = "";
    analysis.reflection.split("\n").forEach((line, index) => {
      if (index) text.append(document.createElement("br"));
      text.append(line);
    });
    parts.push(text);
  }
  for (const old of analysisCard.querySelectorAll("[data-analysis-part]")) old.remove();
  analysisCard.append(...parts);
}

function showAnalysisStatus(status, message) {
  analysisCard.dataset.analysisStatus = status;
  const note = analysisCard.querySelector("[data-analysis-note]");
  const live = analysisCard.querySelector("[data-analysis-live]");
  if (status === "pending") analysisCard.setAttribute("aria-busy", "true");
  else analysisCard.removeAttribute("aria-busy");
  if (note) {
    note.textContent = message || "Analysing…";
    note.hidden = status !== "pending" && !message;
  }
  if (live && message) live.textContent = message;
}

async function followAnalysis() {
  if (!analysisCard || analysisCard.dataset.analysisStatus !== "pending") return;
  try {
    const dream = await service.waitForAnalysis(data.dream_id, { timeoutMs: ANALYSIS_WAIT_MS });
    if (dream.analysis_status === "pending") {
      showAnalysisStatus("pending", "Still analysing — the reading will be here when you come back.");
      return;
    }
    renderAnalysis(dream);
    usePromptOf(dream);
    showAnalysisStatus(dream.analysis_status, "");
    const live = analysisCard.querySelector("[data-analysis-live]");
    if (live) {
      live.textContent =
        dream.analysis_status === "ready" ? "The reading of your dream is ready." : "";
    }
  } catch (error) {
    if (error.name === "AbortError") return;
    showAnalysisStatus("pending", "Lost track of the reading. Reload the page to check on it.");
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
    // Only a gallery dream can be shared: made private, its Share button goes too.
    const shareLink = $("[data-share-link-box]");
    if (shareLink) shareLink.hidden = key !== "approved" || dream.video_status !== "ready";
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
  const choices = takeQueryChoices(params);
  const query = params.toString();
  window.history.replaceState(null, "", window.location.pathname + (query ? `?${query}` : ""));
  startVideoOptions(choices);
  const active = currentJob && ["queued", "running", "ingesting"].includes(currentJob.status);
  if (active) follow(currentJob);
  else generate(choices);
} else {
  startVideoOptions({ ...(data.choices || {}), duration: data.duration });
  follow(currentJob);
}
followAnalysis();
