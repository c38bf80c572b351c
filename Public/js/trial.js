// One timed 2AFC trial: fixation, same-frame onset of all images, an exposure measured from
// requestAnimationFrame timestamps, offset, then the forced choice. This module owns the timing.
// An exposure cut short (the page hidden, the window resized) ends at once and says why.

const DEFAULT_FRAME_MS = 1000 / 60;

/** The keys that choose a side: `code` (layout-independent) or `key`, and how instructions name them. */
export const CHOICE_KEYS = {
  left: [{ code: 'KeyF', key: 'f', label: 'F' }, { key: 'arrowleft', label: '←' }],
  right: [{ code: 'KeyJ', key: 'j', label: 'J' }, { key: 'arrowright', label: '→' }],
};
export const CHOICE_KEY_LABELS = {
  left: CHOICE_KEYS.left.map((k) => k.label),
  right: CHOICE_KEYS.right.map((k) => k.label),
};

/** The trial area of index.html: question, stage (fixation, images, choice buttons), feedback. */
export class TrialStage {
  constructor(root) {
    this.root = root;
    this.fixation = root.querySelector('[data-part="fixation"]');
    this.stimuli = root.querySelector('[data-part="stimuli"]');
    this.choices = root.querySelector('[data-part="choices"]');
    this.question = root.querySelector('[data-part="question"]');
    this.stage = root.querySelector('.stage');
    this.feedback = root.querySelector('[data-part="feedback"]');
    this.buttons = {
      left: root.querySelector('[data-choice="left"]'),
      right: root.querySelector('[data-choice="right"]'),
    };
  }

  /**
   * Sizes the stage for `geometry` (display.js): the images are laid out in whole device pixels and scaled
   * by 1 / devicePixelRatio (app.css), each image pixel a whole number of device pixels; the input (middle
   * slot of 3) at its own replicated size.
   */
  layout(geometry, slots) {
    this.geometry = geometry;
    const set = (name, value) => this.root.style.setProperty(name, value);
    set('--image-px', `${geometry.imageCssPx}px`);
    set('--stage-px', `${geometry.stageCssW}px`);
    set('--image-device-px', `${geometry.imageDevicePx}px`);
    set('--input-device-px', `${geometry.inputDevicePx}px`);
    set('--stage-device-px', `${geometry.stageDevicePx}px`);
    set('--inverse-dpr', String(1 / geometry.dpr));
    this.stage.dataset.slots = String(slots);
  }

  /**
   * Chromium paints a transformed element at its layout position rounded to whole CSS pixels; at a
   * fractional devicePixelRatio (1.25, 1.5) that is between device pixels, and every image pixel would be
   * resampled. A translate of less than a device pixel, inside the transform, lands it on the grid.
   */
  alignToDevicePixels(dpr) {
    const scale = `scale(${1 / dpr})`;
    this.stimuli.style.transform = scale;
    if (Number.isInteger(dpr)) return;
    const rect = this.stimuli.getBoundingClientRect();
    const shift = (position) => {
      const painted = Math.round(position);
      return Math.ceil(painted * dpr - 1e-6) / dpr - painted;
    };
    this.stimuli.style.transform = `translate(${shift(rect.left)}px, ${shift(rect.top)}px) ${scale}`;
  }

  /** What the trial is doing now (fixation, exposure, choice, answered): for styling and for tests. */
  set phase(name) { this.root.dataset.phase = name; }

  /** Clears the stage for a new trial: no image, no choice, no feedback; the question stays in view. */
  reset(questionText) {
    this.phase = 'loading';
    this.stimuli.style.visibility = 'hidden';
    this.stimuli.replaceChildren();
    this.choices.hidden = true;
    delete this.choices.dataset.chosen;
    this.question.textContent = questionText;
    this.feedback.textContent = '';
    this.fixation.style.visibility = 'hidden';
  }

  /** Puts the trial's decoded images in place, still hidden; with 3 images the middle one is the input. */
  place(images) {
    this.stimuli.replaceChildren(...images.map((img, i) => {
      const slot = document.createElement('div');
      slot.className = images.length === 3 && i === 1 ? 'slot input' : 'slot';
      slot.append(img);
      return slot;
    }));
  }

  /** The left image's drawn width in device pixels (what the participant's screen really shows). */
  renderedPx() {
    const img = this.stimuli.querySelector('img');
    if (!img) return null;
    return Math.round(img.getBoundingClientRect().width * (window.devicePixelRatio || 1) * 100) / 100;
  }
}

function nextFrame() {
  return new Promise((resolve) => requestAnimationFrame(resolve));
}

/**
 * Shows the fixation cross for `fixationMs` (counted in frames) and estimates the frame duration
 * from the rAF intervals meanwhile. Resolves after `ready` has resolved too (images decoded).
 */
async function fixate(stage, fixationMs, ready) {
  const start = await nextFrame();
  stage.fixation.style.visibility = 'visible';
  stage.phase = 'fixation';
  const intervals = [];
  let last = start;
  let done = false;
  ready.then(() => { done = true; }, () => { done = true; });
  for (;;) {
    const t = await nextFrame();
    intervals.push(t - last);
    last = t;
    if (t - start >= fixationMs && done) break;
  }
  await ready; // rethrows a load failure
  intervals.sort((a, b) => a - b);
  const median = intervals.length > 0 ? intervals[Math.floor(intervals.length / 2)] : DEFAULT_FRAME_MS;
  return median >= 4 && median <= 50 ? median : DEFAULT_FRAME_MS;
}

