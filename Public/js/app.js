// The participant's page as a small state machine:
// consent -> instructions -> display check -> practice (with feedback) -> trials -> done.
// It knows the session's trials only as image URLs and sides; which image is which is the server's business.

import * as api from './api.js';
import { AnswerQueue, newAnswerKey } from './answer-queue.js';
import { StimulusStore, trialImageURLs } from './stimuli.js';
import { TrialStage, runTrial } from './trial.js';

const TOKEN_KEY = 'studyserver.session_token';
const BROWSER_KEY = 'studyserver.browser_key';
const FEEDBACK_MS = 1200;
const INTER_TRIAL_MS = 400;
const CONTINUE_ARM_MS = 250;
const REDIRECT_DELAY_MS = 3000;
/** A trial whose images have not arrived after this long says that it waits for the connection. */
const WAIT_NOTICE_MS = 2000;
/** Room around the stage for the page padding, question, progress bar and feedback (CSS pixels). */
const CHROME_W = 32;
const CHROME_H = 250;
const IMAGE_ALTS = {
  2: ['Image on the left', 'Image on the right'],
  3: ['Image on the left', 'Small input image in the middle', 'Image on the right'],
};

const $ = (selector, root = document) => root.querySelector(selector);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const screen = (name) => $(`[data-screen="${name}"]`);

function show(name) {
  for (const section of document.querySelectorAll('[data-screen]')) {
    section.hidden = section.dataset.screen !== name;
  }
  // Move focus off any button of the previous screen (a key released on it would click it).
  if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
  const heading = $('h1', screen(name));
  if (heading) heading.focus({ preventScroll: true });
}

function setParagraphs(element, text) {
  const paragraphs = String(text || '').split(/\n\s*\n/).map((t) => t.trim()).filter(Boolean);
  element.replaceChildren(...paragraphs.map((t) => {
    const p = document.createElement('p');
    p.textContent = t;
    return p;
  }));
}

function showLoading(text) {
  $('[data-part="text"]', screen('loading')).textContent = text;
  show('loading');
}

/** A text screen; resolves on its button, Space or Enter. */
function message(title, text, buttonLabel = 'Continue') {
  const section = screen('message');
  $('[data-part="title"]', section).textContent = title;
  setParagraphs($('[data-part="text"]', section), text);
  const button = $('[data-part="continue"]', section);
  button.textContent = buttonLabel;
  show('message');
  return new Promise((resolve) => {
    const armedAt = performance.now() + CONTINUE_ARM_MS;
    const done = () => {
      window.removeEventListener('keydown', onKey);
      button.removeEventListener('click', onClick);
      resolve();
    };
    const onKey = (event) => {
      if (event.key !== ' ' && event.key !== 'Enter') return;
      event.preventDefault();
      if (event.repeat || performance.now() < armedAt) return;
      done();
    };
    const onClick = () => { if (performance.now() >= armedAt) done(); };
    window.addEventListener('keydown', onKey);
    button.addEventListener('click', onClick);
  });
}

function showError(text) {
  $('[data-part="text"]', screen('error')).textContent = text;
  show('error');
}

function windowInfo() {
  return {
    window_w: window.innerWidth,
    window_h: window.innerHeight,
    dpr: window.devicePixelRatio || 1,
  };
}

function readToken() {
  try { return localStorage.getItem(TOKEN_KEY); } catch { return null; }
}

function storeToken(token) {
  try { localStorage.setItem(TOKEN_KEY, token); } catch { /* the session still works without resume */ }
}

/**
 * This browser's own secret, made once and kept: the server lets the session this browser started be
 * resumed with it even when the answer carrying the session's token was lost. Null without storage.
 */
function browserKey() {
  try {
    let key = localStorage.getItem(BROWSER_KEY);
    if (!key) {
      key = newAnswerKey();
      localStorage.setItem(BROWSER_KEY, key);
    }
    return key;
  } catch {
    return null;
  }
}

function forgetToken() {
  try { localStorage.removeItem(TOKEN_KEY); } catch { /* nothing stored */ }
}

/** Retries `operation` while it fails for network reasons, showing `waitingText` meanwhile. */
async function withRetry(operation, waitingText) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await operation();
    } catch (error) {
      if (!error || !error.retryable) throw error;
      if (waitingText) showLoading(waitingText);
      await sleep(Math.min(10000, 500 * 2 ** attempt));
    }
  }
}

