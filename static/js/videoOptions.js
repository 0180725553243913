// The video's choices (model, style, shape, length, sound) as form controls that only ever
// offer what the chosen model accepts: the options come from GET /api/ai/models and change
// with the model. The server checks the combination again.

import { dreamVideoService as service } from "./dreamVideoService.js";

let catalog = null;

/** The site's models and styles, asked for once per page (the answer is cached anyway). */
export function loadCatalog() {
  if (!catalog) {
    catalog = service.listModels().catch((error) => {
      catalog = null; // a later call may try again
      throw error;
    });
  }
  return catalog;
}

function option(value, label, selected) {
  const node = document.createElement("option");
  node.value = String(value);
  node.textContent = label;
  node.selected = selected;
  return node;
}

function seconds(n) {
  return n === 1 ? "1 second" : `${n} seconds`;
}

/**
 * Fills the controls inside `root` (`[data-option="model|style|ratio|duration|audio"]`,
 * with `[data-help="model|style"]` lines) and keeps them to the chosen model.
 * `initial` may preselect `{model, style, ratio, duration, audio}`; anything the model
 * does not take falls back to its default.
 */
export class VideoOptions {
  constructor(root, { initial = {} } = {}) {
    this.root = root;
    this.initial = initial;
    this.catalog = null;
    this.control = (name) => root.querySelector(`[data-option="${name}"]`);
    this.help = (name) => root.querySelector(`[data-help="${name}"]`);
  }

  /** Load the catalog and fill the controls; resolves to this, or rejects if it cannot. */
  async ready() {
    this.catalog = await loadCatalog();
    const { models, styles, default_model: defaultModel, default_style: defaultStyle } =
      this.catalog;
    const wanted = models.some((m) => m.id === this.initial.model) ? this.initial.model : defaultModel;
    this.control("model").replaceChildren(
      ...models.map((m) => option(m.id, m.label, m.id === wanted)),
    );
    const style = styles.some((s) => s.id === this.initial.style) ? this.initial.style : defaultStyle;
    this.control("style").replaceChildren(
      ...styles.map((s) => option(s.id, s.label, s.id === style)),
    );
    this.control("model").addEventListener("change", () => this.followModel());
    this.control("style").addEventListener("change", () => this.describe());
    this.followModel(this.initial);
    const status = this.root.querySelector("[data-video-options-status]");
    const cost = this.root.querySelector("[data-audio-cost]");
    if (cost) cost.hidden = this.catalog.provider === "demo"; // RunwayML's price, not ours
    if (status && this.catalog.provider === "demo") {
      status.textContent =
        "Only what the chosen model can make is offered. On this site the demo renderer draws " +
        "the video itself, in the shape, length and style you choose.";
    }
    this.root.dataset.optionsReady = "";
    return this;
  }

  get model() {
    return this.catalog.models.find((m) => m.id === this.control("model").value);
  }

  /** Offer the chosen model's ratios, lengths and sound, keeping what still fits. */
  followModel(preferred = {}) {
    const model = this.model;
    const ratio = this.control("ratio");
    const keepRatio = preferred.ratio ?? ratio.value;
    const pickRatio = model.ratios.some((r) => r.value === keepRatio) ? keepRatio : model.default_ratio;
    ratio.replaceChildren(
      ...model.ratios.map((r) => option(r.value, r.label, r.value === pickRatio)),
    );
    const duration = this.control("duration");
    const keepDuration = Number(preferred.duration ?? duration.value);
    const pickDuration = model.durations.includes(keepDuration)
      ? keepDuration
      : model.default_duration;
    duration.replaceChildren(
      ...model.durations.map((d) => option(d, seconds(d), d === pickDuration)),
    );
    const audio = this.control("audio");
    const audioField = audio.closest("[data-audio-field]") || audio;
    audioField.hidden = !model.audio;
    audio.disabled = !model.audio;
    if (model.audio) audio.checked = preferred.audio ?? model.default_audio;
    this.describe();
  }

  describe() {
    const model = this.model;
    const style = this.catalog.styles.find((s) => s.id === this.control("style").value);
    if (this.help("model")) this.help("model").textContent = model.description;
    if (this.help("style") && style) this.help("style").textContent = style.description;
  }

  /** The choices as the API takes them (`audio` only for a model with sound). */
  values() {
    const model = this.model;
    return {
      model: model.id,
      style: this.control("style").value,
      ratio: this.control("ratio").value,
      duration: Number(this.control("duration").value),
      audio: model.audio ? this.control("audio").checked : undefined,
    };
  }
}
