// Behaviour shared by every page: local dates, toasts (also across a navigation).

import { forgetAllDrafts } from "./drafts.js";

const FLASH_KEY = "dreamjourney:flash";
const TOAST_MS = 6000;

/** Show a short message at the bottom of the page (announced politely). */
export function toast(message, kind = "info") {
  const region = document.getElementById("toasts");
  if (!region) return;
  const item = document.createElement("p");
  item.className = `toast toast-${kind}`;
  item.textContent = message;
  region.append(item);
  dismissLater(item);
}

/** A toast for the next page this tab opens (e.g. "Dream deleted." after a redirect). */
export function flashNext(message, kind = "info") {
  try {
    sessionStorage.setItem(FLASH_KEY, JSON.stringify({ message, kind }));
  } catch {
    // Storage can be disabled; the message is a nicety.
  }
}

function dismissLater(item) {
  setTimeout(() => {
    item.classList.add("is-leaving");
    setTimeout(() => item.remove(), 400);
  }, TOAST_MS);
}

const formats = {
  short: { weekday: "short", day: "numeric", month: "short", year: "numeric" },
  long: { weekday: "long", day: "numeric", month: "long", year: "numeric" },
};

/** Show `<time data-localize>` in the reader's own time zone and language. */
export function localizeTimes(root = document) {
  for (const el of root.querySelectorAll("time[data-localize]")) {
    const date = new Date(el.getAttribute("datetime"));
    if (Number.isNaN(date.getTime())) continue;
    const style = formats[el.dataset.localize] || formats.short;
    el.textContent = new Intl.DateTimeFormat(undefined, style).format(date);
  }
}

function init() {
  localizeTimes();
  for (const el of document.querySelectorAll("time[data-today]")) {
    const now = new Date();
    el.dateTime = now.toISOString().slice(0, 10);
    el.textContent = new Intl.DateTimeFormat(undefined, formats.long).format(now);
  }
  for (const item of document.querySelectorAll("#toasts .toast")) dismissLater(item);
  try {
    const raw = sessionStorage.getItem(FLASH_KEY);
    if (raw) {
      sessionStorage.removeItem(FLASH_KEY);
      const { message, kind } = JSON.parse(raw);
      if (message) toast(message, kind);
    }
  } catch {
    // Nothing to show.
  }
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", init, { once: true });
} else {
  init();
}

// Signing out forgets this browser's unsaved drafts (another person may use it next).
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.matches("[data-logout]")) forgetAllDrafts();
});
