// A visitor reports a public dream: a dialog with the reasons and optional text, sent
// through dreamVideoService.reportDream; the answer is said in the dialog itself.

import { dreamVideoService as service } from "./dreamVideoService.js";

const THANKS = "Thanks, a moderator will look at it.";
const opener = document.querySelector("[data-report-open]");
const dialog = document.querySelector("[data-report-dialog]");

if (opener && dialog) {
  const form = dialog.querySelector("[data-report-form]");
  const done = dialog.querySelector("[data-report-done]");
  const thanks = dialog.querySelector("[data-report-thanks]");
  const formError = dialog.querySelector("[data-report-error]");
  const send = dialog.querySelector("[data-report-send]");
  const fieldErrors = dialog.querySelectorAll("[data-error-for]");

  const clearErrors = () => {
    formError.hidden = true;
    formError.textContent = "";
    for (const el of fieldErrors) {
      el.hidden = true;
      el.textContent = "";
    }
    form.elements.text.removeAttribute("aria-invalid");
  };

  const showFieldError = (name, message) => {
    const el = dialog.querySelector(`[data-error-for="${name}"]`);
    if (!el) return false;
    el.textContent = message;
    el.hidden = false;
    if (name === "text") form.elements.text.setAttribute("aria-invalid", "true");
    return true;
  };

  const finish = (message) => {
    form.hidden = true;
    done.hidden = false;
    thanks.textContent = message;
    dialog.querySelector("[data-report-close]").focus();
    opener.disabled = true;
    opener.textContent = "Reported";
  };

  opener.addEventListener("click", () => {
    clearErrors();
    form.hidden = false;
    done.hidden = true;
    dialog.showModal();
  });
  // A chosen reason answers "Choose a reason." at once.
  form.addEventListener("change", (event) => {
    if (event.target.name !== "reason") return;
    const el = dialog.querySelector('[data-error-for="reason"]');
    el.hidden = true;
    el.textContent = "";
  });
  dialog.querySelector("[data-report-cancel]").addEventListener("click", () => dialog.close());
  dialog.querySelector("[data-report-close]").addEventListener("click", () => dialog.close());

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors();
    const reason = form.elements.reason.value;
    const text = form.elements.text.value.trim();
    if (!reason) {
      showFieldError("reason", "Choose a reason.");
      form.querySelector('input[name="reason"]').focus();
      return;
    }
    send.disabled = true;
    try {
      await service.reportDream(opener.dataset.dreamId, { reason, text });
      finish(THANKS);
    } catch (error) {
      if (error.status === 409) {
        finish("You have already reported this dream; a moderator will look at it.");
        return;
      }
      const fields = error.fields || {};
      let shown = false;
      for (const name of ["reason", "text"]) {
        if (fields[name]) shown = showFieldError(name, [].concat(fields[name])[0]) || shown;
      }
      if (!shown) {
        formError.textContent = error.message;
        formError.hidden = false;
      }
    } finally {
      send.disabled = false;
    }
  });
}
