// One timed 2AFC trial: fixation, same-frame onset of all images, an exposure measured from
// requestAnimationFrame timestamps, offset, then the forced choice. This module owns the timing.

const DEFAULT_FRAME_MS = 1000 / 60;

/** The trial area of index.html: question, stage (fixation, images, choice buttons), feedback. */
export class TrialStage {
  constructor(root) {
    this.root = root;
    this.fixation = root.querySelector('[data-part="fixation"]');
    this.stimuli = root.querySelector('[data-part="stimuli"]');
    this.choices = root.querySelector('[data-part="choices"]');
    this.question = root.querySelector('[data-part="question"]');
    this.feedback = root.querySelector('[data-part="feedback"]');
    this.buttons = {
      left: root.querySelector('[data-choice="left"]'),
      right: root.querySelector('[data-choice="right"]'),
    };
  }

  /** Sizes the stage for `slots` images of `imagePx` CSS pixels, `gapPx` apart. */
  layout({ slots, imagePx, gapPx }) {
    this.root.style.setProperty('--image-px', `${imagePx}px`);
    this.root.style.setProperty('--gap-px', `${gapPx}px`);
    this.root.querySelector('.stage').dataset.slots = String(slots);
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

  /** Puts the trial's decoded images in place, still hidden. */
  place(images) {
    this.stimuli.replaceChildren(...images.map((img) => {
      const slot = document.createElement('div');
      slot.className = 'slot';
      slot.append(img);
      return slot;
    }));
  }

  /** The left image's drawn width in device pixels (what the participant's screen really shows). */
  renderedPx() {
    const img = this.stimuli.querySelector('img');
    if (!img) return null;
    return Math.round(img.getBoundingClientRect().width * (window.devicePixelRatio || 1));
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
 */
function expose(stage, exposureMs, frameMs) {
  return new Promise((resolve) => {
    let onset = null;
    let frames = 0;
    let visibilityLost = false;
    let focusLost = false;
    const onVisibility = () => { if (document.visibilityState !== 'visible') visibilityLost = true; };
    const onBlur = () => { focusLost = true; };
    document.addEventListener('visibilitychange', onVisibility);
    window.addEventListener('blur', onBlur);
    const tick = (t) => {
      if (onset === null) {
        // Hidden or unfocused already at onset (the participant is in another window) counts as lost too.
        visibilityLost = document.visibilityState !== 'visible';
        focusLost = !document.hasFocus();
        stage.fixation.style.visibility = 'hidden';
        stage.stimuli.style.visibility = 'visible';
        stage.phase = 'exposure';
        onset = t;
        requestAnimationFrame(tick);
        return;
      }
      frames += 1;
      if (t - onset < exposureMs - frameMs / 2) {
        requestAnimationFrame(tick);
        return;
      }
      stage.stimuli.style.visibility = 'hidden';
      stage.choices.hidden = false;
      stage.phase = 'choice';
      document.removeEventListener('visibilitychange', onVisibility);
      window.removeEventListener('blur', onBlur);
      resolve({ onset, offset: t, frames, visibilityLost, focusLost });
    };
    requestAnimationFrame(tick);
  });
}

const KEY_SIDES = { f: 'left', arrowleft: 'left', j: 'right', arrowright: 'right' };
const CODE_SIDES = { KeyF: 'left', KeyJ: 'right' };

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
 * may still be loading. Resolves to the measurements an answer carries.
 */
export async function runTrial(stage, { index, ready, question, exposureMs, fixationMs }) {
  stage.reset(question);
  stage.root.dataset.trial = String(index);
  const imagesReady = ready.then((images) => stage.place(images));
  const frameMs = await fixate(stage, fixationMs, imagesReady);
  // Wait for layout of the freshly placed images before the onset frame.
  await nextFrame();
  const renderedPx = stage.renderedPx();
  const exposure = await expose(stage, exposureMs, frameMs);
  const choice = await awaitChoice(stage, exposure.offset);
  return {
    choice: choice.side,
    response_ms: Math.round(choice.responseMs * 10) / 10,
    exposure_ms: Math.round((exposure.offset - exposure.onset) * 10) / 10,
    frames: exposure.frames,
    visibility_lost: exposure.visibilityLost,
    focus_lost: exposure.focusLost,
    rendered_px: renderedPx,
  };
}
