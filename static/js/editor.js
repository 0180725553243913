// The dream editor: saves through the API, shows DRF's field errors beside their fields,
// and keeps the unsaved dream in this browser as a draft to offer back after a closed tab.

import { flashNext, toast } from "./app.js";
import { DraftStore, pruneDrafts } from "./drafts.js";
import { DreamVideoError, dreamVideoService as service } from "./dreamVideoService.js";
import { VideoOptions } from "./videoOptions.js";

const form = document.getElementById("dream-form");
const dreamId = form.dataset.dreamId;
const submit = form.querySelector("[data-submit]");
const submitLabel = form.querySelector("[data-submit-label]");
const submitStatus = form.querySelector("[data-submit-status]");
const formError = form.querySelector("[data-form-error]");
const offer = document.querySelector("[data-draft-offer]");
const tagList = document.getElementById("tag-suggestions");
const knownTags = tagList ? [...tagList.options].map((option) => option.value) : [];
const DRAFT_DELAY_MS = 500;
const optionsBox = form.querySelector("[data-video-options]");
let videoOptions = null; // the video's choices, once the model catalog has loaded

// --- Reading the form -------------------------------------------------------------------

function storedAnalysis() {
  try {
    const value = JSON.parse(document.getElementById("dream-analysis").textContent);
    return value && typeof value === "object" && !Array.isArray(value) ? value : {};
  } catch {
    return {};
  }
}

/** "wonder, calm,, Wonder " -> ["wonder", "calm"] */
function listOf(text) {
  const seen = new Set();
  const items = [];
  for (const raw of text.split(",")) {
    const item = raw.trim().replace(/\s+/g, " ");
    if (item && !seen.has(item.toLowerCase())) {
      seen.add(item.toLowerCase());
      items.push(item);
    }
  }
  return items;
}

/** The form's controls called `name`: one element, or a radio group's buttons. */
function controlsOf(name) {
  const control = form.elements.namedItem(name);
  if (!control) return [];
  return control instanceof RadioNodeList ? [...control] : [control];
}

/** Everything the writer typed or chose, as plain values: what a draft keeps. */
function formState() {
  const field = (name) => form.elements.namedItem(name);
  return {
    title: field("title").value,
    content: field("content").value,
    dreamt_on: field("dreamt_on").value,
    lucid: field("lucid").checked,
    nightmare: field("nightmare").checked,
    recurring: field("recurring").checked,
    clarity: field("clarity").value,
    sleep_quality: field("sleep_quality").value,
    tags: field("tags").value,
    emotions: field("emotions").value,
    keywords: field("keywords").value,
    is_public: field("is_public").checked,
    generate_video: field("generate_video").checked,
  };
}

function fillForm(state) {
  for (const [name, value] of Object.entries(state)) {
    const control = form.elements.namedItem(name);
    if (!control) continue;
    if (control instanceof RadioNodeList) {
      control.value = typeof value === "string" ? value : "";
    } else if (control.type === "checkbox") {
      if (!control.disabled) control.checked = Boolean(value);
    } else if (typeof value === "string") {
      control.value = value;
    }
  }
}

