// Journal and gallery: filters, "Load more" through the API, video previews on hover or tap.

import { localizeTimes, toast } from "./app.js";
import { dreamVideoService as service } from "./dreamVideoService.js";

const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

// --- Previews --------------------------------------------------------------------------

let playing = null;

function startPreview(preview) {
  if (playing && playing !== preview) stopPreview(playing);
  let video = preview.querySelector("video");
  if (!video) {
    video = document.createElement("video");
    video.muted = true;
    video.loop = true;
    video.playsInline = true;
    video.preload = "auto";
    video.setAttribute("aria-hidden", "true");
    // The card's poster stays on screen until the first frame is there.
    video.poster = preview.querySelector("img")?.currentSrc || "";
    video.src = preview.dataset.video;
    preview.insertBefore(video, preview.querySelector(".preview-toggle"));
  }
  preview.classList.add("is-playing");
  preview.querySelector(".preview-toggle")?.setAttribute("aria-pressed", "true");
  playing = preview;
  video.play().catch(() => stopPreview(preview));
}

function stopPreview(preview) {
  preview.querySelector("video")?.pause();
  preview.classList.remove("is-playing");
  preview.querySelector(".preview-toggle")?.setAttribute("aria-pressed", "false");
  if (playing === preview) playing = null;
}

function bindPreview(preview) {
  if (preview.dataset.bound) return;
  preview.dataset.bound = "1";
  const card = preview.closest(".card") || preview;
  card.addEventListener("pointerenter", (event) => {
    if (event.pointerType === "mouse" && !reducedMotion.matches) startPreview(preview);
  });
  card.addEventListener("pointerleave", (event) => {
    if (event.pointerType === "mouse") stopPreview(preview);
  });
  preview.querySelector(".preview-toggle")?.addEventListener("click", (event) => {
    event.preventDefault();
    event.stopPropagation();
    if (preview.classList.contains("is-playing")) stopPreview(preview);
    else startPreview(preview);
  });
}

// Phones have no hover: a card's short loop (data-loop: the preview rendition, never the
// full video) plays while it is mostly on screen, unless the visitor asked for less motion.
const noHover = window.matchMedia("(hover: none)");
const inView = "IntersectionObserver" in window
  ? new IntersectionObserver(
      (entries) => {
        if (!noHover.matches || reducedMotion.matches) return;
        for (const entry of entries) {
          if (entry.isIntersecting) startPreview(entry.target);
          else if (playing === entry.target) stopPreview(entry.target);
        }
      },
      { threshold: 0.6 },
    )
  : null;

function bindPreviews(root = document) {
  root.querySelectorAll(".preview[data-video]").forEach((preview) => {
    const fresh = !preview.dataset.bound;
    bindPreview(preview);
    if (fresh && inView && "loop" in preview.dataset) inView.observe(preview);
  });
}

// --- Cards from API data ----------------------------------------------------------------

function slot(root, name) {
  return root.querySelector(`[data-slot="${name}"]`);
}

function versioned(url, dream) {
  if (!url) return "";
  return `${url}${url.includes("?") ? "&" : "?"}v=${encodeURIComponent(dream.updated_at)}`;
}

function setTime(el, iso) {
  el.dateTime = iso;
  el.dataset.localize = "short";
}

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "Tue 1 Dec" for a "YYYY-MM-DD" day (with the year when it is not this one), as the
 *  server's card says it: a calendar day, so no time zone may move it. */
function dayLabel(iso) {
  const [year, month, day] = String(iso).split("-").map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  if (Number.isNaN(date.getTime())) return "";
  const label = `${WEEKDAYS[date.getUTCDay()]} ${day} ${MONTHS[month - 1]}`;
  return year === new Date().getFullYear() ? label : `${label} ${year}`;
}

function truncate(text, limit) {
  return text.length > limit ? `${text.slice(0, limit - 1).trimEnd()}…` : text;
}

const GALLERY_EXCERPT_CHARS = 140;

/** A gallery card's excerpt, cut at a word as the server cuts it (dreams/excerpts.py). */
function excerpt(text, limit) {
  const flat = String(text || "").replace(/\s+/g, " ").trim();
  if (flat.length <= limit) return flat;
  let head = flat.slice(0, limit - 1);
  const cut = head.lastIndexOf(" ");
  if (cut > Math.floor(limit / 2)) head = head.slice(0, cut);
  return `${head.replace(/[ ,;:.\-–—]+$/, "")}…`;
}

const STATUS_TEXT = {
  none: "No video yet",
  failed: "Video failed",
  ingesting: "Saving the video…",
};