/** Resumes the stored session, or starts (or, for a known participant id, resumes) one on the server. */
async function openSession() {
  const params = new URLSearchParams(window.location.search);
  const fields = {};
  const pick = (param, field) => {
    const value = params.get(param);
    if (value) fields[field] = value;
  };
  pick('pid', 'pid');
  pick('PROLIFIC_PID', 'prolific_pid');
  pick('STUDY_ID', 'study_id');
  pick('SESSION_ID', 'session_id');
  const identified = Boolean(fields.pid || fields.prolific_pid);
  const stored = readToken();
  return withRetry(async () => {
    if (!identified && stored) {
      try {
        return await api.getSession(stored);
      } catch (error) {
        if (error.status !== 404) throw error;
        forgetToken();
      }
    }
    // Only the browser that started a session holds its token: resuming by participant id needs it.
    const key = browserKey();
    return api.createSession({
      ...fields, ...windowInfo(), ...(stored ? { resume_token: stored } : {}), ...(key ? { browser_key: key } : {}),
    });
  }, 'Connecting to the study server…');
}

class Study {
  constructor() {
    this.queue = new AnswerQueue({ onChange: (state) => this.showSaving(state) });
    this.stimuli = new StimulusStore();
    this.stage = new TrialStage($('[data-part="trial"]'));
    this.decoding = new Map();
    this.finishing = false;
  }

  showSaving({ pending, waiting }) {
    const line = $('[data-part="saving"]');
    if (pending > 0 && (waiting || this.finishing)) {
      line.textContent = waiting
        ? `Saving your answers… (${pending} waiting for the connection)`
        : 'Saving your answers…';
    } else {
      line.textContent = '';
    }
  }

  async run() {
    this.queue.flushNow(); // answers left over from an earlier visit
    this.adopt(await openSession());
    if (this.session.completed) return this.showDone(this.session);

    const fresh = this.done.size === 0;
    if (fresh) {
      await message('Welcome', this.session.texts.consent, 'I agree, continue');
      api.postEvent(this.token, 'consent');
      await message('Instructions', this.session.texts.instructions, 'Start');
    } else {
      api.postEvent(this.token, 'resumed', { next_index: this.nextTrial()?.index ?? null });
      await message('Welcome back', `You can go on where you left off.\n\n${this.session.texts.instructions}`, 'Continue');
    }
    await this.ensureDisplayFits();

    for (;;) {
      await this.runRemainingTrials();
      const completion = await this.complete();
      if (completion) return this.showDone(completion);
    }
  }

  /** Takes the server's state, merged with answers this browser has not yet delivered. */
  adopt(session) {
    this.session = session;
    this.token = session.session;
    storeToken(this.token);
    this.trials = [...session.trials].sort((a, b) => a.index - b.index);
    this.done = new Set([...(session.answered || []), ...this.queue.pendingIndices(this.token)]);
    this.slots = session.task.show_input || this.trials.some((t) => t.input) ? 3 : 2;
    this.stage.layout({ slots: this.slots, imagePx: session.display.image_px, gapPx: session.display.gap_px });
  }

  nextTrial(after = -Infinity) {
    return this.trials.find((t) => t.index > after && !this.done.has(t.index)) || null;
  }

  /** The decoded images of `trial`, started at most once. */
  imagesFor(trial) {
    let ready = this.decoding.get(trial.index);
    if (!ready) {
      ready = this.stimuli.decodedImages(trialImageURLs(trial), IMAGE_ALTS[trialImageURLs(trial).length]);
      ready.catch(() => this.decoding.delete(trial.index));
      this.decoding.set(trial.index, ready);
    }
    return ready;
  }

  requiredSize() {
    const { image_px: image, gap_px: gap } = this.session.display;
    return { w: this.slots * image + (this.slots - 1) * gap + CHROME_W, h: image + CHROME_H };
  }

  /** The display check: waits until the window holds the trial at its configured size. */
  async ensureDisplayFits() {
    const need = this.requiredSize();
    const fits = () => window.innerWidth >= need.w && window.innerHeight >= need.h;
    if (fits()) return;
    api.postEvent(this.token, 'display_too_small', { ...windowInfo(), need_w: need.w, need_h: need.h });
    const section = screen('display-check');
    const sizes = $('[data-part="sizes"]', section);
    const describe = () => {
      sizes.textContent = `Needed: ${need.w} × ${need.h}. This window: ${window.innerWidth} × ${window.innerHeight}.`;
    };
    describe();
    show('display-check');
    await new Promise((resolve) => {
      const onResize = () => {
        describe();
        if (fits()) {
          window.removeEventListener('resize', onResize);
          resolve();
        }
      };
      window.addEventListener('resize', onResize);
    });
  }

