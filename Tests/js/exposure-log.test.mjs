import assert from 'node:assert/strict';
import test from 'node:test';

import { ExposureLog, INTERRUPTIONS, interruptionMessage, navigationKind } from '../../Public/js/exposure-log.js';

class MemoryStorage {
  constructor() { this.items = new Map(); }
  getItem(key) { return this.items.has(key) ? this.items.get(key) : null; }
  setItem(key, value) { this.items.set(key, String(value)); }
  removeItem(key) { this.items.delete(key); }
}

test('an exposure answered normally leaves nothing behind', () => {
  const storage = new MemoryStorage();
  const log = new ExposureLog(storage);
  log.begin('t', 3);
  assert.equal(log.reasonFor('t', 3), null);
  log.finish('t', 3);
  assert.equal(new ExposureLog(storage).recover('t', 'reload'), null);
});

test('a reload or back/forward during an exposure marks that trial', () => {
  for (const [navigation, reason] of [['reload', 'reload'], ['back_forward', 'back_forward'], ['navigate', 'reload']]) {
    const storage = new MemoryStorage();
    new ExposureLog(storage).begin('t', 5);
    const next = new ExposureLog(storage); // the new page
    assert.deepEqual(next.recover('t', navigation), { index: 5, reason });
    assert.equal(next.reasonFor('t', 5), reason);
    // The rerun's exposure keeps the mark; a second reload does not erase it.
    next.begin('t', 5);
    assert.deepEqual(new ExposureLog(storage).recover('t', 'back_forward'), { index: 5, reason });
  }
});

test('an in-page interruption keeps its reason through the rerun and a later reload', () => {
  const storage = new MemoryStorage();
  const log = new ExposureLog(storage);
  log.begin('t', 2);
  log.interrupt('t', 2, 'hidden');
  log.begin('t', 2);
  log.interrupt('t', 2, 'resize'); // the first reason stays
  assert.equal(log.reasonFor('t', 2), 'hidden');
  assert.deepEqual(new ExposureLog(storage).recover('t', 'reload'), { index: 2, reason: 'hidden' });
});

test('other sessions and answered trials are not marked', () => {
  const storage = new MemoryStorage();
  new ExposureLog(storage).begin('a', 1);
  assert.equal(new ExposureLog(storage).recover('b', 'reload'), null);
  assert.equal(new ExposureLog(storage).reasonFor('a', 2), null);
  assert.equal(new ExposureLog(storage).recover('a', 'reload', new Set([1])), null);
  assert.equal(storage.getItem('studyserver.open_exposure'), null);
});

test('without storage the log still works within the page', () => {
  const broken = { getItem() { throw new Error('denied'); }, setItem() { throw new Error('denied'); }, removeItem() {} };
  const log = new ExposureLog(broken);
  log.begin('t', 0);
  log.interrupt('t', 0, 'resize');
  assert.equal(log.reasonFor('t', 0), 'resize');
});

test('navigation kinds and messages', () => {
  assert.equal(navigationKind([{ type: 'reload' }]), 'reload');
  assert.equal(navigationKind([{ type: 'back_forward' }]), 'back_forward');
  assert.equal(navigationKind([{ type: 'navigate' }]), 'navigate');
  assert.equal(navigationKind([]), 'navigate');
  for (const reason of INTERRUPTIONS) assert.match(interruptionMessage(reason), /marked as interrupted/);
});
