import assert from 'node:assert/strict';
import test from 'node:test';

import { TEXTS, sessionTexts } from '../../Public/js/texts.js';

test("the session payload's texts win; absent ones default", () => {
  const session = { texts: { consent: 'We ask you…', instructions: 'Be quick.', completion: 'Thanks!' } };
  assert.deepEqual(sessionTexts(session), session.texts);
  assert.deepEqual(sessionTexts({ texts: { consent: 'C' } }), { consent: 'C', instructions: '', completion: '' });
  assert.deepEqual(sessionTexts({}), { consent: '', instructions: '', completion: '' });
});

test('texts with values are written as before', () => {
  assert.equal(TEXTS.savingWaiting(2), 'Saving your answers… (2 waiting for the connection)');
  assert.equal(TEXTS.deviceRequirement({ w: 900, h: 506 }), 'This study needs a computer (desktop or laptop) with a '
    + 'browser window of at least 900 × 506 pixels; it cannot be done on a phone. The pictures are shown at a fixed '
    + 'size on your screen.');
  assert.equal(TEXTS.welcomeBack('I.'), 'You can go on where you left off.\n\nI.');
  assert.equal(TEXTS.displayZoom(125), "This window's scale: 125%.");
  assert.equal(TEXTS.displaySizes({ w: 900, h: 506 }, 800, 600), 'Needed: a window of 900 × 506. This window: 800 × 600.');
  assert.equal(TEXTS.trialOf(3, 40), 'Trial 3 of 40');
  assert.equal(TEXTS.practiceIntro(1), 'First, one practice trial. After each one you will see whether your choice '
    + 'was correct and which image was the real photo. Practice trials do not count.');
  assert.match(TEXTS.practiceIntro(3), /^First, 3 practice trials\. /);
  assert.equal(TEXTS.practiceFeedback('left', 'left'), 'Correct. The real photo was the left image.');
  assert.equal(TEXTS.practiceFeedback('left', 'right'), 'Not correct. The real photo was the right image.');
  assert.equal(TEXTS.completionRefused('gone'), 'The study server refused to complete this session (gone).');
  assert.equal(TEXTS.serverAnswered('busy'), 'The study server answered: busy');
  assert.match(TEXTS.waitingForPlace, /waiting for a place/);
  assert.match(TEXTS.savingPaused(1), /^Paused, retrying: .* Your answer is kept in this browser/);
  assert.match(TEXTS.savingPaused(3), /Your 3 answers are kept/);
});

test('image alternatives say nothing about where an image comes from', () => {
  assert.equal(TEXTS.imageAlts[2].length, 2);
  assert.equal(TEXTS.imageAlts[3].length, 3);
  for (const alt of [...TEXTS.imageAlts[2], ...TEXTS.imageAlts[3]]) {
    assert.doesNotMatch(alt, /model|real|fake|original|ground|generated/i);
  }
});
