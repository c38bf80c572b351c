// Trial images, fetched once per page into memory (object URLs) and decoded before onset, so that an
// exposure never waits on the network. Each trial's images are fetched when the trial starts; their URLs
// are opaque and belong to this session.

import { NetworkError } from './api.js';
import { FIRST_RETRY_MS, RetryableError, isRetryableStatus, retry } from './retry.js';

const MAX_RETRY_MS = 10000;

/** A stimulus the server does not have (4xx): retrying will not help. */
export class MissingStimulusError extends Error {
  constructor(url, status) {
    super(`image ${url} could not be loaded (HTTP ${status})`);
    this.name = 'MissingStimulusError';
  }
}

export class StimulusStore {
  constructor() {
    /** url -> Promise<object URL> */
    this.loads = new Map();
  }

  /** The object URL for `url`, fetching it (retrying network failures until it arrives) the first time. */
  objectURL(url) {
    let load = this.loads.get(url);
    if (!load) {
      load = this.fetchWithRetry(url);
      this.loads.set(url, load);
      // A failed load is forgotten so that a later request tries again.
      load.catch(() => this.loads.delete(url));
    }
    return load;
  }

  /** Network failures, 5xx, 408 and 429 are retried with backoff (Retry-After is not waited for); other 4xx throw. */
  fetchWithRetry(url) {
    return retry(async () => {
      let response;
      try {
        response = await fetch(url, { credentials: 'same-origin' });
      } catch (error) {
        throw new NetworkError(error); // offline or server unreachable: wait and retry
      }
      if (response.ok) return URL.createObjectURL(await response.blob());
      if (response.status >= 400 && response.status < 500 && !isRetryableStatus(response.status)) {
        throw new MissingStimulusError(url, response.status);
      }
      throw new RetryableError(`image ${url}: HTTP ${response.status}`);
    }, { firstMs: FIRST_RETRY_MS, maxMs: MAX_RETRY_MS });
  }

  /**
   * Fresh `<img>` elements for `urls`, each fully decoded, so that showing them costs no decode time.
   * `alt` texts are given by the caller and must say nothing about where an image comes from.
   */
  async decodedImages(urls, alts) {
    return Promise.all(urls.map(async (url, i) => {
      const img = new Image();
      img.alt = alts[i];
      img.draggable = false;
      img.decoding = 'sync';
      img.src = await this.objectURL(url);
      await img.decode();
      return img;
    }));
  }
}

/** Every image URL a trial shows, in display order. */
export function trialImageURLs(trial) {
  return trial.input ? [trial.left, trial.input, trial.right] : [trial.left, trial.right];
}
