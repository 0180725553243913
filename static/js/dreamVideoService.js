/**
 * dreamVideoService — the DreamJourney REST API for browsers and single-page apps.
 *
 * An ES module with no dependencies. Our own pages use it for every write and for
 * job polling; an SPA can import it as is:
 *
 *   import { DreamVideoService } from "/static/js/dreamVideoService.js";
 *   const service = new DreamVideoService({ token: "…" });   // or {} for the session
 *   const { dream, video_job } = await service.createDreamWithVideo({
 *     title: "My Dream", content: "…", generateVideo: true,
 *   });
 *   await service.waitForJob(video_job.id, { onProgress: (job) => console.log(job.progress) });
 *
 * Session users send the CSRF token read from the `csrftoken` cookie; token users send
 * `Authorization: Token …`. Every failure is thrown as a `DreamVideoError`.
 */

const FINISHED = new Set(["succeeded", "failed", "cancelled"]);
const PROMPT_LIMIT = 1000; // UTF-16 code units, which is what String.length counts

/** The journal's filters (listDreams' and calendar's options) as the API names them. */
function journalFilterQuery({
  q,
  emotion,
  tag,
  lucid,
  nightmare,
  recurring,
  minClarity,
  minSleepQuality,
  dreamtFrom,
  dreamtTo,
  hasVideo,
  isPublic,
} = {}) {
  return {
    q,
    emotion,
    tag,
    lucid,
    nightmare,
    recurring,
    min_clarity: minClarity,
    min_sleep_quality: minSleepQuality,
    dreamt_from: dreamtFrom,
    dreamt_to: dreamtTo,
    has_video: hasVideo,
    is_public: isPublic,
  };
}

/** An API call that did not succeed: `status` (0 = network), DRF `fields`, a readable `message`. */
export class DreamVideoError extends Error {
  constructor(message, { status = 0, fields = {}, body = null, code = "" } = {}) {
    super(message);
    this.name = "DreamVideoError";
    this.status = status;
    this.fields = fields;
    this.body = body;
    this.code = code;
  }
}

/** True for a job that will not change any more. */
export function isFinished(job) {
  return Boolean(job) && FINISHED.has(job.status);
}

function readCookie(name) {
  if (typeof document === "undefined" || !document.cookie) return "";
  for (const part of document.cookie.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return "";
}

function humanise(field) {
  if (field === "non_field_errors" || field === "detail") return "";
  const words = field.replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The first message in a DRF error body, with its field's name in front. */
function firstMessage(value, field = "") {
  if (typeof value === "string") {
    const label = humanise(field);
    return label ? `${label}: ${value}` : value;
  }
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = firstMessage(item, field);
      if (found) return found;
    }
    return "";
  }
  if (value && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      const found = firstMessage(item, key);
      if (found) return found;
    }
  }
  return "";
}

const STATUS_WORDS = {
  0: "Could not reach DreamJourney. Check your connection and try again.",
  401: "Please log in again.",
  403: "You are not allowed to do that.",
  404: "That dream or video no longer exists.",
  413: "That file is too large.",
  429: "Too many requests just now. Please wait a moment and try again.",
  503: "DreamJourney is briefly unavailable. Please try again in a moment.",
};

function errorFromResponse(status, body) {
  const fields = status === 400 && body && typeof body === "object" ? body : {};
  let message = "";
  if (body && typeof body === "object") {
    message = typeof body.detail === "string" ? body.detail : firstMessage(body);
  }
  if (status === 403 && /CSRF/i.test(message)) {
    message = "Your session has expired. Reload the page and try again.";
  }
  if (!message) {
    message = STATUS_WORDS[status] || `Something went wrong (HTTP ${status}). Please try again.`;
  }
  const code = (body && typeof body === "object" && body.code) || "";
  return new DreamVideoError(message, { status, fields, body, code });
}

