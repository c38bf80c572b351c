import assert from 'node:assert/strict';
import test from 'node:test';

import { AnswerQueue, newAnswerKey } from '../../Public/js/answer-queue.js';
import { ApiError, NetworkError } from '../../Public/js/api.js';

const STORAGE_KEY = 'studyserver.pending_answers';

class MemoryStorage {
  constructor(items = new Map()) { this.items = items; }
  getItem(key) { return this.items.has(key) ? this.items.get(key) : null; }
  setItem(key, value) { this.items.set(key, String(value)); }
  removeItem(key) { this.items.delete(key); }
}

/** A sender whose answers follow `outcomes` in turn (an Error is thrown, anything else resolves); then ok. */
function scriptedSender(outcomes = []) {
  const calls = [];
  let inFlight = 0;
  let mostInFlight = 0;
  const send = async (token, answer) => {
    calls.push({ token, key: answer.key, index: answer.index });
    inFlight += 1;
    mostInFlight = Math.max(mostInFlight, inFlight);
    await new Promise((resolve) => setImmediate(resolve));
    inFlight -= 1;
    const outcome = outcomes.shift();
    if (outcome instanceof Error) throw outcome;
    return outcome ?? { ok: true, duplicate: false, next_index: null };
  };
  return { send, calls, mostInFlight: () => mostInFlight };
}

/**
 * A queue with its own window events (`fire('online')`, `fire('pagehide')`), the given storage and sender,
 * a beacon that records, and every onChange state kept.
 */
function makeQueue({ storage = new MemoryStorage(), send, beacon } = {}) {
  const events = new EventTarget();
  globalThis.addEventListener = (type, listener) => events.addEventListener(type, listener);
  const states = [];
  const beacons = [];
  const queue = new AnswerQueue({
    storage,
    send: send ?? scriptedSender().send,
    beacon: beacon ?? ((token, answer) => { beacons.push({ token, key: answer.key }); return true; }),
    onChange: (state) => states.push(state),
  });
  return { queue, storage, states, beacons, fire: (type) => events.dispatchEvent(new Event(type)) };
}

const answer = (index, key = `key-${index}-abcdef`) => ({ key, index, choice: 'left' });
const stored = (storage) => JSON.parse(storage.getItem(STORAGE_KEY));
const settle = async (rounds = 5) => {
  for (let i = 0; i < rounds; i += 1) await new Promise((resolve) => setImmediate(resolve));
};

/**
 * Runs `body` with setTimeout recorded instead of run (the backoff timers) and no jitter (Math.random 0.5).
 * `timers` holds `{ms, fire}`; `fire()` runs that timer's callback.
 */
async function withRecordedTimers(body) {
  const realSetTimeout = globalThis.setTimeout;
  const realClearTimeout = globalThis.clearTimeout;
  const realRandom = Math.random;
  const timers = [];
  globalThis.setTimeout = (callback, ms) => {
    const timer = { ms, cleared: false, fire: () => callback() };
    timers.push(timer);
    return timer;
  };
  globalThis.clearTimeout = (timer) => { if (timer && typeof timer === 'object' && 'cleared' in timer) timer.cleared = true; };
  Math.random = () => 0.5;
  try {
    await body(timers);
  } finally {
    globalThis.setTimeout = realSetTimeout;
    globalThis.clearTimeout = realClearTimeout;
    Math.random = realRandom;
  }
}

test('an answer is stored before it is sent, and leaves storage once acknowledged', async () => {
  const storage = new MemoryStorage();
  let storedAtSend = null;
  const { queue, states } = makeQueue({
    storage,
    send: async (token, a) => { storedAtSend = stored(storage); return { ok: true }; },
  });
  queue.add('tok', answer(0));
  assert.deepEqual(storedAtSend, [{ token: 'tok', answer: answer(0) }]);
  assert.equal(queue.pending, 1);
  assert.deepEqual(queue.pendingIndices('tok'), new Set([0]));
  await queue.whenEmpty();
  assert.equal(queue.pending, 0);
  assert.deepEqual(stored(storage), []);
  assert.deepEqual(states[0], { pending: 1, waiting: false });
  assert.deepEqual(states.at(-1), { pending: 0, waiting: false });
});

test('answers are sent in the order given, one request at a time', async () => {
  const sender = scriptedSender();
  const { queue } = makeQueue({ send: sender.send });
  for (const i of [4, 2, 7]) queue.add('tok', answer(i));
  await queue.whenEmpty();
  assert.deepEqual(sender.calls.map((c) => c.index), [4, 2, 7]);
  assert.equal(sender.mostInFlight(), 1);
});

