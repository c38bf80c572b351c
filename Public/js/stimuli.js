// Trial images, fetched once per page into memory (object URLs) and decoded before onset, so that an
// exposure never waits on the network. Each trial's images are fetched when the trial starts; their URLs
// are opaque and belong to this session.

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 10000;

/** A stimulus the server does not have (4xx): retrying will not help. */
export class MissingStimulusError extends Error {
  constructor(url, status) {
    super(`image ${url} could not be loaded (HTTP ${status})`);
    this.name = 'MissingStimulusError';
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

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

  async fetchWithRetry(url) {
    for (let attempt = 0; ; attempt += 1) {
      let response = null;
      try {
        response = await fetch(url, { credentials: 'same-origin' });
      } catch {
        response = null; // offline or server unreachable: wait and retry
      }
      if (response && response.ok) return URL.createObjectURL(await response.blob());
      if (response && response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
        throw new MissingStimulusError(url, response.status);
      }
      await sleep(Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** attempt));
    }
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
