// Which trial's exposure has begun and not yet been answered, kept in localStorage so that a reload or a
// back/forward visit knows the participant already saw it. Such a trial is shown again only with its
// answer marked `interruption` (the server flags it `interrupted`, and the default exclusions drop it).

const STORAGE_KEY = 'studyserver.open_exposure';
/** The reasons the server accepts in an answer's `interruption`. */
export const INTERRUPTIONS = ['reload', 'back_forward', 'hidden', 'resize'];

/** 'reload', 'back_forward' or 'navigate', from the Navigation Timing entry of this page load. */
export function navigationKind(entries) {
  const type = entries && entries[0] && entries[0].type;
  return type === 'reload' || type === 'back_forward' ? type : 'navigate';
}

export class ExposureLog {
  constructor(storage = globalThis.localStorage) {
    this.storage = storage;
    this.memory = null; // used when storage fails (private mode): protects within this page at least
  }

  read() {
    try {
      const raw = this.storage.getItem(STORAGE_KEY);
      const record = raw ? JSON.parse(raw) : null;
      return record && typeof record.token === 'string' && Number.isInteger(record.index) ? record : this.memory;
    } catch {
      return this.memory;
    }
  }

  write(record) {
    this.memory = record;
    try {
      if (record) this.storage.setItem(STORAGE_KEY, JSON.stringify(record));
      else this.storage.removeItem(STORAGE_KEY);
    } catch { /* kept in memory */ }
  }

  /** The exposure of `index` begins: remembered until `finish`; a reason already recorded is kept. */
  begin(token, index) {
    const open = this.read();
    const reason = open && open.token === token && open.index === index ? open.reason : null;
    this.write({ token, index, reason });
  }

  /** The open exposure of `index` was cut short (`hidden`, `resize`); its rerun is marked with `reason`. */
  interrupt(token, index, reason) {
    const open = this.read();
    const first = open && open.token === token && open.index === index && open.reason;
    this.write({ token, index, reason: first || reason });
  }

  /** Why `index` must be marked when shown (again), or null when its exposure never began. */
  reasonFor(token, index) {
    const open = this.read();
    return open && open.token === token && open.index === index ? open.reason : null;
  }

  /** The answer to `index` is queued: its exposure is closed. */
  finish(token, index) {
    const open = this.read();
    if (open && open.token === token && open.index === index) this.write(null);
  }

  /**
   * At page load: an exposure left open by the previous page (begun, never answered) was interrupted by
   * this navigation. Returns `{index, reason}` for this session's open exposure, or null. Trials already
   * answered (`done`) are closed instead.
   */
  recover(token, navigation, done = new Set()) {
    const open = this.read();
    if (!open || open.token !== token) return null;
    if (done.has(open.index)) {
      this.write(null);
      return null;
    }
    if (!open.reason) {
      open.reason = navigation === 'back_forward' ? 'back_forward' : 'reload';
      this.write(open);
    }
    return { index: open.index, reason: open.reason };
  }
}

/** What the participant is told before an interrupted trial is shown again. */
export function interruptionMessage(reason) {
  const what = {
    reload: 'The page was reloaded while a trial was running.',
    back_forward: 'The page was left (with the Back or Forward button) while a trial was running.',
    hidden: 'The pictures were hidden because this page went out of view (another tab or window came to the front).',
    resize: 'The window changed size while the pictures were shown, so they could not be shown at their exact size.',
  }[reason] || 'A trial was interrupted.';
  return `${what}\n\nThat trial is shown once more, and your answer to it is marked as interrupted. `
    + 'Please keep this page in front, and the window as it is, until the end of the study.';
}
