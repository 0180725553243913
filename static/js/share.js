// A public dream's Share button: the browser's share sheet (Web Share API) where there is
// one, else the link copied to the clipboard, with "Link copied" shown and announced.
// Only public, approved dreams have the button (dreams/sharing.py).

const box = document.querySelector("[data-share-link-box]");
const CONFIRM_MS = 4000;

/** Copy `text`: the Clipboard API in secure contexts, else a selected textarea and
 *  execCommand (plain http on a LAN address has no navigator.clipboard). */
async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // Denied (permissions, no focus): try the old way.
    }
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.append(area);
  area.select();
  let copied = false;
  try {
    copied = document.execCommand("copy");
  } catch {
    copied = false;
  }
  area.remove();
  return copied;
}

function bind(root) {
  const button = root.querySelector("[data-share-link]");
  const status = root.querySelector("[data-share-link-status]");
  const field = root.querySelector("[data-share-link-field]");
  const label = root.querySelector("[data-share-link-label]");
  const canShare = typeof navigator.share === "function";
  let clearTimer = 0;
  // Say what the button will do: a share sheet, or a copied link.
  if (!canShare) label.textContent = "Copy link";

  function confirm(text) {
    clearTimeout(clearTimer);
    status.textContent = text;
    status.classList.add("is-shown");
    clearTimer = setTimeout(() => {
      status.classList.remove("is-shown");
      status.textContent = "";
    }, CONFIRM_MS);
  }

  button.addEventListener("click", async () => {
    const url = button.dataset.url;
    if (canShare) {
      try {
        await navigator.share({ title: button.dataset.title, url });
        return;
      } catch (error) {
        if (error.name === "AbortError") return; // the visitor closed the sheet
        // Not allowed here (e.g. no user activation left): copy instead.
      }
    }
    if (await copyText(url)) {
      field.hidden = true;
      confirm("Link copied");
    } else {
      // Nothing could copy: show the link selected, ready for the keyboard.
      field.hidden = false;
      field.focus();
      field.select();
      confirm("Copy the link below");
    }
  });
}

if (box) bind(box);
