import assert from 'node:assert/strict';
import test from 'node:test';

// Importing the app runs nothing (no DOM here): main.js starts it in the browser.
import { sessionFields, start } from '../../Public/js/app.js';

test('the app is started explicitly', () => {
  assert.equal(typeof start, 'function');
});

test("the participant's ids come from the query string under the server's names", () => {
  assert.deepEqual(sessionFields(''), {});
  assert.deepEqual(sessionFields('?pid=p1'), { pid: 'p1' });
  assert.deepEqual(sessionFields('?PROLIFIC_PID=abc&STUDY_ID=s&SESSION_ID=x&other=1'),
    { prolific_pid: 'abc', study_id: 's', session_id: 'x' });
  assert.deepEqual(sessionFields('?pid=&PROLIFIC_PID='), {}, 'empty values are left out');
});