test('queued answers survive into a new queue on the same storage (a reload) and are sent from there', async () => {
  const storage = new MemoryStorage();
  const never = new Promise(() => {});
  const first = makeQueue({ storage, send: () => never });
  first.queue.add('tok', answer(1));
  first.queue.add('other', answer(2));
  assert.equal(stored(storage).length, 2);

  const sender = scriptedSender();
  const second = makeQueue({ storage, send: sender.send });
  assert.equal(second.queue.pending, 2);
  assert.deepEqual(second.queue.pendingIndices('tok'), new Set([1]));
  assert.deepEqual(second.queue.pendingIndices('other'), new Set([2]));
  second.queue.flushNow();
  await second.queue.whenEmpty();
  assert.deepEqual(sender.calls, [
    { token: 'tok', key: answer(1).key, index: 1 }, { token: 'other', key: answer(2).key, index: 2 },
  ]);
  assert.deepEqual(stored(storage), []);
});

test('unreadable or malformed storage starts an empty queue, keeping only whole items', () => {
  const storage = new MemoryStorage();
  storage.setItem(STORAGE_KEY, JSON.stringify([
    { token: 't', answer: answer(1) }, { token: '', answer: answer(2) }, { token: 't' }, { token: 't', answer: { index: 3 } }, null,
  ]));
  assert.deepEqual(makeQueue({ storage }).queue.items, [{ token: 't', answer: answer(1) }]);
  storage.setItem(STORAGE_KEY, '{"not": "a list"}');
  assert.equal(makeQueue({ storage }).queue.pending, 0);
});

test('a network error or 5xx keeps the answer and retries it, with the same key, after a backoff', async () => {
  await withRecordedTimers(async (timers) => {
    const sender = scriptedSender([new NetworkError(new Error('offline')), new ApiError(503, 'busy')]);
    const { queue, storage, states } = makeQueue({ send: sender.send });
    queue.add('tok', answer(0));
    await settle();
    assert.equal(sender.calls.length, 1);
    assert.equal(queue.pending, 1);
    assert.equal(stored(storage).length, 1);
    assert.deepEqual(states.at(-1), { pending: 1, waiting: true });
    assert.deepEqual(timers.map((t) => t.ms), [500]);
    timers[0].fire();
    await settle();
    assert.deepEqual(timers.map((t) => t.ms), [500, 1000]);
    timers[1].fire();
    await queue.whenEmpty();
    assert.deepEqual(sender.calls.map((c) => c.key), [answer(0).key, answer(0).key, answer(0).key]);
    assert.deepEqual(states.at(-1), { pending: 0, waiting: false });
  });
});

test('the backoff doubles to 5 s, resets after a success, and a Retry-After longer than it wins', async () => {
  await withRecordedTimers(async (timers) => {
    const busy = () => new ApiError(503, 'busy');
    const sender = scriptedSender([busy(), busy(), busy(), busy(), busy(), busy(), undefined,
      new ApiError(429, 'slow down', 7000), new ApiError(429, 'slow down', 100)]);
    const { queue } = makeQueue({ send: sender.send });
    queue.add('tok', answer(0));
    queue.add('tok', answer(1));
    for (let i = 0; i < 8; i += 1) {
      await settle();
      const pending = timers.filter((t) => !t.fired);
      for (const t of pending) { t.fired = true; t.fire(); }
    }
    await queue.whenEmpty();
    assert.deepEqual(timers.map((t) => t.ms), [500, 1000, 2000, 4000, 5000, 5000, 7000, 1000]);
    assert.deepEqual(sender.calls.map((c) => c.index), [0, 0, 0, 0, 0, 0, 0, 1, 1, 1]);
  });
});

test('flushNow (page load, a new answer, going online) cancels the backoff wait and sends at once', async () => {
  await withRecordedTimers(async (timers) => {
    const sender = scriptedSender([new NetworkError(new Error('offline'))]);
    const { queue, fire } = makeQueue({ send: sender.send });
    queue.add('tok', answer(0));
    await settle();
    assert.equal(timers.length, 1);
    fire('online');
    await queue.whenEmpty();
    assert.ok(timers[0].cleared);
    assert.equal(sender.calls.length, 2);
  });
});