function dreamCard(template, dream) {
  const card = template.content.firstElementChild.cloneNode(true);
  card.dataset.status = dream.video_status;
  card.dataset.dreamId = dream.id;
  const analysis = dream.analysis || {};
  // The card's colour follows the dream's strongest emotion (app.css: data-mood).
  slot(card, "media").dataset.mood = (analysis.emotions && analysis.emotions[0]) || "neutral";
  if (dream.video_status === "ready" && dream.thumbnail_url) {
    const img = slot(card, "img");
    img.src = versioned(dream.thumbnail_url, dream);
    img.hidden = false;
    slot(card, "seconds").textContent = String(dream.video_duration);
    slot(card, "duration").hidden = false;
    slot(card, "ai").hidden = !dream.video_credentials?.ai_generated;
  } else {
    const status = slot(card, "status");
    status.textContent = STATUS_TEXT[dream.video_status] || "Making the video…";
    status.classList.add(`status-${dream.video_status}`);
    status.hidden = false;
  }
  const dreamtOn = slot(card, "dreamt-on");
  dreamtOn.dateTime = dream.dreamt_on;
  dreamtOn.textContent = dayLabel(dream.dreamt_on);
  for (const flag of ["lucid", "nightmare", "recurring"]) slot(card, flag).hidden = !dream[flag];
  slot(card, "public").hidden = !dream.is_public;
  const link = slot(card, "link");
  link.href = `/dreams/${dream.id}/`;
  link.textContent = dream.title;
  slot(card, "excerpt").textContent = truncate(dream.content, 200);
  const emotions = Array.isArray(analysis.emotions) ? analysis.emotions.slice(0, 3) : [];
  if (emotions.length) {
    const list = slot(card, "chips");
    for (const emotion of emotions) {
      const li = document.createElement("li");
      li.className = "chip chip-emotion";
      li.textContent = emotion;
      list.append(li);
    }
    list.hidden = false;
  }
  return card;
}

function galleryCard(template, dream) {
  const card = template.content.firstElementChild.cloneNode(true);
  const media = slot(card, "media");
  // The preview loop (videos.renditions) once made, else the video itself.
  media.dataset.video = versioned(dream.preview_url || dream.video_url, dream);
  if (dream.preview_url) media.dataset.loop = "";
  media.dataset.mood = (dream.analysis && (dream.analysis.emotions || [])[0]) || "neutral";
  slot(card, "img").src = versioned(dream.thumbnail_url, dream);
  slot(card, "ai").hidden = !dream.video_credentials?.ai_generated;
  slot(card, "toggle").setAttribute("aria-label", `Play a preview of “${dream.title}”`);
  const link = slot(card, "link");
  link.href = `/dreams/${dream.id}/`;
  link.textContent = dream.title;
  setTime(slot(card, "time"), dream.created_at);
  const mood = dream.analysis && dream.analysis.mood;
  if (mood && mood !== "neutral") {
    slot(card, "mood").textContent = mood;
    slot(card, "mood-wrap").hidden = false;
  }
  const text = excerpt(dream.content, GALLERY_EXCERPT_CHARS);
  const excerptSlot = slot(card, "excerpt");
  if (text && excerptSlot) {
    excerptSlot.textContent = text;
    excerptSlot.hidden = false;
  }
  return card;
}

// --- Load more ---------------------------------------------------------------------------

// The journal's filters: their names in the query string, and in dreamVideoService.listDreams.
const FILTERS = {
  q: "q",
  emotion: "emotion",
  tag: "tag",
  lucid: "lucid",
  nightmare: "nightmare",
  recurring: "recurring",
  min_clarity: "minClarity",
  min_sleep_quality: "minSleepQuality",
  dreamt_from: "dreamtFrom",
  dreamt_to: "dreamtTo",
  has_video: "hasVideo",
  is_public: "isPublic",
};

/** The filters of a journal URL as listDreams takes them (absent ones left out). */
function filtersOf(url) {
  const params = new URL(url, window.location.href).searchParams;
  const filters = {};
  for (const [name, option] of Object.entries(FILTERS)) {
    const value = params.get(name);
    if (value) filters[option] = value;
  }
  return filters;
}

function cursorOf(url) {
  if (!url) return "";
  return new URL(url, window.location.href).searchParams.get("cursor") || "";
}

