import assert from 'node:assert/strict';
import test from 'node:test';

import {
  cellMatrix, formatBytes, formatInterval, formatPercent, sessionRows, storageLine, taskLabel,
} from '../../Public/js/live-view.js';

test('intervals say why they are missing', () => {
  assert.equal(formatPercent(0.4123), '41.2%');
  assert.equal(formatPercent(null), '-');
  assert.equal(formatInterval({ trials: 0, low: null, high: null }), 'no trials yet');
  assert.equal(formatInterval({ trials: 3, low: null, high: null }), 'n too small');
  assert.equal(formatInterval({ trials: 30, low: 0.2, high: 0.5 }), '20.0% – 50.0%');
});

test('cells become an image x model matrix per task', () => {
  const live = {
    progress: [{ task: 't1', active: 1, complete: 2, abandoned: 0, handed_out: 3, sequences: 4, answers: 9 }],
    cells: [
      { task: 't1', model: 'a', label: 'A', image: 'x', answered: 1, planned: 2 },
      { task: 't1', model: 'b', label: 'B', image: 'y', answered: 2, planned: 2 },
      { task: 't2', model: 'a', label: 'A', image: 'x', answered: 0, planned: 1 },
    ],
  };
  const [t1, t2] = cellMatrix(live);
  assert.equal(t1.task, 't1');
  assert.deepEqual(t1.models.map((m) => m.label), ['A', 'B']);
  assert.deepEqual(t1.rows, [
    { image: 'x', cells: [{ counted: 1, answered: 1, planned: 2 }, null] },
    { image: 'y', cells: [null, { counted: 2, answered: 2, planned: 2 }] },
  ]);
  assert.equal(t2.rows.length, 1);
  assert.deepEqual(sessionRows(live)[0], {
    task: 't1', planned: null, active: 1, complete: 2, declined: 0, screenRefused: 0, droppedOut: 0, handedOut: 3,
    sequences: 4, answers: 9,
  });
});

test('cells count what survives the exclusions; sessions split the abandoned; tasks have short labels', () => {
  const live = {
    tasks: [{ id: 't1', label: 'Task 1 (with input)', question: 'Which?', participants_planned: 50 }],
    progress: [{
      task: 't1', active: 0, complete: 5, abandoned: 4, declined: 1, screen_refused: 2, dropped_out: 1, handed_out: 9,
      sequences: 9, answers: 90,
    }],
    cells: [{ task: 't1', model: 'a', label: 'A', image: 'x', answered: 5, counted: 3, planned: 5 }],
  };
  assert.deepEqual(cellMatrix(live)[0].rows[0].cells[0], { counted: 3, answered: 5, planned: 5 });
  const row = sessionRows(live)[0];
  assert.equal(row.planned, 50);
  assert.deepEqual([row.declined, row.screenRefused, row.droppedOut], [1, 2, 1]);
  assert.equal(taskLabel(live, 't1'), 'Task 1 (with input)');
  assert.equal(taskLabel(live, 'other'), 'other');
});

test('the storage line gives free space and file sizes in readable units', () => {
  assert.equal(formatBytes(512), '512 bytes');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(200 * 1024 * 1024), '200 MiB');
  assert.equal(formatBytes(null), 'unknown');
  assert.equal(storageLine({ free_bytes: 3 * 1024 ** 3, database_bytes: 10 * 1024 * 1024, wal_bytes: 0 }),
    'Disk: 3.0 GiB free. Database 10 MiB, write-ahead log 0 bytes.');
  assert.equal(storageLine(undefined), '');
});
