// The notifications page: what it shows is marked read through the API, and the header's
// bell follows. Without JavaScript the page's "Mark all as read" form does the same.

import { dreamVideoService } from "./dreamVideoService.js";

/** Show `count` unread notifications on the header's bell (hidden at 0). */
export function showUnreadCount(count) {
  const bell = document.querySelector("[data-notifications-bell]");
  if (!bell) return;
  const badge = bell.querySelector("[data-unread-count]");
  if (badge) {
    badge.textContent = count > 99 ? "99+" : String(count);
    badge.hidden = count <= 0;
  }
  bell.setAttribute("aria-label", count > 0 ? `Notifications, ${count} unread` : "Notifications");
}

async function markShownAsRead(root) {
  const form = root.querySelector("[data-mark-read-form]");
  if (!form) return; // nothing unread on this page
  try {
    const { unread_count: unread } = await dreamVideoService.markAllNotificationsRead({
      until: root.dataset.shownUntil,
    });
    showUnreadCount(unread);
    form.hidden = true;
  } catch {
    // The form stays: it marks them read without script.
  }
}

const root = document.querySelector("[data-notifications]");
if (root) markShownAsRead(root);
