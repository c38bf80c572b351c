// The study server's JSON API: one function per route, nothing else.
// Paths resolve against the page's own address so the app also works behind a path prefix.

import { RetryableError, isRetryableStatus, retryAfterMs } from './retry.js';

/** An HTTP answer that is not 2xx. `status` is the HTTP status; `message` the server's `error` text. */
export class ApiError extends Error {
  /** `retryAfterMs`: the server's Retry-After (429, 503) in milliseconds, or null; `body`: its JSON, or null. */
  constructor(status, message, retryAfterMs = null, body = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.retryAfterMs = retryAfterMs;
    this.body = body;
  }

  /** Worth trying again later: the server is failing or overloaded, not refusing the request. */
  get retryable() {
    return isRetryableStatus(this.status);
  }
}

/** The request never got an HTTP answer (offline, connection refused, server gone). Always retryable. */
export class NetworkError extends RetryableError {
  constructor(cause) {
    super(`network error: ${cause && cause.message ? cause.message : cause}`);
    this.name = 'NetworkError';
  }
}

function apiURL(path) {
  return new URL(`api/${path}`, document.baseURI).toString();
}

async function request(method, path, body) {
  let response;
  try {
    response = await fetch(apiURL(path), {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'same-origin',
    });
  } catch (error) {
    throw new NetworkError(error);
  }
  if (response.status === 204) return null;
  let payload = null;
  const text = await response.text().catch(() => '');
  if (text) {
    try { payload = JSON.parse(text); } catch { payload = null; }
  }
  if (!response.ok) {
    const message = payload && typeof payload.error === 'string' ? payload.error : `HTTP ${response.status}`;
    throw new ApiError(response.status, message, retryAfterMs(response.headers.get('Retry-After')), payload);
  }
  return { status: response.status, body: payload };
}

const enc = encodeURIComponent;

/**
 * POST /api/sessions: starts a session, or resumes the one this participant id already has when the body's
 * `resume_token` is that session's token (409 otherwise: the study was started in another browser).
 */
export async function createSession(fields) {
  return (await request('POST', 'sessions', fields)).body;
}

/** GET /api/sessions/{token}: the session's current state. */
export async function getSession(token) {
  return (await request('GET', `sessions/${enc(token)}`)).body;
}

/** POST /api/sessions/{token}/answers: records one answer; resolves once the server has committed it. */
export async function postAnswer(token, answer) {
  return (await request('POST', `sessions/${enc(token)}/answers`, answer)).body;
}

/**
 * The same answer as a beacon, for a page being closed: the browser sends it even after the page is gone,
 * but nobody learns whether it arrived, so the answer stays queued (a repeat is recognised by its key).
 */
export function beaconAnswer(token, answer) {
  if (typeof navigator.sendBeacon !== 'function') return false;
  const body = new Blob([JSON.stringify(answer)], { type: 'application/json' });
  return navigator.sendBeacon(apiURL(`sessions/${enc(token)}/answers`), body);
}

/** POST /api/sessions/{token}/complete: refused (409) while answers are missing. */
export async function completeSession(token) {
  return (await request('POST', `sessions/${enc(token)}/complete`, {})).body;
}

/**
 * POST /api/sessions/{token}/events: `detail` is a plain object or null. Best effort: every failure (409 after
 * completion, 429 rate limits, network) is ignored.
 */
export async function postEvent(token, kind, detail = null) {
  try {
    await request('POST', `sessions/${enc(token)}/events`, { kind, detail });
  } catch (error) {
    console.debug('event not recorded', kind, error);
  }
}
