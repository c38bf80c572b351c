import assert from 'node:assert/strict';
import test from 'node:test';

import { ANSWER_FIELDS, TRIAL_FIELDS, answerFrom, answerProblems, trialProblems } from '../../Public/js/contract.js';
import { INTERRUPTIONS } from '../../Public/js/exposure-log.js';

// What runTrial (trial.js) resolves to for an answered trial.
const result = {
  choice: 'left', response_ms: 812.4, exposure_ms: 3001.2, frames: 180, visibility_lost: false, focus_lost: true,
  rendered_px: 256, dpr: 2,
};
const windowInfo = { window_w: 1280, window_h: 800, dpr: 1 };

test('an answer has the declared fields in the declared order, as the server reads them', () => {
  const answer = answerFrom({
    ...windowInfo, ...result, key: 'k-123456789', index: 4, client_time: 1767225600000, interruption: null,
  });
  assert.deepEqual(Object.keys(answer), ANSWER_FIELDS.map((f) => f.name));
  assert.equal(answer.dpr, 2, "the trial's dpr wins over the window's");
  assert.deepEqual(answerProblems(answer), []);
});

test('the posted JSON is byte-for-byte what the app always sent', () => {
  const before = JSON.stringify({
    key: 'k-123456789',
    index: 4,
    choice: result.choice,
    response_ms: result.response_ms,
    exposure_ms: result.exposure_ms,
    frames: result.frames,
    visibility_lost: result.visibility_lost,
    focus_lost: result.focus_lost,
    ...windowInfo,
    dpr: result.dpr,
    rendered_px: result.rendered_px ?? 0,
    client_time: 1767225600000,
    interruption: 'hidden',
  });
  const now = JSON.stringify(answerFrom({
    ...windowInfo, ...result, key: 'k-123456789', index: 4, rendered_px: result.rendered_px ?? 0,
    client_time: 1767225600000, interruption: 'hidden',
  }));
  assert.equal(now, before);
});

test('fields beyond the contract are not sent', () => {
  const answer = answerFrom({ ...windowInfo, ...result, key: 'k', index: 0, extra: 'x', interrupted: 'hidden' });
  assert.ok(!('extra' in answer));
  assert.ok(!('interrupted' in JSON.parse(JSON.stringify(answer))));
});

test('answer problems name the field', () => {
  const good = answerFrom({ ...windowInfo, ...result, key: 'k', index: 1, client_time: 1, interruption: 'reload' });
  assert.deepEqual(answerProblems(good), []);
  assert.deepEqual(answerProblems({ ...good, index: 1.5 }), ['index: not of type integer']);
  assert.deepEqual(answerProblems({ ...good, choice: undefined }), ['choice: missing']);
  assert.deepEqual(answerProblems({ ...good, frames: null }), ['frames: null']);
  assert.deepEqual(answerProblems({ ...good, client_time: undefined, interruption: null }), []);
  assert.deepEqual(answerProblems(null), ['not an object']);
  for (const reason of INTERRUPTIONS) assert.deepEqual(answerProblems({ ...good, interruption: reason }), []);
});

test('trials as the server sends them conform', () => {
  // ParticipantPayload.swift: input always present (null without one), correct on practice trials only.
  const main = { index: 3, practice: false, left: 'img/a', right: 'img/b', input: null };
  const practice = { index: 0, practice: true, left: 'img/c', right: 'img/d', input: 'img/e', correct: 'right' };
  assert.deepEqual(trialProblems(main), []);
  assert.deepEqual(trialProblems(practice), []);
  assert.deepEqual(trialProblems({ ...main, input: undefined }), ['input: missing']);
  assert.deepEqual(trialProblems({ ...main, left: 7 }), ['left: not of type string']);
  assert.deepEqual(TRIAL_FIELDS.map((f) => f.name), ['index', 'practice', 'left', 'right', 'input', 'correct']);
});
