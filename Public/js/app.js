// The participant's page as a small state machine:
// display check -> consent (or decline) -> instructions -> practice (with feedback) -> trials -> done.
// It knows the session's trials only as opaque image URLs and sides; which image is which is the server's business.
// Importing it runs nothing: `start()` (called by main.js) does.

import { challengeOf, solveChallenge } from './admission.js';
import * as api from './api.js';
import { AnswerQueue, newAnswerKey } from './answer-queue.js';
import { answerFrom } from './contract.js';
import { displayGeometry, dprAllowed, fitsWindow, screenTooSmall } from './display.js';
import { ExposureLog, interruptionMessage, navigationKind } from './exposure-log.js';
import { taskInstructions } from './instructions.js';
import { textNodes } from './page-texts.js';
import { FIRST_RETRY_MS, retry, sleep } from './retry.js';
import { StimulusStore, trialImageURLs } from './stimuli.js';
import { TEXTS, sessionTexts } from './texts.js';
import { CHOICE_KEY_LABELS, TrialStage, runTrial } from './trial.js';

const TOKEN_KEY = 'studyserver.session_token';
const BROWSER_KEY = 'studyserver.browser_key';
const FEEDBACK_MS = 2000;
const INTER_TRIAL_MS = 400;
const CONTINUE_ARM_MS = 250;
const REDIRECT_DELAY_MS = 3000;
/** A trial whose images have not arrived after this long says that it waits for the connection. */
const WAIT_NOTICE_MS = 2000;
const MAX_RATE_LIMIT_RETRIES = 8;
const MAX_RETRY_MS = 10000;
/** The least wait before a retry when the server's Retry-After asks for less. */
const MIN_RETRY_AFTER_MS = 250;

const $ = (selector, root = document) => root.querySelector(selector);
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

/**
 * A text screen; resolves to 'continue' on its button, Space or Enter, or to 'decline' on the optional
 * second button (consent).
 */
