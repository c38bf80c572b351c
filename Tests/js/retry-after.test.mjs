import assert from 'node:assert/strict';
import test from 'node:test';

import { retryAfterMs } from '../../Public/js/retry.js';

test('Retry-After in seconds or as a date', () => {
  assert.equal(retryAfterMs(null), null);
  assert.equal(retryAfterMs('3'), 3000);
  assert.equal(retryAfterMs(' 0 '), 0);
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(retryAfterMs('Thu, 01 Jan 2026 00:00:05 GMT', now), 5000);
  assert.equal(retryAfterMs('garbage'), null);
});