function abortError(signal) {
  const reason = signal && signal.reason;
  if (reason instanceof Error) return reason;
  return new DOMException("The operation was aborted.", "AbortError");
}

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal && signal.aborted) return reject(abortError(signal));
    const timer = setTimeout(() => {
      if (signal) signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    function onAbort() {
      clearTimeout(timer);
      reject(abortError(signal));
    }
    if (signal) signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Our own short prompt for a dream with none stored (the server builds richer ones). */
export function fallbackPrompt(dream) {
  const text = `Cinematic dreamlike scene: ${dream.title || ""} — ${dream.content || ""}`
    .replace(/\s+/g, " ")
    .trim();
  return text.length > PROMPT_LIMIT ? `${text.slice(0, PROMPT_LIMIT - 1)}…` : text;
}

function analysisFrom(data) {
  if (data.analysis) return data.analysis;
  const out = {};
  if (Array.isArray(data.emotions) && data.emotions.length) out.emotions = data.emotions;
  if (Array.isArray(data.keywords) && data.keywords.length) out.keywords = data.keywords;
  return Object.keys(out).length ? out : undefined;
}

/**
 * A dream's details as the API names them, from snake_case or camelCase keys; absent ones
 * stay undefined (not sent). `null` clears a rating.
 *
 * @typedef {object} DreamDetails
 * @property {string} [dreamt_on]       the day dreamt, "YYYY-MM-DD" (or `dreamtOn`); default today
 * @property {boolean} [lucid]          the dreamer knew they were dreaming
 * @property {boolean} [nightmare]
 * @property {boolean} [recurring]      dreamt before
 * @property {?number} [clarity]        how clearly remembered, 1–5, or null
 * @property {?number} [sleep_quality]  how well they slept, 1–5, or null (alias `sleepQuality`)
 * @property {string[]} [tags]          the owner's labels (at most 20); the server normalises
 *                                      them and shows them to nobody else
 */
function detailsFrom(data) {
  return {
    dreamt_on: data.dreamt_on ?? data.dreamtOn,
    lucid: data.lucid,
    nightmare: data.nightmare,
    recurring: data.recurring,
    clarity: data.clarity,
    sleep_quality: data.sleep_quality ?? data.sleepQuality,
    tags: data.tags,
  };
}

/**
 * A dream's `video_credentials` (null without a stored video): what the video's Content
 * Credentials (its signed C2PA manifest) say. Show "AI-generated" when `ai_generated`.
 *
 * @typedef {object} VideoCredentials
 * @property {boolean} ai_generated      made by an AI model or algorithm (label it)
 * @property {?string} origin            "generated" (by our providers, signed by us) or
 *                                       "uploaded" (a file or URL, kept as it came)
 * @property {?string} generator         the manifest's software agent, e.g. "RunwayML gen4.5"
 * @property {?string} model             e.g. "gen4.5", "demo-renderer-1"
 * @property {?string} digital_source_type  an IPTC URI (…/trainedAlgorithmicMedia, …)
 * @property {?string} signed_at         ISO 8601
 * @property {?string} issuer            who issued the signing certificate
 * @property {string} signature          "valid" | "untrusted" | "invalid" | "missing"
 */

/**
 * A video's choices as the API names them, from snake_case or camelCase keys; absent ones
 * stay undefined (the model's defaults apply). Which combinations a model accepts:
 * `listModels()`.
 *
 * @typedef {object} VideoChoices
 * @property {string} [model]           e.g. "gen4.5", "veo3.1"
 * @property {string} [ratio]           pixel ratio, e.g. "1280:720" or "720:1280"
 * @property {number} [video_duration]  seconds (alias `videoDuration`)
 * @property {boolean} [audio]          sound, only for models with `audio: true`
 * @property {string} [style]           a style preset id, e.g. "noir"
 * @property {number} [seed]
 */
function videoChoicesFrom(data) {
  return {
    model: data.model,
    ratio: data.ratio,
    video_duration: data.video_duration ?? data.videoDuration,
    audio: data.audio,
    style: data.style,
    seed: data.seed,
  };
}

function withoutUndefined(object) {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));
}

export class DreamVideoService {
  /**
   * @param {object} [options]
   * @param {string} [options.baseUrl]  where the API lives ("" = this site)
   * @param {string} [options.token]    an API token; without it the browser session is used
   * @param {string} [options.csrfCookieName]
   * @param {Function} [options.fetch]  a fetch implementation (tests, other runtimes)
   */
  constructor({ baseUrl = "", token = "", csrfCookieName = "csrftoken", fetch: fetchImpl } = {}) {
    this.baseUrl = baseUrl.replace(/\/$/, "");
    this.token = token;
    this.csrfCookieName = csrfCookieName;
    this._fetch = fetchImpl || ((...args) => globalThis.fetch(...args));
  }

