// The account page's journal archive (templates/account/_archive.html), through the API:
// export (a download at once, or progress and then a link that expires) and import (what
// it did, or why not). Without JavaScript the same forms post to the page views.

import { dreamVideoService } from "./dreamVideoService.js";
import { localizeTimes } from "./app.js";

const IN_FLIGHT = new Set(["queued", "running"]);
const PACKING =
  "Packing your journal. Its download link appears here when it is ready; you may leave and come back.";

function element(tag, { className, text, attrs } = {}) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
  return node;
}

function sizeText(bytes) {
  if (!Number.isFinite(bytes)) return "";
  // A no-break space: a number and its unit never part at the end of a line.
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))}\u00a0KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)}\u00a0MB`;
}

function plural(count, word) {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

/** What an import did, in a sentence (the page view says the same: dreams/archive_views.py). */
export function importSummary({ created, skipped, videos }) {
  if (!created) {
    return skipped
      ? "Nothing new: every dream in it was in your journal already."
      : "The archive holds no dreams.";
  }
  let text = `Imported ${plural(created, "dream")}`;
  if (videos) text += ` with ${plural(videos, "video")}`;
  if (skipped) {
    const verb = skipped === 1 ? "was" : "were";
    text += `; ${plural(skipped, "dream")} ${verb} in your journal already`;
  }
  return `${text}.`;
}

function saveFile(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = element("a", { attrs: { href: url, download: filename } });
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function problemText(error) {
  const onFile = error && error.fields && Array.isArray(error.fields.file) && error.fields.file[0];
  return onFile || (error && error.message) || "Something went wrong. Please try again.";
}

function showExport(status, found) {
  status.replaceChildren();
  status.dataset.exportId = found.id;
  status.dataset.exportState = found.status;
  if (IN_FLIGHT.has(found.status)) {
    status.append(element("p", { text: PACKING }));
    const bar = element("div", {
      className: "progress archive-progress",
      attrs: { "aria-hidden": "true" },
    });
    bar.append(element("div", { className: "progress-fill" }));
    status.append(bar);
  } else if (found.status === "ready" && found.download_url) {
    const line = element("p");
    line.append(
      element("a", {
        className: "btn btn-ghost",
        text: "Download your journal",
        attrs: { href: found.download_url, download: "", "data-export-link": "" },
      }),
    );
    const until = element("p", {
      className: "help",
      text: `${sizeText(found.bytes)} · the link works until `,
    });
    until.append(
      element("time", {
        text: found.expires_at,
        attrs: { datetime: found.expires_at, "data-localize": "" },
      }),
      ".",
    );
    status.append(line, until);
    localizeTimes(status);
  } else if (found.status === "failed") {
    status.append(element("p", { className: "form-error", text: found.error }));
  } else {
    status.append(element("p", { text: "This export has expired. Export your journal again." }));
  }
}

function showText(target, text, { error = false } = {}) {
  target.replaceChildren(element("p", { className: error ? "form-error" : "archive-done", text }));
}

async function follow(status, exportId) {
  try {
    const found = await dreamVideoService.waitForExport(exportId, {
      onProgress: (seen) => showExport(status, seen),
    });
    showExport(status, found);
  } catch (error) {
    showText(status, problemText(error), { error: true });
  }
}

function initExport(panel) {
  const form = panel.querySelector("[data-export-form]");
  const status = panel.querySelector("[data-export-status]");
  if (!form || !status) return;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    showText(status, "Packing your journal…");
    try {
      const outcome = await dreamVideoService.exportJournal();
      if (outcome.file) {
        saveFile(outcome.file, outcome.filename);
        const size = sizeText(outcome.file.size);
        showText(status, `Your journal is downloading: ${outcome.filename} (${size}).`);
      } else {
        showExport(status, outcome.export);
        await follow(status, outcome.export.id);
      }
    } catch (error) {
      showText(status, problemText(error), { error: true });
    } finally {
      button.disabled = false;
    }
  });
  // An export asked for earlier (perhaps without JavaScript) is followed on this visit.
  if (status.dataset.exportId && IN_FLIGHT.has(status.dataset.exportState)) {
    follow(status, status.dataset.exportId);
  }
}

function initImport(panel) {
  const form = panel.querySelector("[data-import-form]");
  const result = panel.querySelector("[data-import-result]");
  if (!form || !result) return;
  const input = form.querySelector('input[type="file"]');
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    input.removeAttribute("aria-invalid");
    const file = input.files && input.files[0];
    if (!file) {
      input.setAttribute("aria-invalid", "true");
      showText(result, "Choose a DreamJourney export (.zip) first.", { error: true });
      input.focus();
      return;
    }
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    showText(result, "Importing: every dream and video is checked first…");
    try {
      const summary = await dreamVideoService.importJournal(file);
      showText(result, importSummary(summary));
      if (summary.created && panel.dataset.journalUrl) {
        const line = element("p");
        const href = panel.dataset.journalUrl;
        line.append(element("a", { text: "Open your journal", attrs: { href } }));
        result.append(line);
      }
      form.reset();
    } catch (error) {
      input.setAttribute("aria-invalid", "true");
      showText(result, `Nothing was imported. ${problemText(error)}`, { error: true });
    } finally {
      button.disabled = false;
    }
  });
}

const panel = document.querySelector("[data-archive]");
if (panel) {
  initExport(panel);
  initImport(panel);
}
