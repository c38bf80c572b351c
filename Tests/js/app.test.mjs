import assert from 'node:assert/strict';
import test from 'node:test';

// Importing the app runs nothing (no DOM here): main.js starts it in the browser.
import { claimStudyPage, sessionFields, start } from '../../Public/js/app.js';

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

/** A Web Locks stand-in with one exclusive lock per name, honouring `signal`. */
function fakeLocks() {
  const held = new Set();
  const waiting = [];
  return {
    request(name, options, callback) {
      return new Promise((resolve, reject) => {
        const grant = () => {
          held.add(name);
          Promise.resolve(callback({ name })).then(resolve, reject).finally(() => {
            held.delete(name);
            const next = waiting.shift();
            if (next) next();
          });
        };
        if (!held.has(name)) return grant();
        waiting.push(grant);
        options.signal?.addEventListener('abort', () => {
          const at = waiting.indexOf(grant);
          if (at >= 0) waiting.splice(at, 1);
          reject(new DOMException('aborted', 'AbortError'));
        });
      });
    },
  };
}

test('one study page per browser: a second tab does not get the page lock, a page without Web Locks runs', async () => {
  const locks = fakeLocks();
  assert.equal(await claimStudyPage(locks, 50), true, 'the first tab holds the lock');
  assert.equal(await claimStudyPage(locks, 50), false, 'a second tab is turned away');
  assert.equal(await claimStudyPage(undefined, 50), true);
});