/**
 * The exposure. Onset: one rAF callback hides the fixation and shows the images container (so every
 * image appears in the same frame). Offset: the first later callback whose timestamp is at least
 * `exposureMs - frameMs / 2` after the onset's hides it. Both timestamps are frame start times, so their
 * difference is the time the images were on screen, to within the display's frame jitter.
 * If the page is hidden or the window resized meanwhile, the images are hidden at once and the result
 * says `interrupted: 'hidden' | 'resize'`. `onOnset` runs in the onset frame.
 */
function expose(stage, exposureMs, frameMs, onOnset) {
  return new Promise((resolve) => {
    let onset = null;
    let frames = 0;
    let visibilityLost = false;
    let focusLost = false;
    let interrupted = null;
    let finished = false;
    const onVisibility = () => {
      if (document.visibilityState === 'visible') return;
      visibilityLost = true;
      if (onset !== null) finish(performance.now(), 'hidden');
    };
    const onResize = () => { if (onset !== null) finish(performance.now(), 'resize'); };
    const onBlur = () => { focusLost = true; };
    document.addEventListener('visibilitychange', onVisibility);
    window.addEventListener('resize', onResize);
    window.addEventListener('blur', onBlur);
    const finish = (t, reason) => {
      if (finished) return;
      finished = true;
      interrupted = reason;
      stage.stimuli.style.visibility = 'hidden';
      document.removeEventListener('visibilitychange', onVisibility);
      window.removeEventListener('resize', onResize);
      window.removeEventListener('blur', onBlur);
      if (!reason) {
        stage.choices.hidden = false;
        stage.phase = 'choice';
      } else {
        stage.phase = 'interrupted';
      }
      resolve({ onset, offset: t, frames, visibilityLost, focusLost, interrupted });
    };
    const tick = (t) => {
      if (finished) return;
      if (onset === null) {
        // Hidden or unfocused already at onset (the participant is in another window) counts as lost too.
        visibilityLost = document.visibilityState !== 'visible';
        focusLost = !document.hasFocus();
        stage.fixation.style.visibility = 'hidden';
        stage.stimuli.style.visibility = 'visible';
        stage.phase = 'exposure';
        onset = t;
        onOnset();
        requestAnimationFrame(tick);
        return;
      }
      frames += 1;
      if (t - onset < exposureMs - frameMs / 2) {
        requestAnimationFrame(tick);
        return;
      }
      finish(t, null);
    };
    requestAnimationFrame(tick);
  });
}

const KEY_SIDES = {};
const CODE_SIDES = {};
for (const [side, keys] of Object.entries(CHOICE_KEYS)) {
  for (const k of keys) {
    KEY_SIDES[k.key] = side;
    if (k.code) CODE_SIDES[k.code] = side;
  }
}

/** Waits for the forced choice, armed only now (keys during the exposure were never listened to). */
function awaitChoice(stage, offset) {
  return new Promise((resolve) => {
    const finish = (side, timeStamp) => {
      window.removeEventListener('keydown', onKey, true);
      stage.buttons.left.removeEventListener('click', onLeft);
      stage.buttons.right.removeEventListener('click', onRight);
      stage.choices.dataset.chosen = side;
      stage.phase = 'answered';
      const at = typeof timeStamp === 'number' && timeStamp > 0 ? timeStamp : performance.now();
      resolve({ side, responseMs: Math.max(0, at - offset) });
    };
    const onKey = (event) => {
      if (event.repeat || event.altKey || event.ctrlKey || event.metaKey) return;
      const side = CODE_SIDES[event.code] || KEY_SIDES[(event.key || '').toLowerCase()];
      if (!side) return;
      event.preventDefault();
      finish(side, event.timeStamp);
    };
    const onLeft = (event) => finish('left', event.timeStamp);
    const onRight = (event) => finish('right', event.timeStamp);
    window.addEventListener('keydown', onKey, true);
    stage.buttons.left.addEventListener('click', onLeft);
    stage.buttons.right.addEventListener('click', onRight);
  });
}

/**
 * Runs one trial on `stage`, whose images (`ready` resolves to decoded `<img>`s in display order)
 * may still be loading. Resolves to the measurements an answer carries, or to `{interrupted: reason}`
 * when the exposure was cut short (no choice is asked for then).
 */
export async function runTrial(stage, { index, ready, question, exposureMs, fixationMs, onOnset = () => {} }) {
  stage.reset(question);
  stage.root.dataset.trial = String(index);
  const imagesReady = ready.then((images) => stage.place(images));
  const frameMs = await fixate(stage, fixationMs, imagesReady);
  // Wait for layout of the freshly placed images before the onset frame.
  await nextFrame();
  const dpr = window.devicePixelRatio || 1;
  stage.alignToDevicePixels(dpr);
  const renderedPx = stage.renderedPx();
  const exposure = await expose(stage, exposureMs, frameMs, onOnset);
  if (exposure.interrupted) return { interrupted: exposure.interrupted };
  // No side may look different when the choice appears: nothing focused, no pointer state carried over.
  if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
  const choice = await awaitChoice(stage, exposure.offset);
  return {
    choice: choice.side,
    response_ms: Math.round(choice.responseMs * 10) / 10,
    exposure_ms: Math.round((exposure.offset - exposure.onset) * 10) / 10,
    frames: exposure.frames,
    visibility_lost: exposure.visibilityLost,
    focus_lost: exposure.focusLost,
    rendered_px: renderedPx,
    dpr,
  };
}
