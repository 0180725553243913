// Unsaved editor drafts kept in this browser (localStorage), one per owner and dream.
//
// The owner part of the key is an opaque marker the page gives (an account's or a demo
// session's), so on a shared browser one account is never offered another's draft.
// Storage may be disabled or full: every call then quietly does nothing.

const PREFIX = "dreamjourney:draft:v1:";
const MAX_AGE_MS = 30 * 24 * 60 * 60 * 1000; // an older draft is forgotten

function storage() {
  try {
    return window.localStorage; // reading the property itself throws when storage is blocked
  } catch {
    return null;
  }
}

/** Forget drafts older than `MAX_AGE_MS` (of every owner: they are nobody's work any more). */
export function pruneDrafts(now = Date.now()) {
  const store = storage();
  if (!store) return;
  try {
    const stale = [];
    for (let i = 0; i < store.length; i += 1) {
      const key = store.key(i);
      if (!key || !key.startsWith(PREFIX)) continue;
      const draft = parse(store.getItem(key));
      if (!draft || now - draft.savedAt > MAX_AGE_MS) stale.push(key);
    }
    for (const key of stale) store.removeItem(key);
  } catch {
    // Nothing to tidy.
  }
}

/** Forget every draft in this browser: signing out leaves nothing to read on a shared one. */
export function forgetAllDrafts() {
  const store = storage();
  if (!store) return;
  try {
    const keys = [];
    for (let i = 0; i < store.length; i += 1) {
      const key = store.key(i);
      if (key && key.startsWith(PREFIX)) keys.push(key);
    }
    for (const key of keys) store.removeItem(key);
  } catch {
    // Nothing to forget.
  }
}

function parse(raw) {
  try {
    const value = JSON.parse(raw);
    const fields = value && value.fields;
    const ok = typeof value?.savedAt === "number" && fields && typeof fields === "object";
    return ok ? value : null;
  } catch {
    return null;
  }
}

/** The drafts of one owner's one dream ("new" for a dream not saved yet). */
export class DraftStore {
  constructor({ owner, dream }) {
    this.key = `${PREFIX}${owner || "anonymous"}:${dream || "new"}`;
  }

  /** `{savedAt, fields}` or null. */
  load() {
    const store = storage();
    if (!store) return null;
    try {
      const draft = parse(store.getItem(this.key));
      if (draft && Date.now() - draft.savedAt > MAX_AGE_MS) {
        store.removeItem(this.key);
        return null;
      }
      return draft;
    } catch {
      return null;
    }
  }

  /** Keep `fields`; true when kept. A full storage loses its stale drafts; one more try. */
  save(fields) {
    const store = storage();
    if (!store) return false;
    const raw = JSON.stringify({ savedAt: Date.now(), fields });
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        store.setItem(this.key, raw);
        return true;
      } catch {
        if (attempt === 0) pruneDrafts();
      }
    }
    return false;
  }

  clear() {
    const store = storage();
    if (!store) return;
    try {
      store.removeItem(this.key);
    } catch {
      // Already unreachable.
    }
  }
}
