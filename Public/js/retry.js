// The one home of the app's retry rules: which failures are worth trying again, how long to wait (doubling
// backoff, or the server's Retry-After), and the retry loop itself. Pure, apart from timers.

/** The first backoff wait; each retry doubles it up to the caller's cap. */
export const FIRST_RETRY_MS = 500;

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** An HTTP status worth trying again later: the server is failing or overloaded, not refusing the request. */
export function isRetryableStatus(status) {
  return status >= 500 || status === 408 || status === 429;
}

/** A failure that says it is worth trying again (`error.retryable`). */
export function isRetryable(error) {
  return Boolean(error && error.retryable);
}

/** A failure that is always worth trying again (no answer at all, or a transient one). */
export class RetryableError extends Error {
  constructor(message) {
    super(message);
    this.name = 'RetryableError';
    this.retryable = true;
  }
}

/** The backoff before retry number `attempt` (0 for the first): doubling from `firstMs`, at most `maxMs`. */
export function backoffMs(attempt, { firstMs = FIRST_RETRY_MS, maxMs }) {
  return Math.min(maxMs, firstMs * 2 ** attempt);
}

/** The wait before a retry: the server's Retry-After (not below `floorMs`) where it sent one, else `backoff`. */
export function retryDelayMs(retryAfter, backoff, floorMs) {
  return retryAfter != null ? Math.max(retryAfter, floorMs) : backoff;
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(header, now = Date.now()) {
  if (!header) return null;
  const text = String(header).trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/**
 * Runs `operation` until it succeeds or fails with an error that is not retryable (which is thrown).
 * Between attempts it calls `onWait(error)` and waits `retryDelayMs(error.retryAfterMs, backoff, minRetryAfterMs)`.
 * A 429 is retried at most `maxRateLimited` times; the next one is thrown.
 */
export async function retry(operation, {
  firstMs = FIRST_RETRY_MS, maxMs, minRetryAfterMs = 0, maxRateLimited = Infinity, onWait = () => {}, wait = sleep,
} = {}) {
  let limited = 0;
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await operation();
    } catch (error) {
      if (!isRetryable(error)) throw error;
      if (error.status === 429 && (limited += 1) > maxRateLimited) throw error;
      onWait(error);
      await wait(retryDelayMs(error.retryAfterMs, backoffMs(attempt, { firstMs, maxMs }), minRetryAfterMs));
    }
  }
}