/** The dream's details as the API takes them. */
function detailsOf(state) {
  const rating = (value) => (value ? Number(value) : null);
  return {
    dreamt_on: state.dreamt_on,
    lucid: state.lucid,
    nightmare: state.nightmare,
    recurring: state.recurring,
    clarity: rating(state.clarity),
    sleep_quality: rating(state.sleep_quality),
    tags: listOf(state.tags),
  };
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** Only what the writer changed: an edit leaves the other details as they are stored. */
function changedDetails(now, before) {
  const changed = Object.entries(now).filter(([name, value]) => !same(value, before[name]));
  return Object.fromEntries(changed);
}

/** The analysis the writer gave; its mood is the first emotion, as the server's own reading. */
function analysisOf(emotions, keywords) {
  return { emotions, keywords, mood: emotions[0] || "neutral" };
}

/** The stored reading with the writer's emotions and keywords, if they changed them. */
function editedAnalysis(emotions, keywords) {
  const stored = storedAnalysis();
  if (same(stored.emotions || [], emotions) && same(stored.keywords || [], keywords)) {
    return undefined;
  }
  return { ...stored, emotions, keywords };
}

function dreamUrl(id, query = "") {
  return form.dataset.dreamUrlTemplate.replace("00000000-0000-0000-0000-000000000000", id) + query;
}

/** "2025-06-03" for the browser's own today: the night just past is the writer's date. */
function localToday() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

function startOnLocalToday() {
  const when = form.elements.namedItem("dreamt_on");
  if (!when.hasAttribute("data-local-today")) return;
  let today = localToday();
  if (when.max && today > when.max) today = when.max;
  if (when.min && today < when.min) today = when.min;
  when.value = today;
}

// --- Errors -----------------------------------------------------------------------------

function clearErrors() {
  formError.hidden = true;
  formError.textContent = "";
  for (const el of form.querySelectorAll("[data-error-for]")) {
    el.hidden = true;
    el.textContent = "";
  }
  for (const el of form.querySelectorAll('[aria-invalid="true"]')) {
    el.removeAttribute("aria-invalid");
  }
}

function clearFieldError(event) {
  const name = event.target.name;
  if (!name) return;
  for (const control of controlsOf(name)) control.removeAttribute("aria-invalid");
  const slot = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
  if (slot) slot.hidden = true;
}

function showFieldError(name, message) {
  const slot = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
  if (!slot) return false;
  slot.textContent = message;
  slot.hidden = false;
  for (const control of controlsOf(name)) control.setAttribute("aria-invalid", "true");
  return true;
}

function messagesOf(value) {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(messagesOf);
  if (value && typeof value === "object") return Object.values(value).flatMap(messagesOf);
  return [];
}

/** Focus the first field in error (a radio group: its chosen button). */
function focusFirstInvalid() {
  const invalid = form.querySelector('[aria-invalid="true"]');
  if (!invalid) return false;
  const group = invalid.type === "radio" ? form.elements.namedItem(invalid.name) : null;
  const chosen = group && [...group].find((radio) => radio.checked);
  (chosen || invalid).focus();
  return true;
}

function showErrors(error) {
  const fields = (error instanceof DreamVideoError && error.fields) || {};
  const unplaced = [];
  for (const [name, value] of Object.entries(fields)) {
    if (name === "analysis" && value && typeof value === "object" && !Array.isArray(value)) {
      for (const [key, inner] of Object.entries(value)) {
        if (!showFieldError(key, messagesOf(inner).join(" "))) unplaced.push(...messagesOf(inner));
      }
    } else if (!showFieldError(name, messagesOf(value).join(" "))) {
      unplaced.push(...messagesOf(value));
    }
  }
  if (unplaced.length || !form.querySelector('[aria-invalid="true"]')) {
    formError.textContent = unplaced.length ? unplaced.join(" ") : error.message;
    formError.hidden = false;
    formError.setAttribute("tabindex", "-1");
    formError.focus();
  } else {
    focusFirstInvalid();
  }
}

function checkRequired() {
  const missing = {
    title: "Give your dream a title.",
    content: "Write a few words about your dream.",
    dreamt_on: "Choose the day you dreamt it.",
  };
  let ok = true;
  for (const [name, message] of Object.entries(missing)) {
    if (!form.elements.namedItem(name).value.trim()) {
      showFieldError(name, message);
      ok = false;
    }
  }
  if (!ok) focusFirstInvalid();
  return ok;
}

// --- Drafts -----------------------------------------------------------------------------

const drafts = new DraftStore({ owner: form.dataset.draftOwner, dream: dreamId || "new" });
let initial = null; // the form as the page opened it
let draftTimer = 0;
let keepingDrafts = true; // off while a stored draft awaits an answer, and once saved

function keepDraft() {
  clearTimeout(draftTimer);
  draftTimer = 0;
  if (!keepingDrafts) return;
  const state = formState();
  if (same(state, initial)) drafts.clear();
  else drafts.save(state);
}

function keepDraftSoon() {
  if (!keepingDrafts) return;
  clearTimeout(draftTimer);
  draftTimer = setTimeout(keepDraft, DRAFT_DELAY_MS);
}

function flushDraft() {
  if (draftTimer) keepDraft();
}

function savedWhen(ms) {
  const at = new Date(ms);
  const clock = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
  const time = clock.format(at);
  const yesterday = new Date();
  yesterday.setDate(yesterday.getDate() - 1);
  if (at.toDateString() === new Date().toDateString()) return `today at ${time}`;
  if (at.toDateString() === yesterday.toDateString()) return `yesterday at ${time}`;
  const day = new Intl.DateTimeFormat(undefined, {
    weekday: "long",
    day: "numeric",
    month: "long",
  });
  return `${day.format(at)} at ${time}`;
}

function answerOffer(restore, draft) {
  offer.hidden = true;
  keepingDrafts = true;
  if (restore) {
    fillForm(draft.fields);
    suggestTags();
    keepDraft();
    toast("Your draft is back.");
  } else {
    drafts.clear();
    keepDraft(); // what was typed while the question was open is the draft now
    toast("Draft discarded.");
  }
  form.elements.namedItem("title").focus();
}

/** Offer the draft a closed tab left behind, unless it is what the form already shows. */
function offerDraft() {
  const draft = drafts.load();
  if (!draft) return;
  if (same({ ...initial, ...draft.fields }, initial)) {
    drafts.clear();
    return;
  }
  keepingDrafts = false; // the stored draft stays as it is until the writer answers
  const time = offer.querySelector("[data-draft-time]");
  time.dateTime = new Date(draft.savedAt).toISOString();
  time.textContent = savedWhen(draft.savedAt);
  const restore = offer.querySelector("[data-draft-restore]");
  const discard = offer.querySelector("[data-draft-discard]");
  restore.addEventListener("click", () => answerOffer(true, draft), { once: true });
  discard.addEventListener("click", () => answerOffer(false, draft), { once: true });
  offer.hidden = false;
}

// --- Tag suggestions --------------------------------------------------------------------

/** A datalist matches the whole value: offer each known tag after the ones typed already. */
function suggestTags() {
  if (!tagList) return;
  const text = form.elements.namedItem("tags").value;
  const cut = text.lastIndexOf(",");
  const spacing = text.slice(cut + 1).match(/^\s*/)[0] || " ";
  const head = cut < 0 ? "" : text.slice(0, cut + 1) + spacing;
  const used = new Set(listOf(text.slice(0, cut + 1)).map((tag) => tag.toLowerCase()));
  const options = knownTags
    .filter((tag) => !used.has(tag))
    .map((tag) => Object.assign(document.createElement("option"), { value: head + tag }));
  tagList.replaceChildren(...options);
}

// --- Saving -----------------------------------------------------------------------------

function busy(on, text = "") {
  submit.disabled = on;
  submit.setAttribute("aria-busy", on ? "true" : "false");
  submitStatus.textContent = text;
}

async function save(event) {
  event.preventDefault();
  clearErrors();
  if (!checkRequired()) return;
  const state = formState();
  const title = state.title.trim();
  const content = state.content.trim();
  const emotions = listOf(state.emotions);
  const keywords = listOf(state.keywords);
  const isPublic = form.elements.namedItem("is_public").disabled ? undefined : state.is_public;
  const generate = state.generate_video;
  const original = submitLabel.textContent;
  submitLabel.textContent = "Saving…";
  busy(true, generate ? "Saving your dream and starting its video…" : "Saving your dream…");
  try {
    let url;
    const choices = generate && videoOptions ? videoOptions.values() : {};
    if (!dreamId) {
      const { duration, ...video } = choices;
      const { dream } = await service.createDreamWithVideo({
        title,
        content,
        ...detailsOf(state),
        // Both empty: the server reads emotions and keywords from the dream itself.
        analysis: emotions.length || keywords.length ? analysisOf(emotions, keywords) : undefined,
        is_public: isPublic,
        generateVideo: generate,
        ...(generate ? { ...video, videoDuration: duration } : {}),
      });
      url = dreamUrl(dream.id);
    } else {
      await service.updateDreamWithVideo(dreamId, {
        title,
        content,
        ...changedDetails(detailsOf(state), detailsOf(initial)),
        // Only a reading the writer changed is sent: otherwise the server reads the new words.
        analysis: editedAnalysis(emotions, keywords),
        is_public: isPublic,
      });
      // The dream page starts the new video, with a prompt built from the saved text.
      url = dreamUrl(dreamId, generate ? `?${generateQuery(choices)}` : "");
    }
    keepingDrafts = false; // saved: nothing left to keep, not even on the way out
    clearTimeout(draftTimer);
    drafts.clear();
    // The next page confirms it (a toast in the page's polite live region).
    flashNext(dreamId ? "Saved." : "Dream saved.", "success");
    window.location.assign(url);
  } catch (error) {
    submitLabel.textContent = original;
    busy(false);
    showErrors(error);
  }
}

// --- The video's choices ----------------------------------------------------------------

/** "generate=1&model=…": what the dream page needs to start the same video. */
function generateQuery(choices) {
  const query = new URLSearchParams({ generate: "1" });
  for (const [name, value] of Object.entries(choices)) {
    if (value !== undefined) query.set(name, typeof value === "boolean" ? (value ? "1" : "0") : value);
  }
  return query.toString();
}

async function startVideoOptions() {
  if (!optionsBox) return;
  const generateSwitch = form.elements.namedItem("generate_video");
  const follow = () => {
    optionsBox.hidden = !generateSwitch.checked;
  };
  generateSwitch.addEventListener("change", follow);
  follow();
  try {
    videoOptions = await new VideoOptions(optionsBox).ready();
  } catch {
    const status = optionsBox.querySelector("[data-video-options-status]");
    if (status) status.textContent = "The video options could not be loaded: the defaults will be used.";
    for (const control of optionsBox.querySelectorAll("select")) control.disabled = true;
  }
}

// --- Start ------------------------------------------------------------------------------

startOnLocalToday();
initial = formState();
pruneDrafts();
offerDraft();
suggestTags();

startVideoOptions();

form.addEventListener("submit", save);
form.addEventListener("input", clearFieldError);
form.addEventListener("change", clearFieldError);
form.addEventListener("input", keepDraftSoon);
form.addEventListener("change", keepDraftSoon);
form.elements.namedItem("tags").addEventListener("input", suggestTags);
// A closing tab keeps what was typed in the last moment too.
window.addEventListener("pagehide", flushDraft);
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "hidden") flushDraft();
});
