// The dream editor: saves through the API, shows DRF's field errors beside their fields.

import { DreamVideoError, dreamVideoService as service } from "./dreamVideoService.js";

const form = document.getElementById("dream-form");
const dreamId = form.dataset.dreamId;
const submit = form.querySelector("[data-submit]");
const submitLabel = form.querySelector("[data-submit-label]");
const submitStatus = form.querySelector("[data-submit-status]");
const formError = form.querySelector("[data-form-error]");
const FIELDS = ["title", "content", "emotions", "keywords", "is_public"];

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

/** The analysis the writer gave; its mood is the first emotion, as the server's own reading. */
function analysisOf(emotions, keywords) {
  return { emotions, keywords, mood: emotions[0] || "neutral" };
}

/** The stored reading with the writer's emotions and keywords, if they changed them. */
function editedAnalysis(emotions, keywords) {
  const stored = storedAnalysis();
  const same = (a, b) => JSON.stringify(a || []) === JSON.stringify(b || []);
  if (same(stored.emotions, emotions) && same(stored.keywords, keywords)) return undefined;
  return { ...stored, emotions, keywords };
}

function dreamUrl(id, query = "") {
  return form.dataset.dreamUrlTemplate.replace("00000000-0000-0000-0000-000000000000", id) + query;
}

function clearErrors() {
  formError.hidden = true;
  formError.textContent = "";
  for (const el of form.querySelectorAll("[data-error-for]")) {
    el.hidden = true;
    el.textContent = "";
  }
  for (const name of FIELDS) form.elements[name]?.removeAttribute("aria-invalid");
}

function showFieldError(name, message) {
  const slot = form.querySelector(`[data-error-for="${name}"]`);
  if (!slot) return false;
  slot.textContent = message;
  slot.hidden = false;
  form.elements[name]?.setAttribute("aria-invalid", "true");
  return true;
}

function messagesOf(value) {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(messagesOf);
  if (value && typeof value === "object") return Object.values(value).flatMap(messagesOf);
  return [];
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
  const invalid = form.querySelector('[aria-invalid="true"]');
  if (unplaced.length || !invalid) {
    formError.textContent = unplaced.length ? unplaced.join(" ") : error.message;
    formError.hidden = false;
    formError.setAttribute("tabindex", "-1");
    formError.focus();
  } else {
    invalid.focus();
  }
}

function checkRequired() {
  let ok = true;
  for (const name of ["content", "title"]) {
    if (!form.elements[name].value.trim()) {
      showFieldError(name, name === "title" ? "Give your dream a title." : "Write a few words about your dream.");
      form.elements[name].focus();
      ok = false;
    }
  }
  return ok;
}

function busy(on, text = "") {
  submit.disabled = on;
  submit.setAttribute("aria-busy", on ? "true" : "false");
  submitStatus.textContent = text;
}

async function save(event) {
  event.preventDefault();
  clearErrors();
  if (!checkRequired()) return;
  const title = form.elements.title.value.trim();
  const content = form.elements.content.value.trim();
  const emotions = listOf(form.elements.emotions.value);
  const keywords = listOf(form.elements.keywords.value);
  const isPublic = form.elements.is_public.checked;
  const generate = form.elements.generate_video.checked;
  const original = submitLabel.textContent;
  submitLabel.textContent = "Saving…";
  busy(true, generate ? "Saving your dream and starting its video…" : "Saving your dream…");
  try {
    if (!dreamId) {
      const { dream } = await service.createDreamWithVideo({
        title,
        content,
        // Both empty: the server reads emotions and keywords from the dream itself.
        analysis: emotions.length || keywords.length ? analysisOf(emotions, keywords) : undefined,
        is_public: form.elements.is_public.disabled ? undefined : isPublic,
        generateVideo: generate,
      });
      window.location.assign(dreamUrl(dream.id));
      return;
    }
    await service.updateDreamWithVideo(dreamId, {
      title,
      content,
      // Only a reading the writer changed is sent: otherwise the server reads the new words.
      analysis: editedAnalysis(emotions, keywords),
      is_public: form.elements.is_public.disabled ? undefined : isPublic,
    });
    // The dream page starts the new video, with a prompt built from the saved text.
    window.location.assign(dreamUrl(dreamId, generate ? "?generate=1" : ""));
  } catch (error) {
    submitLabel.textContent = original;
    busy(false);
    showErrors(error);
  }
}

form.addEventListener("submit", save);
for (const name of FIELDS) {
  form.elements[name]?.addEventListener("input", () => {
    form.elements[name].removeAttribute("aria-invalid");
    const slot = form.querySelector(`[data-error-for="${name}"]`);
    if (slot) slot.hidden = true;
  });
}
