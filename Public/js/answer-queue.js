// Answers waiting for the server's acknowledgement. Every answer is written to localStorage before it is
// sent, is sent in the order given (one request in flight), and leaves the queue only when the server has
// committed it (200), already holds that trial (409), or refuses it for good (other 4xx). Network errors
// and 5xx are retried with backoff, at once when the browser comes back online, and after a reload.
// When the page is closed with answers still queued, they also go out as beacons.

import { beaconAnswer, postAnswer } from './api.js';
import { FIRST_RETRY_MS, backoffMs, isRetryable, retryDelayMs } from './retry.js';

const STORAGE_KEY = 'studyserver.pending_answers';
/** The server's "507 Insufficient Storage": answers are not lost, the study is paused until it saves again. */
const STORAGE_FULL = 507;
const MAX_RETRY_MS = 5000;

/** A client-made idempotency key: the server treats a repeated key as the same answer. */
export function newAnswerKey() {
  if (globalThis.crypto && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class AnswerQueue {
  /**
   * @param {object} options
   * @param {(state: {pending: number, waiting: boolean, paused?: boolean}) => void} [options.onChange] called after
   *   every change; `paused: true` only while the server answers 507 (its disk is full).
   */
  constructor({ storage = globalThis.localStorage, send = postAnswer, beacon = beaconAnswer, onChange = () => {} } = {}) {
    this.storage = storage;
    this.send = send;
    this.beacon = beacon;
    this.onChange = onChange;
    this.items = this.load();
    this.sending = false;
    this.failures = 0;
    this.retryTimer = null;
    this.emptyWaiters = [];
    globalThis.addEventListener('online', () => this.flushNow());
    globalThis.addEventListener('pagehide', () => this.sendBeacons());
  }

  sendBeacons() {
    for (const { token, answer } of this.items) this.beacon(token, answer);
  }

  /** Items are `{token, answer}`; `answer.key` is the idempotency key. */
  load() {
    try {
      const raw = this.storage.getItem(STORAGE_KEY);
      const items = raw ? JSON.parse(raw) : [];
      return Array.isArray(items) ? items.filter((it) => it && it.token && it.answer && it.answer.key) : [];
    } catch (error) {
      console.warn('could not read pending answers from localStorage', error);
      return [];
    }
  }

  save() {
    try {
      this.storage.setItem(STORAGE_KEY, JSON.stringify(this.items));
    } catch (error) {
      // Private mode or a full quota: the answers are still held in memory and sent from there.
      console.warn('could not persist pending answers', error);
    }
  }

  get pending() { return this.items.length; }

  /** Indices of this session's trials answered here but not yet acknowledged. */
  pendingIndices(token) {
    return new Set(this.items.filter((it) => it.token === token).map((it) => it.answer.index));
  }

  /** Stores the answer, then sends it (after any answers queued before it). */
  add(token, answer) {
    this.items.push({ token, answer });
    this.save();
    this.changed();
    this.flushNow();
  }

  /** Resolves once every queued answer has left the queue. */
  whenEmpty() {
    if (this.items.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.emptyWaiters.push(resolve));
  }

  /** Sends now, cancelling any backoff wait (page load, `online`, a new answer). */
  flushNow() {
    if (this.retryTimer !== null) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    this.pump();
  }

  async pump() {
    if (this.sending || this.retryTimer !== null) return;
    this.sending = true;
    try {
      while (this.items.length > 0) {
        const item = this.items[0];
        const outcome = await this.deliver(item);
        if (outcome === 'retry') {
          this.failures += 1;
          const backoff = backoffMs(this.failures - 1, { firstMs: FIRST_RETRY_MS, maxMs: MAX_RETRY_MS });
          const wait = retryDelayMs(this.retryAfterMs, backoff, backoff);
          this.retryTimer = setTimeout(() => { this.retryTimer = null; this.pump(); },
            wait * (0.75 + Math.random() * 0.5));
          this.changed();
          return;
        }
        this.failures = 0;
        // Remove this exact item (not index 0: the array may have grown meanwhile, never shrunk elsewhere).
        const at = this.items.indexOf(item);
        if (at >= 0) this.items.splice(at, 1);
        this.save();
        this.changed();
      }
    } finally {
      this.sending = false;
    }
    const waiters = this.emptyWaiters.splice(0);
    for (const resolve of waiters) resolve();
  }

  /** @returns {Promise<'done' | 'retry'>} */
  async deliver({ token, answer }) {
    this.retryAfterMs = null;
    try {
      await this.send(token, answer);
      this.paused = false;
      return 'done';
    } catch (error) {
      if (isRetryable(error)) {
        this.retryAfterMs = error.retryAfterMs ?? null; // a 429's Retry-After
        // 507: the server's disk is full; it saves again once space returns, and the queue keeps retrying.
        this.paused = error.status === STORAGE_FULL;
        return 'retry';
      }
      if (error && error.status === 409) return 'done'; // that trial is already recorded
      console.warn(`answer to trial ${answer.index} refused by the server and dropped:`, error);
      return 'done';
    }
  }

  changed() {
    this.onChange({ pending: this.items.length, waiting: this.retryTimer !== null, ...(this.paused ? { paused: true } : {}) });
  }
}
