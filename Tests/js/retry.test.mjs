import assert from 'node:assert/strict';
import test from 'node:test';

import { ApiError, NetworkError } from '../../Public/js/api.js';
import {
  FIRST_RETRY_MS, RetryableError, backoffMs, isRetryable, isRetryableStatus, retry, retryDelayMs, sleep,
} from '../../Public/js/retry.js';

test('5xx, 408 and 429 are retryable; other statuses are not', () => {
  for (const status of [500, 502, 503, 504, 408, 429]) assert.ok(isRetryableStatus(status), `${status}`);
  for (const status of [200, 204, 301, 400, 401, 403, 404, 409, 410, 422]) assert.ok(!isRetryableStatus(status), `${status}`);
  assert.ok(new ApiError(503, 'x').retryable);
  assert.ok(!new ApiError(404, 'x').retryable);
  assert.ok(new NetworkError(new Error('offline')).retryable);
  assert.equal(new NetworkError(new Error('offline')).message, 'network error: offline');
  assert.equal(new NetworkError(new Error('offline')).name, 'NetworkError');
  assert.ok(new NetworkError('x') instanceof RetryableError);
  assert.ok(isRetryable(new RetryableError('x')));
  assert.ok(!isRetryable(new Error('x')));
  assert.ok(!isRetryable(null));
  assert.ok(!isRetryable(undefined));
});

test('backoff doubles from 500 ms up to the cap', () => {
  assert.equal(FIRST_RETRY_MS, 500);
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map((a) => backoffMs(a, { maxMs: 10000 })),
    [500, 1000, 2000, 4000, 8000, 10000, 10000]);
  assert.deepEqual([0, 1, 2, 3, 4].map((a) => backoffMs(a, { firstMs: 500, maxMs: 5000 })), [500, 1000, 2000, 4000, 5000]);
});

test('a Retry-After wins over the backoff, but not below the floor', () => {
  assert.equal(retryDelayMs(null, 2000, 250), 2000);
  assert.equal(retryDelayMs(undefined, 2000, 250), 2000);
  assert.equal(retryDelayMs(0, 2000, 250), 250);
  assert.equal(retryDelayMs(3000, 2000, 250), 3000);
  assert.equal(retryDelayMs(1000, 2000, 2000), 2000);
});

test('sleep resolves after the time given', async () => {
  const start = Date.now();
  await sleep(20);
  assert.ok(Date.now() - start >= 15);
});

/** An operation that fails with `errors` in turn, then returns 'ok'. */
function failing(errors) {
  let calls = 0;
  const operation = async () => {
    calls += 1;
    if (errors.length > 0) throw errors.shift();
    return 'ok';
  };
  return { operation, calls: () => calls };
}

test('retry waits the backoff or Retry-After between retryable failures', async () => {
  const waits = [];
  const seen = [];
  const { operation, calls } = failing([
    new NetworkError('a'), new ApiError(503, 'b'), new ApiError(429, 'c', 0), new ApiError(503, 'd', 7000), new NetworkError('e'),
  ]);
  const result = await retry(operation, {
    maxMs: 10000, minRetryAfterMs: 250, onWait: (e) => seen.push(e.message), wait: async (ms) => { waits.push(ms); },
  });
  assert.equal(result, 'ok');
  assert.equal(calls(), 6);
  assert.deepEqual(waits, [500, 1000, 250, 7000, 8000]);
  assert.equal(seen.length, 5);
});

test('retry throws a failure that is not retryable at once', async () => {
  const waits = [];
  const refused = new ApiError(404, 'gone');
  const { operation, calls } = failing([new NetworkError('a'), refused]);
  await assert.rejects(retry(operation, { maxMs: 10000, wait: async (ms) => { waits.push(ms); } }), (e) => e === refused);
  assert.equal(calls(), 2);
  assert.deepEqual(waits, [500]);
});

test('retry gives up on the 429 after the rate-limit budget', async () => {
  const waits = [];
  const errors = Array.from({ length: 10 }, () => new ApiError(429, 'slow down', 1000));
  const { operation, calls } = failing([...errors]);
  await assert.rejects(retry(operation, { maxMs: 10000, minRetryAfterMs: 250, maxRateLimited: 8, wait: async (ms) => { waits.push(ms); } }),
    (e) => e === errors[8]);
  assert.equal(calls(), 9);
  assert.deepEqual(waits, Array(8).fill(1000));
});

test('without a rate-limit budget a 429 is retried for ever, with its Retry-After or the backoff', async () => {
  const waits = [];
  const { operation } = failing([new ApiError(429, 'a'), new ApiError(429, 'b'), new ApiError(429, 'c', 3000)]);
  assert.equal(await retry(operation, { maxMs: 10000, wait: async (ms) => { waits.push(ms); } }), 'ok');
  assert.deepEqual(waits, [500, 1000, 3000]);
});