function message(title, text, buttonLabel = TEXTS.page.continueLabel, declineLabel = null) {
  const section = screen('message');
  $('[data-part="title"]', section).textContent = title;
  setParagraphs($('[data-part="text"]', section), text);
  const button = $('[data-part="continue"]', section);
  button.textContent = buttonLabel;
  const decline = $('[data-part="decline"]', section);
  decline.hidden = !declineLabel;
  decline.textContent = declineLabel || '';
  show('message');
  return new Promise((resolve) => {
    const armedAt = performance.now() + CONTINUE_ARM_MS;
    const done = (outcome) => {
      window.removeEventListener('keydown', onKey);
      button.removeEventListener('click', onClick);
      decline.removeEventListener('click', onDecline);
      resolve(outcome);
    };
    const onKey = (event) => {
      if (event.key !== ' ' && event.key !== 'Enter') return;
      // Enter on a focused decline button declines; every other Space/Enter continues.
      if (document.activeElement === decline) return;
      event.preventDefault();
      if (event.repeat || performance.now() < armedAt) return;
      done('continue');
    };
    const onClick = () => { if (performance.now() >= armedAt) done('continue'); };
    const onDecline = () => { if (performance.now() >= armedAt) done('decline'); };
    window.addEventListener('keydown', onKey);
    button.addEventListener('click', onClick);
    decline.addEventListener('click', onDecline);
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

/**
 * Retries `operation` while it fails for network reasons or overload, showing `waitingText` meanwhile (a text,
 * or a function of the failure giving one).
 * A 429 waits as long as the server's Retry-After says, at most MAX_RATE_LIMIT_RETRIES times.
 */
function withRetry(operation, waitingText) {
  return retry(operation, {
    firstMs: FIRST_RETRY_MS,
    maxMs: MAX_RETRY_MS,
    minRetryAfterMs: MIN_RETRY_AFTER_MS,
    maxRateLimited: MAX_RATE_LIMIT_RETRIES,
    onWait: (error) => {
      const text = typeof waitingText === 'function' ? waitingText(error) : waitingText;
      if (text) showLoading(text);
    },
  });
}

/** The participant's ids from the page's query string, as POST /api/sessions names them. */
export function sessionFields(search) {
  const params = new URLSearchParams(search);
  const fields = {};
  const pick = (param, field) => {
    const value = params.get(param);
    if (value) fields[field] = value;
  };
  pick('pid', 'pid');
  pick('PROLIFIC_PID', 'prolific_pid');
  pick('STUDY_ID', 'study_id');
  pick('SESSION_ID', 'session_id');
  return fields;
}

/** The Web Lock one study page holds for its lifetime, so that a second tab of the same browser never runs. */
const PAGE_LOCK = 'studyserver.study-page';
/** How long a new page waits for the lock: a page being reloaded releases it as it unloads. */
const PAGE_LOCK_WAIT_MS = 1500;

/**
 * Resolves to true once this page holds PAGE_LOCK (kept until the page goes), false when another tab of
 * this browser holds it. Browsers without Web Locks run unguarded, as before.
 */
export function claimStudyPage(locks = globalThis.navigator?.locks, waitMs = PAGE_LOCK_WAIT_MS) {
  if (!locks || typeof locks.request !== 'function') return Promise.resolve(true);
  return new Promise((resolve) => {
    const giveUp = new AbortController();
    const timer = setTimeout(() => giveUp.abort(), waitMs);
    locks.request(PAGE_LOCK, { signal: giveUp.signal }, () => {
      clearTimeout(timer);
      resolve(true);
      return new Promise(() => {}); // held while the page lives
    }).catch(() => resolve(false));
  });
}

/** Resumes the stored session, or starts (or, for a known participant id, resumes) one on the server. */
async function openSession() {
  const fields = sessionFields(window.location.search);
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
    const create = (solved = {}) => api.createSession({
      ...fields, ...windowInfo(), ...(stored ? { resume_token: stored } : {}), ...(key ? { browser_key: key } : {}), ...solved,
    });
    try {
      return await create();
    } catch (error) {
      // Many people are starting at once: this browser works for its place (admission.js) and asks again.
      const challenge = challengeOf(error);
      if (!challenge) throw error;
      showLoading(TEXTS.waitingForPlace);
      return create({ challenge: challenge.challenge, proof: await solveChallenge(challenge) });
    }
  }, (error) => (error && error.status === 429 ? TEXTS.waitingForPlace : TEXTS.connecting));
}

class Study {
  constructor() {
    this.queue = new AnswerQueue({ onChange: (state) => this.showSaving(state) });
    this.stimuli = new StimulusStore();
    this.stage = new TrialStage($('[data-part="trial"]'));
    this.exposures = new ExposureLog();
    this.decoding = new Map();
    this.finishing = false;
    this.fillChoiceKeys();
    // Leaving the page (reload, back/forward, close) also hides it: the exposure is then left open for the
    // next page load to mark as 'reload' or 'back_forward', not as a tab switch.
    this.leaving = false;
    window.addEventListener('pagehide', () => { this.leaving = true; });
    // A page restored from the back/forward cache mid-trial: the trial it showed was interrupted.
    window.addEventListener('pageshow', (event) => {
      this.leaving = false;
      if (!event.persisted || !this.token) return;
      const open = this.exposures.read();
      if (open && open.token === this.token && !this.done.has(open.index)) {
        this.exposures.interrupt(this.token, open.index, 'back_forward');
        window.location.reload();
      }
    });
  }

  fillChoiceKeys() {
    for (const side of ['left', 'right']) {
      const keys = $(`[data-choice="${side}"] .choice-keys`);
      const parts = CHOICE_KEY_LABELS[side].flatMap((label, i) => (i > 0 ? [TEXTS.keysSeparator] : []).concat({ kbd: label }));
      keys.replaceChildren(...textNodes(document, parts));
    }
  }

  showSaving({ pending, waiting, paused }) {
    const line = $('[data-part="saving"]');
    if (pending > 0 && (waiting || this.finishing)) {
      line.textContent = paused ? TEXTS.savingPaused(pending) : waiting
        ? TEXTS.savingWaiting(pending)
        : TEXTS.saving;
    } else {
      line.textContent = '';
    }
  }

  async run() {
    // A second tab of this browser would share the stored session and its open exposure: it stops here,
    // before it touches either, and the first tab's answers stay as they are.
    if (!(await claimStudyPage())) {
      showError(TEXTS.openInAnotherTab);
      return undefined;
    }
    this.queue.flushNow(); // answers left over from an earlier visit
    let session;
    try {
      session = await openSession();
    } catch (error) {
      if (error && error.status === 409) {
        showError(TEXTS.startedElsewhere);
        return undefined;
      }
      throw error;
    }
    this.adopt(session);
    if (this.session.completed) return this.showDone(this.session);
    // A decline is final: a reload shows it again, never the consent (the sequence has gone to someone else).
    if (this.session.declined) return this.showDeclined({ recorded: true });
    const recovered = this.exposures.recover(this.token, navigationKind(performance.getEntriesByType('navigation')),
      this.done);
    if (recovered) api.postEvent(this.token, 'trial_interrupted', recovered);

    // The device check comes first: nobody consents to a study their screen cannot show.
    await this.ensureDisplayFits({ beforeConsent: true });
    const fresh = this.done.size === 0 && !recovered;
    if (fresh) {
      const consent = await message(TEXTS.welcomeTitle,
        `${sessionTexts(this.session).consent}\n\n${this.deviceRequirement()}`, TEXTS.agreeLabel, TEXTS.declineLabel);
      if (consent === 'decline') return this.showDeclined();
      api.postEvent(this.token, 'consent');
      await message(TEXTS.instructionsTitle, this.instructions(), TEXTS.startLabel);
    } else {
      api.postEvent(this.token, 'resumed', { next_index: this.nextTrial()?.index ?? null });
      await message(TEXTS.welcomeBackTitle, TEXTS.welcomeBack(this.instructions()), TEXTS.page.continueLabel);
    }

    for (;;) {
      await this.runRemainingTrials();
      const completion = await this.complete();
      if (completion) return this.showDone(completion);
    }
  }

  instructions() {
    return taskInstructions({
      question: this.session.task.question,
      showInput: this.slots === 3,
      exposureMs: this.session.exposure_ms,
      keys: CHOICE_KEY_LABELS,
      extra: sessionTexts(this.session).instructions,
    });
  }

  /** The device requirement, on the first screen. */
  deviceRequirement() {
    return TEXTS.deviceRequirement(this.geometry().need);
  }

  showDeclined({ recorded = false } = {}) {
    if (!recorded) api.postEvent(this.token, 'consent_declined');
    const section = screen('done');
    $('h1', section).textContent = TEXTS.declinedTitle;
    setParagraphs($('[data-part="text"]', section), TEXTS.declined);
    $('[data-part="code-block"]', section).hidden = true;
    show('done');
  }

  /** Takes the server's state, merged with answers this browser has not yet delivered. */
  adopt(session) {
    this.session = session;
    this.token = session.session;
    storeToken(this.token);
    this.trials = [...session.trials].sort((a, b) => a.index - b.index);
    this.done = new Set([...(session.answered || []), ...this.queue.pendingIndices(this.token)]);
    this.slots = session.task.show_input || this.trials.some((t) => t.input) ? 3 : 2;
    this.layout();
  }

  geometry() {
    return displayGeometry(this.session.display, this.slots, window.devicePixelRatio || 1);
  }

  /** Sizes the stage for the current devicePixelRatio (zoom changes it). */
  layout() {
    this.stage.layout(this.geometry(), this.slots);
    document.documentElement.dataset.input = this.session.display.input_rendering;
  }

  nextTrial() {
    return this.trials.find((t) => !this.done.has(t.index)) || null;
  }

  /** The decoded images of `trial`, started at most once. */
  imagesFor(trial) {
    let ready = this.decoding.get(trial.index);
    if (!ready) {
      ready = this.stimuli.decodedImages(trialImageURLs(trial), TEXTS.imageAlts[trialImageURLs(trial).length]);
      ready.catch(() => this.decoding.delete(trial.index));
      this.decoding.set(trial.index, ready);
    }
    return ready;
  }

  /**
   * The display check: waits until the window holds the trial at its exact size. Before consent, a
   * screen too small for it altogether (a phone) is told so plainly.
   */
  async ensureDisplayFits({ beforeConsent = false } = {}) {
    this.layout();
    let geometry = this.geometry();
    const exact = () => dprAllowed(this.session.display, window.devicePixelRatio || 1);
    const fits = () => exact() && fitsWindow(geometry, window.innerWidth, window.innerHeight);
    if (fits()) return;
    const tooSmall = screenTooSmall(geometry, window.screen.width, window.screen.height);
    const reason = () => {
      if (tooSmall) return 'device';
      return exact() ? 'window' : 'zoom';
    };
    api.postEvent(this.token, tooSmall ? 'display_refused' : `display_${reason()}`,
      { ...windowInfo(), need_w: geometry.need.w, need_h: geometry.need.h, before_consent: beforeConsent });
    const section = screen('display-check');
    section.dataset.reason = reason();
    const sizes = $('[data-part="sizes"]', section);
    const describe = () => {
      section.dataset.reason = reason();
      $('h1', section).textContent = TEXTS.displayHeadings[reason()];
      const zoom = Math.round((window.devicePixelRatio || 1) * 100);
      sizes.textContent = reason() === 'zoom'
        ? TEXTS.displayZoom(zoom)
        : TEXTS.displaySizes(geometry.need, window.innerWidth, window.innerHeight);
    };
    describe();
    show('display-check');
    await new Promise((resolve) => {
      const onResize = () => {
        this.layout();
        geometry = this.geometry();
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
      ? TEXTS.practiceLabel
      : TEXTS.trialOf(Math.min(answered + 1, counted.length), counted.length);
  }

  async runRemainingTrials() {
    let announcedMain = false;
    let practiced = false;
    const practiceLeft = this.trials.filter((t) => t.practice && !this.done.has(t.index)).length;
    if (practiceLeft > 0) {
      await message(TEXTS.practiceTitle, TEXTS.practiceIntro(practiceLeft), TEXTS.startPracticeLabel);
    }
    for (let trial = this.nextTrial(); trial; trial = this.nextTrial()) {
      if (!trial.practice && practiced && !announcedMain) {
        announcedMain = true;
        await message(TEXTS.practiceOverTitle, TEXTS.practiceOver, TEXTS.startLabel);
      }
      const interruption = this.exposures.reasonFor(this.token, trial.index);
      if (interruption) await message(TEXTS.interruptedTitle, interruptionMessage(interruption), TEXTS.page.continueLabel);
      await this.ensureDisplayFits();
      this.updateProgress();
      show('trial');
      // A trial's images are fetched when it starts (during the fixation), never ahead: the server times
      // each answer from when its images were served, and knows which trials were started.
      const ready = this.imagesFor(trial);
      const waiting = setTimeout(() => { $('[data-part="saving"]').textContent = TEXTS.waitingForConnection; },
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
          onOnset: () => this.exposures.begin(this.token, trial.index),
        });
      } catch (error) {
        api.postEvent(this.token, 'image_error', { message: String(error && error.message) });
        showError(TEXTS.imageFailed);
        throw error;
      }
      if (result.interrupted) {
        if (this.leaving) return new Promise(() => {}); // this page is going away; the next one marks the trial
        this.exposures.interrupt(this.token, trial.index, result.interrupted);
        api.postEvent(this.token, 'trial_interrupted', { index: trial.index, reason: result.interrupted });
        await this.waitUntilVisible();
        continue; // the same trial again, announced and marked
      }
      this.decoding.delete(trial.index);
      // The result carries the measurements under their wire names (contract.js); its dpr is the trial's.
      this.queue.add(this.token, answerFrom({
        ...windowInfo(),
        ...result,
        key: newAnswerKey(),
        index: trial.index,
        rendered_px: result.rendered_px ?? 0,
        client_time: Date.now(),
        interruption: interruption || this.exposures.reasonFor(this.token, trial.index) || null,
      }));
      this.exposures.finish(this.token, trial.index);
      this.done.add(trial.index);
      if (trial.practice) {
        practiced = true;
        this.stage.feedback.textContent = TEXTS.practiceFeedback(result.choice, trial.correct);
        await sleep(FEEDBACK_MS);
      }
      this.updateProgress();
      await sleep(INTER_TRIAL_MS);
    }
  }

  waitUntilVisible() {
    if (document.visibilityState === 'visible') return Promise.resolve();
    return new Promise((resolve) => {
      const onChange = () => {
        if (document.visibilityState !== 'visible') return;
        document.removeEventListener('visibilitychange', onChange);
        resolve();
      };
      document.addEventListener('visibilitychange', onChange);
    });
  }

  /**
   * Waits until every answer is acknowledged, then asks the server to complete the session.
   * Returns the completion, or null when the server still misses answers (their trials are run again).
   */
  async complete() {
    this.finishing = true;
    showLoading(TEXTS.saving);
    this.showSaving({ pending: this.queue.pending, waiting: false });
    await this.queue.whenEmpty();
    try {
      return await withRetry(() => api.completeSession(this.token), TEXTS.saving);
    } catch (error) {
      if (error.status !== 409) {
        showError(TEXTS.completionRefused(error.message));
        throw error;
      }
      // Some answer never arrived (refused or lost): the server's state says which trials to repeat.
      this.adopt(await withRetry(() => api.getSession(this.token), TEXTS.saving));
      if (!this.nextTrial()) {
        showError(TEXTS.completionFailed);
        throw error;
      }
      return null;
    } finally {
      this.finishing = false;
    }
  }

  showDone(completion) {
    const section = screen('done');
    setParagraphs($('[data-part="text"]', section), sessionTexts(this.session).completion);
    const code = completion.completion_code;
    $('[data-part="code-block"]', section).hidden = !code;
    $('[data-part="code"]', section).textContent = code || '';
    const copy = $('[data-part="copy-code"]', section);
    const copied = $('[data-part="copied"]', section);
    copy.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(code);
        copied.textContent = TEXTS.copied;
      } catch {
        // No clipboard access (insecure origin, permission): select the code for Ctrl+C instead.
        window.getSelection().selectAllChildren($('[data-part="code"]', section));
        copied.textContent = TEXTS.selectedForCopy;
      }
    });
    show('done');
    const url = completion.redirect_url;
    if (url && /^https?:\/\//i.test(url)) {
      $('[data-part="redirect-link"]', section).href = url;
      $('[data-part="redirect"]', section).hidden = false;
      setTimeout(() => window.location.assign(url), REDIRECT_DELAY_MS);
    }
    return undefined;
  }
}

/** Runs the participant's page; main.js calls it once the document is parsed. */
export function start() {
  return new Study().run().catch((error) => {
    console.error(error);
    if (screen('error').hidden) {
      showError(error && error.status
        ? TEXTS.serverAnswered(error.message)
        : TEXTS.loadFailed);
    }
  });
}