async function loadMore(button) {
  const list = document.getElementById(button.dataset.target);
  const kind = list.dataset.feed;
  const status = document.querySelector("[data-feed-status]");
  const label = button.textContent;
  button.setAttribute("aria-disabled", "true");
  button.textContent = "Loading…";
  try {
    let page;
    let template;
    let build;
    if (kind === "gallery") {
      // The link's filters (mood, symbol) are the ones the server used.
      const params = new URL(button.href, window.location.href).searchParams;
      page = await service.gallery({
        cursor: button.dataset.cursor,
        pageSize: 12,
        mood: params.get("mood") || undefined,
        symbol: params.get("symbol") || undefined,
      });
      template = document.getElementById("gallery-card-template");
      build = galleryCard;
    } else {
      // The link's filters are the ones the server used (those it could not use left out).
      page = await service.listDreams({
        ...filtersOf(button.href),
        cursor: button.dataset.cursor,
        pageSize: 12,
      });
      template = document.getElementById("dream-card-template");
      build = dreamCard;
    }
    const cards = page.results.map((dream) => build(template, dream));
    list.append(...cards);
    localizeTimes(list);
    bindPreviews(list);
    if (status) {
      const noun = kind === "gallery" ? "videos" : "dreams";
      status.textContent = `${cards.length} more ${noun} loaded.`;
    }
    cards[0]?.querySelector("a")?.focus({ preventScroll: false });
    const next = cursorOf(page.next);
    if (next) {
      button.dataset.cursor = next;
      const url = new URL(button.href, window.location.href);
      url.searchParams.set("cursor", next);
      button.href = `${url.pathname}${url.search}`;
      button.textContent = label;
      button.removeAttribute("aria-disabled");
    } else {
      button.closest(".load-more")?.remove();
    }
  } catch (error) {
    button.textContent = label;
    button.removeAttribute("aria-disabled");
    if (status) status.textContent = error.message;
    toast(error.message);
  }
}

// --- Videos still being made ------------------------------------------------------------

const ACTIVE = new Set(["queued", "generating", "ingesting"]);
const REFRESH_MS = 3000;
const REFRESH_ROUNDS = 200; // ten minutes, then a reload shows the rest

/** Journal cards whose video is being made turn into finished cards without a reload. */
async function refreshActiveCards() {
  const template = document.getElementById("dream-card-template");
  if (!template) return;
  for (let round = 0; round < REFRESH_ROUNDS; round += 1) {
    const cards = [...document.querySelectorAll(".dream-card[data-dream-id]")].filter((card) =>
      ACTIVE.has(card.dataset.status),
    );
    if (!cards.length) return;
    await new Promise((resolve) => setTimeout(resolve, REFRESH_MS));
    for (const card of cards.slice(0, 6)) {
      let dream;
      try {
        dream = await service.getDream(card.dataset.dreamId);
      } catch {
        return; // offline or gone: the page stays as it is
      }
      if (dream.video_status !== card.dataset.status) {
        const fresh = dreamCard(template, dream);
        card.replaceWith(fresh);
        localizeTimes(fresh);
      }
    }
  }
}

// --- Filters ------------------------------------------------------------------------------

/** The URL is the bookmark: a filter left empty is not sent (`?q=&tag=` would be noise). */
function bindFilters() {
  const form = document.querySelector("[data-filters]");
  if (!form) return;
  form.addEventListener("formdata", (event) => {
    const empty = [...event.formData].filter(([, value]) => value === "").map(([name]) => name);
    for (const name of empty) event.formData.delete(name);
  });
}

/**
 * The Tag and Emotion filters suggest the owner's own words, asked for once, when the filter
 * panel first opens or one of those fields is focused: the page's first screen never waits.
 */
function bindSuggestions() {
  const lists = [...document.querySelectorAll("datalist[data-suggestions]")];
  if (!lists.length) return;
  let asked = false;
  const fill = () => {
    if (asked) return;
    asked = true;
    service
      .dreamSuggestions()
      .then((suggestions) => {
        for (const list of lists) {
          const words = suggestions[list.dataset.suggestions] || [];
          list.replaceChildren(...words.map((word) => new Option("", word)));
        }
      })
      .catch(() => {
        asked = false; // suggestions are a help, not a need: try again next time
      });
  };
  document.querySelector("[data-filter-panel]")?.addEventListener("toggle", (event) => {
    if (event.target.open) fill();
  });
  for (const list of lists) {
    document.querySelector(`[list="${list.id}"]`)?.addEventListener("focus", fill);
  }
  if (document.querySelector("[data-filter-panel]")?.open) fill();
}

function init() {
  bindPreviews();
  bindFilters();
  bindSuggestions();
  refreshActiveCards();
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-load-more]");
    if (!button) return;
    event.preventDefault();
    if (button.getAttribute("aria-disabled") !== "true") loadMore(button);
  });
}

init();
