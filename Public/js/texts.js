// Every participant-facing text of the app. index.html keeps only what shows before the script runs (the
// page title, "Loading…", the no-script note); its other elements name their text here with `data-text`
// (content) or `data-label` (aria-label), filled by page-texts.js. The study's own texts (consent, instructions,
// completion: study.yaml) come with the session payload; `sessionTexts` prefers those and falls back to
// the defaults here. Task instructions are written by instructions.js, interruption notes by exposure-log.js.

export const TEXTS = {
  connecting: 'Connecting to the study server…',
  waitingForPlace: 'Many people are starting this study right now. Please keep this page open: you are '
    + 'waiting for a place, and the study starts by itself (usually within a minute).',
  saving: 'Saving your answers…',
  savingWaiting: (pending) => `Saving your answers… (${pending} waiting for the connection)`,
  savingPaused: (pending) => `Paused, retrying: the study server cannot save answers right now. Your ${pending === 1
    ? 'answer is' : `${pending} answers are`} kept in this browser and sent automatically; please keep this page open.`,
  waitingForConnection: 'Waiting for the connection…',
  keysSeparator: ' or ',
  imageAlts: {
    2: ['Image on the left', 'Image on the right'],
    3: ['Image on the left', 'Small input image in the middle', 'Image on the right'],
  },

  welcomeTitle: 'Welcome',
  agreeLabel: 'I agree, continue',
  declineLabel: 'I do not want to take part',
  deviceRequirement: (need) => `This study needs a computer (desktop or laptop) with a browser window of at least ${need.w} × ${need.h}`
    + ' pixels; it cannot be done on a phone. The pictures are shown at a fixed size on your screen.',
  instructionsTitle: 'Instructions',
  startLabel: 'Start',
  welcomeBackTitle: 'Welcome back',
  welcomeBack: (instructions) => `You can go on where you left off.\n\n${instructions}`,

  declinedTitle: 'Thank you',
  declined: 'You chose not to take part. Nothing more will be recorded, and you can close this page now.\n\n'
    + 'If you came from Prolific, please return the study there (“Return submission”) so that your place '
    + 'goes to someone else.',

  displayHeadings: {
    device: 'This screen is too small for the study',
    window: 'Please make the window larger',
    zoom: 'Please reset the browser zoom',
  },
  displayZoom: (zoom) => `This window's scale: ${zoom}%.`,
  displaySizes: (need, width, height) => `Needed: a window of ${need.w} × ${need.h}. `
    + `This window: ${width} × ${height}.`,

  practiceLabel: 'Practice',
  trialOf: (n, total) => `Trial ${n} of ${total}`,
  practiceTitle: 'Practice',
  practiceIntro: (left) => `First, ${left === 1 ? 'one practice trial' : `${left} practice trials`}. `
    + 'After each one you will see whether your choice was correct and which image was the real photo. '
    + 'Practice trials do not count.',
  startPracticeLabel: 'Start practice',
  practiceOverTitle: 'The practice is over',
  practiceOver: 'Now the study begins. From here on there is no feedback.',
  interruptedTitle: 'This trial was interrupted',
  /** After a practice trial: whether the choice was right, and which side the real photo was on. */
  practiceFeedback: (chosen, photo) => `${chosen === photo ? 'Correct.' : 'Not correct.'} `
    + `The real photo was the ${photo === 'left' ? 'left' : 'right'} image.`,

  copied: 'Copied.',
  selectedForCopy: 'Selected: press Ctrl+C (⌘+C on a Mac) to copy.',

  openInAnotherTab: 'This study is already open in another tab or window of this browser. Please go on there '
    + 'and close this one.',
  startedElsewhere: 'This study was already started in another browser or window. Please go on in that one; '
    + 'if that is not possible, contact the researcher.',
  imageFailed: 'A picture of this study could not be loaded. Please reload the page; if this happens '
    + 'again, contact the researcher. Your answers so far are saved.',
  completionRefused: (message) => `The study server refused to complete this session (${message}).`,
  completionFailed: 'The study server could not complete this session. Please contact the researcher.',
  serverAnswered: (message) => `The study server answered: ${message}`,
  loadFailed: 'The study could not be loaded. Please check your connection and reload the page.',

  /** The page's fixed texts by `data-text` / `data-label` name; an array mixes text with `{ kbd }` keys. */
  page: {
    continueLabel: 'Continue',
    keyHint: ['or press ', { kbd: 'Space' }],
    displayDevice: 'The pictures in this study are shown at a fixed size, and this screen cannot show them at that '
      + 'size. The study needs a computer (desktop or laptop); it cannot be done on a phone. Please open the link on '
      + 'a computer.',
    displayWindow: 'The pictures in this study are shown at a fixed size, and they do not fit in this window yet. '
      + 'Please make the browser window larger (or full screen). The study continues by itself once they fit.',
    displayZoomAdvice: ['The pictures in this study are shown pixel for pixel, which works only at the normal zoom '
      + 'of this browser. Please reset the zoom to 100% with ', { kbd: 'Ctrl' }, ' and ', { kbd: '0' }, ' (',
    { kbd: '⌘' }, ' and ', { kbd: '0' }, ' on a Mac). If that does not help, your screen\'s scaling setting does '
      + 'not suit this study. The study continues by itself once the zoom is right.'],
    progressLabel: 'Progress',
    chooseLeft: 'Choose the left image',
    chooseRight: 'Choose the right image',
    leftName: 'Left',
    rightName: 'Right',
    doneTitle: 'All done',
    completionCodeLabel: 'Your completion code:',
    copyCode: 'Copy code',
    redirecting: 'You are being taken back… If nothing happens,',
    redirectLink: 'continue here',
    redirectEnd: '.',
    errorTitle: 'Something went wrong',
  },
};

/** The study's texts in the session payload (`texts`), each defaulting to an empty text where absent. */
export const SESSION_TEXT_DEFAULTS = { consent: '', instructions: '', completion: '' };

export function sessionTexts(session) {
  const given = (session && session.texts) || {};
  return Object.fromEntries(Object.entries(SESSION_TEXT_DEFAULTS)
    .map(([name, fallback]) => [name, typeof given[name] === 'string' ? given[name] : fallback]));
}
