import assert from 'node:assert/strict';
import test from 'node:test';

import { formatDuration, keyList, taskInstructions } from '../../Public/js/instructions.js';

const keys = { left: ['F', '←'], right: ['J', '→'] };

test('durations are written out', () => {
  assert.equal(formatDuration(3000), '3 seconds');
  assert.equal(formatDuration(1000), '1 second');
  assert.equal(formatDuration(1500), '1.5 seconds');
  assert.equal(formatDuration(750), '750 milliseconds');
});

test('key lists', () => {
  assert.equal(keyList(['F']), 'F');
  assert.equal(keyList(['F', '←']), 'F or ←');
  assert.equal(keyList(['A', 'B', 'C']), 'A, B or C');
});

test('each task gets its own instructions from its settings', () => {
  const task1 = taskInstructions({ question: 'Which is better?', showInput: true, exposureMs: 3000, keys });
  assert.match(task1, /low-resolution image appears in the middle/);
  assert.match(task1, /for 3 seconds/);
  assert.match(task1, /“Which is better\?”/);
  assert.match(task1, /left image with F or ←, the right image with J or →/);
  const task2 = taskInstructions({ question: 'Which is from a camera?', showInput: false, exposureMs: 1500, keys });
  assert.doesNotMatch(task2, /middle/);
  assert.match(task2, /two images appear side by side for 1.5 seconds/);
  assert.doesNotMatch(task2, /3 seconds/);
  const extra = taskInstructions({ question: 'Q?', showInput: false, exposureMs: 3000, keys, extra: '  Thanks!  ' });
  assert.ok(extra.endsWith('\n\nThanks!'));
});