  /** One API call; resolves to the parsed JSON body (null for 204), throws DreamVideoError. */
  async request(method, path, { json, form, query, signal } = {}) {
    let url = /^https?:/.test(path) ? path : `${this.baseUrl}${path}`;
    if (query) {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries(query)) {
        if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
      }
      const text = params.toString();
      if (text) url += (url.includes("?") ? "&" : "?") + text;
    }
    const headers = { Accept: "application/json" };
    if (this.token) {
      headers.Authorization = `Token ${this.token}`;
    } else if (method !== "GET" && method !== "HEAD") {
      const csrf = readCookie(this.csrfCookieName);
      if (csrf) headers["X-CSRFToken"] = csrf;
    }
    let body;
    if (form) {
      body = form; // FormData: the browser sets the multipart boundary itself
    } else if (json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(json);
    }
    let response;
    try {
      response = await this._fetch(url, {
        method,
        headers,
        body,
        signal,
        credentials: "same-origin",
      });
    } catch (error) {
      if (error && error.name === "AbortError") throw error;
      throw new DreamVideoError(STATUS_WORDS[0], { status: 0 });
    }
    if (response.status === 204) return null;
    let data = null;
    const type = response.headers.get("Content-Type") || "";
    if (type.includes("json")) {
      try {
        data = await response.json();
      } catch {
        data = null;
      }
    }
    if (!response.ok) throw errorFromResponse(response.status, data);
    return data;
  }

  // --- Dreams -----------------------------------------------------------------------

  /**
   * The caller's dreams, newest dreamt first: `{next, previous, results}`. Filters combine:
   * `q` (search; on PostgreSQL web-search syntax such as `"glass house" -fear`), `emotion`,
   * `tag`, `lucid`/`nightmare`/`recurring`/`hasVideo`/`isPublic` (booleans),
   * `minClarity`/`minSleepQuality` (1–5), `dreamtFrom`/`dreamtTo` ("YYYY-MM-DD", inclusive).
   */
  listDreams({ cursor, pageSize, signal, ...filters } = {}) {
    const query = { ...journalFilterQuery(filters), page_size: pageSize, cursor };
    return this.request("GET", "/api/dreams", { query, signal });
  }

  /** Follow a `next`/`previous` link from a list or the gallery. */
  page(url, { signal } = {}) {
    return this.request("GET", url, { signal });
  }

  /** One dream; its `video_credentials` is a {@link VideoCredentials} or null. */
  getDream(dreamId, { signal } = {}) {
    return this.request("GET", `/api/dreams/${dreamId}`, { signal });
  }

  /** Public, approved dreams with a ready video, newest first; `mood` (one of the mood
   *  words) and `symbol` (one motif) narrow it. */
  gallery({ cursor, pageSize, mood, symbol, signal } = {}) {
    return this.request("GET", "/api/dreams/public/gallery", {
      query: { cursor, page_size: pageSize, mood, symbol },
      signal,
    });
  }

  /**
   * A month of the caller's journal: `{month, previous_month, next_month, days}`, where each
   * day with dreams is `{date, count, lucid, nightmare, recurring, dreams: [{id, title}]}`
   * (counts of flagged dreams; the first few titles). `month` is "YYYY-MM" (default: this
   * month); the other options are listDreams' filters.
   */
  calendar({ month, signal, ...filters } = {}) {
    const query = { month, ...journalFilterQuery(filters) };
    return this.request("GET", "/api/dreams/calendar", { query, signal });
  }

  /**
   * What the journal's filters suggest: `{tags, emotions}`, the caller's own, most used first
   * (emotions in the lower case the `emotion` filter matches).
   */
  dreamSuggestions({ signal } = {}) {
    return this.request("GET", "/api/dreams/suggestions", { signal });
  }

  /**
   * The caller's insights (GET /api/insights): `totals`, `streaks`, `weekly` (the last
   * `weeks` weeks, 4–52, default 12), top `emotions` and `symbols` per month over `months`,
   * and `recurring_symbols`. Rates are 0–1, or null for a week without dreams.
   */
  getInsights({ weeks, signal } = {}) {
    return this.request("GET", "/api/insights", { query: { weeks }, signal });
  }

  /**
   * Poll a dream while the LLM analyst reads it (`analysis_status` "pending"); resolves to
   * the dream once its status is anything else (`ready`: the analyst's reading; `failed`
   * or `local`: ours stays) — or, after `timeoutMs`, to the last one seen, still
   * "pending". `onUpdate(dream)` is called on each poll. Abort with `signal`. Brief
   * network failures are retried with a growing pause; other errors reject.
   */
  async waitForAnalysis(
    dreamId,
    { onUpdate, signal, intervalMs = 1500, maxIntervalMs = 5000, timeoutMs = 180000 } = {},
  ) {
    const deadline = Date.now() + timeoutMs;
    let failures = 0;
    let pause = intervalMs;
    let dream = null;
    for (;;) {
      if (signal && signal.aborted) throw abortError(signal);
      try {
        dream = await this.getDream(dreamId, { signal });
        failures = 0;
        if (onUpdate) onUpdate(dream);
        if (dream.analysis_status !== "pending") return dream;
      } catch (error) {
        const transient =
          error instanceof DreamVideoError && (error.status === 0 || error.status >= 502);
        if (!transient || ++failures > 5) throw error;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        if (dream) return dream;
        throw new DreamVideoError(STATUS_WORDS[0], { status: 0 });
      }
      await sleep(Math.min(pause, left), signal);
      pause = Math.min(maxIntervalMs, Math.round(pause * 1.25));
    }
  }

  deleteDream(dreamId, { signal } = {}) {
    return this.request("DELETE", `/api/dreams/${dreamId}`, { signal });
  }

  /**
   * Report a public dream to the moderators: `reason` is one of `spam`, `harassment`,
   * `sexual`, `violence`, `personal_info`, `other`; `text` is optional (at most 500
   * characters). Resolves to `{id, dream_id, reason, status, created_at}`. Errors: 400
   * (`fields.reason` / `fields.text`), 403 (your own dream), 404 (not in the gallery),
   * 409 (your earlier report is still open), 429 (too many reports for now).
   */
  reportDream(dreamId, { reason, text, signal } = {}) {
    return this.request("POST", `/api/dreams/${encodeURIComponent(dreamId)}/report`, {
      json: withoutUndefined({ reason, text }),
      signal,
    });
  }

  /**
   * Create a dream, optionally generating its video at once (POST /api/dreams/with-video).
   * Accepts `analysis`, or `emotions`/`keywords` lists; `generateVideo` (or
   * `generate_video`); the dream's details (`DreamDetails`: `dreamt_on`, `lucid`,
   * `nightmare`, `recurring`, `clarity`, `sleep_quality`, `tags`); the video's choices
   * (`VideoChoices`: `model`, `ratio`, `videoDuration`, `audio`, `style`, `seed`).
   * Resolves to `{dream, video_job}` (`video_job` null without video).
   */
  async createDreamWithVideo(data, { signal } = {}) {
    const generate = data.generateVideo ?? data.generate_video ?? false;
    const common = withoutUndefined({
      title: data.title,
      content: data.content,
      ...detailsFrom(data),
      analysis: analysisFrom(data),
      is_public: data.is_public ?? data.isPublic,
      video_prompt: data.video_prompt ?? data.videoPrompt,
      video_duration: data.video_duration ?? data.videoDuration,
    });
    if (!generate) {
      const json = withoutUndefined({
        ...common,
        video_url: data.video_url,
        thumbnail_url: data.thumbnail_url,
      });
      const dream = await this.request("POST", "/api/dreams", { json, signal });
      return { dream, video_job: null };
    }
    const json = withoutUndefined({
      ...common,
      generate_video: true,
      ...videoChoicesFrom(data),
    });
    return this.request("POST", "/api/dreams/with-video", { json, signal });
  }

  /**
   * Change a dream; video fields included (a new `video_url` is copied into our storage)
   * and its details (`DreamDetails`). Sends only the fields given (PATCH). Resolves to
   * the dream.
   */
  updateDreamWithVideo(dreamId, changes, { signal } = {}) {
    const json = withoutUndefined({
      title: changes.title,
      content: changes.content,
      ...detailsFrom(changes),
      analysis: analysisFrom(changes),
      is_public: changes.is_public ?? changes.isPublic,
      video_url: changes.video_url ?? changes.videoUrl,
      thumbnail_url: changes.thumbnail_url ?? changes.thumbnailUrl,
      video_prompt: changes.video_prompt ?? changes.videoPrompt,
      video_duration: changes.video_duration ?? changes.videoDuration,
    });
    return this.request("PATCH", `/api/dreams/${dreamId}`, { json, signal });
  }

  /**
   * Start generating a (new) video for an existing dream. Without a `prompt` the
   * dream's stored prompt is used. `model`, `ratio`, `duration`, `audio`, `style` and
   * `seed` are the video's choices (see `listModels`); left out, the model's defaults.
   * Resolves to the job.
   */
  async generateVideoForDream(dreamId, { prompt, duration, signal, ...choices } = {}) {
    let text = prompt;
    let seconds = duration;
    if (!text) {
      const dream = await this.getDream(dreamId, { signal });
      text = dream.video_prompt || fallbackPrompt(dream);
      seconds = seconds ?? dream.video_duration;
    }
    const { video_duration: _unused, ...rest } = videoChoicesFrom(choices);
    const json = withoutUndefined({ prompt: text, duration: seconds, ...rest, dream_id: dreamId });
    const body = await this.request("POST", "/api/ai/generate-video", { json, signal });
    return body.job;
  }

  /**
   * Store a video made elsewhere permanently for a dream: `videoUrl` (we download it)
   * or `file` (a Blob/File, uploaded). Resolves to `{dream, video_job}`.
   */
  storeVideoForDream(dreamId, { videoUrl, file, thumbnailUrl, prompt, duration, signal } = {}) {
    if (file) {
      const form = new FormData();
      form.append("dream_id", dreamId);
      form.append("file", file, file.name || "video.mp4");
      if (thumbnailUrl) form.append("thumbnail_url", thumbnailUrl);
      if (prompt) form.append("video_prompt", prompt);
      if (duration) form.append("video_duration", String(duration));
      // The id in the query too: the server refuses a wrong dream before reading the file.
      const path = `/api/ai/store-video?dream_id=${encodeURIComponent(dreamId)}`;
      return this.request("POST", path, { form, signal });
    }
    const json = withoutUndefined({
      dream_id: dreamId,
      video_url: videoUrl,
      thumbnail_url: thumbnailUrl || undefined,
      video_prompt: prompt || undefined,
      video_duration: duration,
    });
    return this.request("POST", "/api/ai/store-video", { json, signal });
  }

  /**
   * Keep a video generated in the browser (e.g. by RunwayML) in our storage for good.
   * `video` may be a URL string, a Blob/File, or an object such as
   * `{url | video_url | output: [url], thumbnail_url, prompt, duration}`.
   * Resolves to `{dream, video_job}`; with `wait: true` it also waits for the copy.
   */
  async handleFrontendVideoGeneration(dreamId, video, { wait = false, onProgress, signal } = {}) {
    let options;
    if (typeof video === "string") {
      options = { videoUrl: video };
    } else if (typeof Blob !== "undefined" && video instanceof Blob) {
      options = { file: video };
    } else if (video && typeof video === "object") {
      options = {
        videoUrl: video.video_url || video.videoUrl || video.url || (video.output || [])[0],
        file: video.file,
        thumbnailUrl: video.thumbnail_url || video.thumbnailUrl,
        prompt: video.prompt || video.video_prompt,
        duration: video.duration || video.video_duration,
      };
    }
    if (!options || (!options.videoUrl && !options.file)) {
      throw new DreamVideoError("There is no video to store: give a URL or a file.", {
        status: 400,
      });
    }
    const result = await this.storeVideoForDream(dreamId, { ...options, signal });
    if (wait && result.video_job) {
      result.video_job = await this.waitForJob(result.video_job.id, { onProgress, signal });
      result.dream = await this.getDream(dreamId, { signal });
    }
    return result;
  }

  /**
   * Create a dream and, if asked, generate its video and wait until it is stored
   * (generate, then poll the job). Resolves to `{dream, video_job}` with the finished job.
   */
  async createDreamAndGenerateVideo(data, { onProgress, signal, intervalMs } = {}) {
    const created = await this.createDreamWithVideo(
      { generateVideo: true, ...data },
      { signal },
    );
    if (!created.video_job) return created;
    const job = await this.waitForJob(created.video_job.id, { onProgress, signal, intervalMs });
    const dream = await this.getDream(created.dream.id, { signal });
    return { dream, video_job: job };
  }

  // --- Models and styles -------------------------------------------------------------

  /**
   * What a generation may ask for here (GET /api/ai/models, public and cached):
   * `{provider, default_model, default_style, models, styles}`. Each model is `{id, label,
   * description, default, ratios: [{value, label, width, height}], default_ratio,
   * durations, default_duration, audio, default_audio, seed}`; each style `{id, label,
   * description, default}`. A request may only combine what one model lists.
   */
  listModels({ signal } = {}) {
    return this.request("GET", "/api/ai/models", { signal });
  }

  // --- Jobs -------------------------------------------------------------------------

  getJob(jobId, { signal } = {}) {
    return this.request("GET", `/api/videos/jobs/${jobId}`, { signal });
  }

  cancelJob(jobId, { signal } = {}) {
    return this.request("POST", `/api/videos/jobs/${jobId}/cancel`, { signal });
  }

  /**
   * Poll a job until it finishes; resolves to the finished job (succeeded, failed or
   * cancelled — check `job.status`). `onProgress(job)` is called on every change.
   * Abort with `signal` (rejects with its reason, an AbortError by default). Brief
   * network failures are retried with a growing pause; other errors reject.
   */
  async waitForJob(jobId, { onProgress, signal, intervalMs = 1000, maxIntervalMs = 5000 } = {}) {
    let last = "";
    let failures = 0;
    let pause = intervalMs;
    for (;;) {
      if (signal && signal.aborted) throw abortError(signal);
      let job;
      try {
        job = await this.getJob(jobId, { signal });
        failures = 0;
      } catch (error) {
        const transient =
          error instanceof DreamVideoError && (error.status === 0 || error.status >= 502);
        if (!transient || ++failures > 5) throw error;
        await sleep(Math.min(maxIntervalMs, intervalMs * 2 ** failures), signal);
        continue;
      }
      const seen = `${job.status}:${job.progress}`;
      if (seen !== last) {
        last = seen;
        pause = intervalMs;
        if (onProgress) onProgress(job);
      } else {
        pause = Math.min(maxIntervalMs, Math.round(pause * 1.25));
      }
      if (isFinished(job)) return job;
      await sleep(pause, signal);
    }
  }

  // --- Account ----------------------------------------------------------------------

  /**
   * The signed-in account: `{id, username, email, date_joined, token}`, where `token` is
   * `{created, prefix}` (only the key's first characters) or null.
   */
  getAccount({ signal } = {}) {
    return this.request("GET", "/api/account", { signal });
  }

  /** Change the account's email (`""` removes it). Resolves to the account. */
  updateAccount({ email } = {}, { signal } = {}) {
    return this.request("PATCH", "/api/account", { json: withoutUndefined({ email }), signal });
  }

  /**
   * Change the password (`currentPassword` or `current_password`, `newPassword` or
   * `new_password`). Every other session of the account ends; a browser session that
   * calls stays signed in, and the API token stays. Too many wrong passwords: 429.
   */
  changePassword(passwords = {}, { signal } = {}) {
    const json = withoutUndefined({
      current_password: passwords.current_password ?? passwords.currentPassword,
      new_password: passwords.new_password ?? passwords.newPassword,
    });
    return this.request("POST", "/api/account/password", { json, signal });
  }

  /**
   * Revoke the account's API token (if this client uses it, its next call is a 401).
   * `POST /api/auth/token` issues a new one.
   */
  revokeToken({ signal } = {}) {
    return this.request("DELETE", "/api/account/token", { signal });
  }

  /** Delete the account and everything only it has (dreams, videos, token), for good. */
  deleteAccount({ password } = {}, { signal } = {}) {
    return this.request("POST", "/api/account/delete", {
      json: withoutUndefined({ password }),
      signal,
    });
  }

  // --- Notifications (accounts only) ------------------------------------------------

  /**
   * The caller's notifications, newest first: `{next, previous, results, unread_count}`;
   * each is `{id, kind, title, body, link, created_at, read_at}` (`read_at` null: unread).
   */
  listNotifications({ cursor, pageSize, signal } = {}) {
    return this.request("GET", "/api/notifications", {
      query: { cursor, page_size: pageSize },
      signal,
    });
  }

  /** Mark one notification read; resolves to it (someone else's: a 404 DreamVideoError). */
  markNotificationRead(notificationId, { signal } = {}) {
    return this.request("POST", `/api/notifications/${encodeURIComponent(notificationId)}/read`, {
      signal,
    });
  }

  /**
   * Mark every unread notification read, or with `until` (an ISO moment) only those created
   * by then (what a page showed). Resolves to `{marked, unread_count}`.
   */
  markAllNotificationsRead({ until, signal } = {}) {
    return this.request("POST", "/api/notifications/read-all", {
      json: withoutUndefined({ until: until || undefined }),
      signal,
    });
  }

  /** Whether notifications are also emailed: `{email_enabled, email}`. */
  getNotificationSettings({ signal } = {}) {
    return this.request("GET", "/api/notifications/settings", { signal });
  }

  /** Turn notification emails on or off (`emailEnabled` or `email_enabled`). */
  updateNotificationSettings(choices = {}, { signal } = {}) {
    const json = { email_enabled: Boolean(choices.email_enabled ?? choices.emailEnabled) };
    return this.request("PATCH", "/api/notifications/settings", { json, signal });
  }

  // --- Journal archive (accounts only) -----------------------------------------------

  /**
   * Export the whole journal as one ZIP: every dream as JSON and Markdown, with its video
   * and thumbnail. A small journal comes at once: resolves to `{file: Blob, filename}`. A
   * large one is packed in the background: resolves to `{export}`; follow it with
   * `waitForExport`, then download its `download_url` (it works until `expires_at`).
   */
  async exportJournal({ signal } = {}) {
    const headers = { Accept: "application/zip, application/json" };
    if (this.token) {
      headers.Authorization = `Token ${this.token}`;
    } else {
      const csrf = readCookie(this.csrfCookieName);
      if (csrf) headers["X-CSRFToken"] = csrf;
    }
    try {
      const response = await this._fetch(`${this.baseUrl}/api/account/export`, {
        method: "POST",
        headers,
        signal,
        credentials: "same-origin",
      });
      const type = response.headers.get("Content-Type") || "";
      if (response.ok && type.includes("application/zip")) {
        const disposition = response.headers.get("Content-Disposition") || "";
        const named = /filename="([^"]+)"/.exec(disposition);
        return { file: await response.blob(), filename: named ? named[1] : "dreamjourney.zip" };
      }
      let data = null;
      if (type.includes("json")) {
        try {
          data = await response.json();
        } catch {
          data = null;
        }
      }
      if (!response.ok) throw errorFromResponse(response.status, data);
      return data;
    } catch (error) {
      if (error instanceof DreamVideoError || (error && error.name === "AbortError")) throw error;
      throw new DreamVideoError(STATUS_WORDS[0], { status: 0 }); // the network, mid-download too
    }
  }

  /**
   * A background export: `{id, status, dream_count, bytes, error, created_at, finished_at,
   * expires_at, download_url}`; `status` is `queued`, `running`, `ready`, `expired` or
   * `failed`, and `download_url` is set while it is `ready`.
   */
  getExport(exportId, { signal } = {}) {
    return this.request("GET", `/api/account/exports/${exportId}`, { signal });
  }

  /**
   * Poll a background export until it is packed (or failed); resolves to the export.
   * `onProgress(export)` is called on each poll. Abort with `signal`; brief network
   * failures are retried with a growing pause.
   */
  async waitForExport(
    exportId,
    { onProgress, signal, intervalMs = 1500, maxIntervalMs = 5000 } = {},
  ) {
    let failures = 0;
    let pause = intervalMs;
    for (;;) {
      if (signal && signal.aborted) throw abortError(signal);
      try {
        const found = await this.getExport(exportId, { signal });
        failures = 0;
        if (onProgress) onProgress(found);
        if (found.status !== "queued" && found.status !== "running") return found;
      } catch (error) {
        const transient =
          error instanceof DreamVideoError && (error.status === 0 || error.status >= 502);
        if (!transient || ++failures > 5) throw error;
      }
      await sleep(pause, signal);
      pause = Math.min(maxIntervalMs, Math.round(pause * 1.25));
    }
  }

  /**
   * Import a journal exported from DreamJourney (`file`: a Blob/File of the ZIP). All or
   * nothing: a bad archive rejects with a 400 whose `fields.file` says why. Dreams the
   * journal has already are skipped. Resolves to `{created, skipped, videos}`.
   */
  importJournal(file, { signal } = {}) {
    const form = new FormData();
    form.append("file", file, file.name || "journal.zip");
    return this.request("POST", "/api/account/import", { form, signal });
  }
}

/** A ready-made instance for pages of this site (session auth). */
export const dreamVideoService = new DreamVideoService();
export default dreamVideoService;