test('a 409 (trial already recorded) and a repeated key acknowledged as duplicate both leave the queue', async () => {
  const sender = scriptedSender([new ApiError(409, 'already answered'), { ok: true, duplicate: true, next_index: 3 }]);
  const { queue } = makeQueue({ send: sender.send });
  queue.add('tok', answer(1));
  queue.add('tok', answer(2));
  await queue.whenEmpty();
  assert.equal(queue.pending, 0);
  assert.deepEqual(sender.calls.map((c) => c.index), [1, 2]);
});

test('other 4xx refusals drop the answer for good (with a warning) and the queue goes on', async (t) => {
  const warn = t.mock.method(console, 'warn', () => {});
  const sender = scriptedSender([new ApiError(422, 'bad field'), new ApiError(404, 'no such session')]);
  const { queue, storage } = makeQueue({ send: sender.send });
  queue.add('tok', answer(1));
  queue.add('tok', answer(2));
  queue.add('tok', answer(3));
  await queue.whenEmpty();
  assert.deepEqual(sender.calls.map((c) => c.index), [1, 2, 3]);
  assert.deepEqual(stored(storage), []);
  assert.equal(warn.mock.callCount(), 2);
});

test('a 408 or 429 is retried like a 5xx', async () => {
  await withRecordedTimers(async (timers) => {
    const sender = scriptedSender([new ApiError(408, 'timeout'), new ApiError(429, 'slow down')]);
    const { queue } = makeQueue({ send: sender.send });
    queue.add('tok', answer(0));
    await settle();
    timers[0].fire();
    await settle();
    timers[1].fire();
    await queue.whenEmpty();
    assert.deepEqual(timers.map((t) => t.ms), [500, 1000]);
    assert.equal(sender.calls.length, 3);
  });
});

test('leaving the page sends every queued answer as a beacon, and keeps them queued', () => {
  const never = new Promise(() => {});
  const { queue, beacons, fire, storage } = makeQueue({ send: () => never });
  queue.add('tok', answer(1));
  queue.add('tok', answer(2));
  fire('pagehide');
  assert.deepEqual(beacons, [{ token: 'tok', key: answer(1).key }, { token: 'tok', key: answer(2).key }]);
  assert.equal(queue.pending, 2);
  assert.equal(stored(storage).length, 2);
});

test('without storage the answers are still held in memory and sent', async (t) => {
  const warn = t.mock.method(console, 'warn', () => {});
  const broken = { getItem() { throw new Error('denied'); }, setItem() { throw new Error('quota'); } };
  const sender = scriptedSender();
  const { queue } = makeQueue({ storage: broken, send: sender.send });
  queue.add('tok', answer(5));
  await queue.whenEmpty();
  assert.deepEqual(sender.calls.map((c) => c.index), [5]);
  assert.ok(warn.mock.callCount() >= 2);
});

test('whenEmpty resolves at once on an empty queue, else once the last answer is acknowledged', async () => {
  const { queue } = makeQueue();
  await queue.whenEmpty();
  let resolved = false;
  queue.add('tok', answer(0));
  const empty = queue.whenEmpty().then(() => { resolved = true; });
  assert.equal(resolved, false);
  await empty;
  assert.equal(queue.pending, 0);
});

test('answer keys are what the server accepts as idempotency keys', () => {
  const keys = new Set(Array.from({ length: 50 }, () => newAnswerKey()));
  assert.equal(keys.size, 50);
  for (const key of keys) assert.match(key, /^[A-Za-z0-9_-]{8,64}$/);
});

test('a 507 (the server disk is full) pauses: the answer stays queued, is retried, and the pause ends when it is saved', async () => {
  await withRecordedTimers(async (timers) => {
    const sender = scriptedSender([new ApiError(507, 'disk full', 15000), new ApiError(507, 'disk full', 15000)]);
    const { queue, states, storage } = makeQueue({ send: sender.send });
    queue.add('tok', answer(0));
    await settle();
    assert.equal(states.at(-1).paused, true);
    assert.equal(states.at(-1).pending, 1);
    assert.equal(stored(storage).length, 1, "kept in the browser meanwhile");
    timers[0].fire();
    await settle();
    assert.equal(states.at(-1).paused, true);
    timers[1].fire();
    await queue.whenEmpty();
    assert.deepEqual(timers.map((t) => t.ms), [15000, 15000], "the server's Retry-After is waited");
    assert.equal(sender.calls.length, 3);
    assert.deepEqual(states.at(-1), { pending: 0, waiting: false });
  });
});