  updateProgress() {
    const counted = this.trials.filter((t) => !t.practice);
    const answered = counted.filter((t) => this.done.has(t.index)).length;
    const bar = $('[data-part="progress"]');
    bar.setAttribute('aria-valuemax', String(counted.length));
    bar.setAttribute('aria-valuenow', String(answered));
    $('[data-part="progress-fill"]').style.width = counted.length ? `${(100 * answered) / counted.length}%` : '0';
    const next = this.nextTrial();
    $('[data-part="progress-label"]').textContent = next && next.practice
      ? 'Practice'
      : `Trial ${Math.min(answered + 1, counted.length)} of ${counted.length}`;
  }

  async runRemainingTrials() {
    let announcedMain = false;
    let practiced = false;
    const practiceLeft = this.trials.filter((t) => t.practice && !this.done.has(t.index)).length;
    if (practiceLeft > 0) {
      await message('Practice',
        `First, ${practiceLeft === 1 ? 'one practice trial' : `${practiceLeft} practice trials`}. `
        + 'After each one you will see whether your choice was correct. Practice trials do not count.', 'Start practice');
    }
    for (let trial = this.nextTrial(); trial; trial = this.nextTrial(trial.index)) {
      if (!trial.practice && practiced && !announcedMain) {
        announcedMain = true;
        await message('The practice is over', 'Now the study begins. From here on there is no feedback.', 'Start');
      }
      await this.ensureDisplayFits();
      this.updateProgress();
      show('trial');
      // A trial's images are fetched when it starts (during the fixation), never ahead: the server times
      // each answer from when its images were served, and knows which trials were started.
      const ready = this.imagesFor(trial);
      const waiting = setTimeout(() => { $('[data-part="saving"]').textContent = 'Waiting for the connection…'; },
        WAIT_NOTICE_MS);
      ready.finally(() => {
        clearTimeout(waiting);
        this.showSaving({ pending: this.queue.pending, waiting: false });
      }).catch(() => {});
      let result;
      try {
        result = await runTrial(this.stage, {
          index: trial.index,
          ready,
          question: this.session.task.question,
          exposureMs: this.session.exposure_ms,
          fixationMs: this.session.fixation_ms,
        });
      } catch (error) {
        api.postEvent(this.token, 'image_error', { message: String(error && error.message) });
        showError('A picture of this study could not be loaded. Please reload the page; if this happens '
          + 'again, contact the researcher. Your answers so far are saved.');
        throw error;
      }
      this.decoding.delete(trial.index);
      this.queue.add(this.token, {
        key: newAnswerKey(),
        index: trial.index,
        choice: result.choice,
        response_ms: result.response_ms,
        exposure_ms: result.exposure_ms,
        frames: result.frames,
        visibility_lost: result.visibility_lost,
        focus_lost: result.focus_lost,
        ...windowInfo(),
        rendered_px: result.rendered_px ?? 0,
        client_time: Date.now(),
      });
      this.done.add(trial.index);
      if (trial.practice) {
        practiced = true;
        this.stage.feedback.textContent = result.choice === trial.correct ? 'Correct.' : 'Not correct.';
        await sleep(FEEDBACK_MS);
      }
      this.updateProgress();
      await sleep(INTER_TRIAL_MS);
    }
  }

  /**
   * Waits until every answer is acknowledged, then asks the server to complete the session.
   * Returns the completion, or null when the server still misses answers (their trials are run again).
   */
  async complete() {
    this.finishing = true;
    showLoading('Saving your answers…');
    this.showSaving({ pending: this.queue.pending, waiting: false });
    await this.queue.whenEmpty();
    try {
      return await withRetry(() => api.completeSession(this.token), 'Saving your answers…');
    } catch (error) {
      if (error.status !== 409) {
        showError(`The study server refused to complete this session (${error.message}).`);
        throw error;
      }
      // Some answer never arrived (refused or lost): the server's state says which trials to repeat.
      this.adopt(await withRetry(() => api.getSession(this.token), 'Saving your answers…'));
      if (!this.nextTrial()) {
        showError('The study server could not complete this session. Please contact the researcher.');
        throw error;
      }
      return null;
    } finally {
      this.finishing = false;
    }
  }

  showDone(completion) {
    const section = screen('done');
    setParagraphs($('[data-part="text"]', section), this.session.texts.completion);
    const code = completion.completion_code;
    $('[data-part="code-block"]', section).hidden = !code;
    $('[data-part="code"]', section).textContent = code || '';
    show('done');
    const url = completion.redirect_url;
    if (url && /^https?:\/\//i.test(url)) {
      $('[data-part="redirect-link"]', section).href = url;
      $('[data-part="redirect"]', section).hidden = false;
      setTimeout(() => window.location.assign(url), REDIRECT_DELAY_MS);
    }
  }
}

new Study().run().catch((error) => {
  console.error(error);
  if (screen('error').hidden) {
    showError(error && error.status
      ? `The study server answered: ${error.message}`
      : 'The study could not be loaded. Please check your connection and reload the page.');
  }
});
