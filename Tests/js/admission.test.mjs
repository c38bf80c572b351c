import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import test from 'node:test';

import { challengeOf, leadingZeroBits, sha256 as appSHA256, solveChallenge } from '../../Public/js/admission.js';
import { ApiError } from '../../Public/js/api.js';

const sha256 = (text) => createHash('sha256').update(text).digest();

test('leading zero bits of a digest', () => {
  assert.equal(leadingZeroBits([0x80]), 0);
  assert.equal(leadingZeroBits([0x01, 0xff]), 7);
  assert.equal(leadingZeroBits([0x00, 0x00, 0x10]), 19);
  assert.equal(leadingZeroBits([0, 0]), 16);
});

test("the app's SHA-256 is SHA-256", () => {
  for (const text of ['', 'abc', 'a'.repeat(55), 'b'.repeat(56), 'c'.repeat(64), 'd'.repeat(119), 'v1.1800000300.16.abc.def:12345', 'é✓']) {
    const bytes = new TextEncoder().encode(text);
    assert.deepEqual(Buffer.from(appSHA256(bytes)), sha256(bytes), JSON.stringify(text));
  }
});

test('a solved challenge hashes to the asked zero bits, as the server checks it', async () => {
  const challenge = { challenge: 'v1.1800000300.10.abcdef.0123', bits: 10 };
  const proof = await solveChallenge(challenge);
  assert.match(proof, /^\d+$/);
  assert.ok(leadingZeroBits(sha256(`${challenge.challenge}:${proof}`)) >= 10);
  // The first proof counting up from 0: no smaller counter solves it.
  for (let n = 0; n < Number(proof); n += 1) {
    assert.ok(leadingZeroBits(sha256(`${challenge.challenge}:${n}`)) < 10);
  }
});

test('only a 429 with a well-formed challenge is one', () => {
  const body = { error: 'busy', reason: 'rate_limited', challenge: { challenge: 'v1.x', bits: 16 } };
  assert.deepEqual(challengeOf(new ApiError(429, 'busy', 1000, body)), body.challenge);
  assert.equal(challengeOf(new ApiError(429, 'busy', 1000, { error: 'busy' })), null);
  assert.equal(challengeOf(new ApiError(503, 'busy', 1000, body)), null);
  assert.equal(challengeOf(new ApiError(429, 'busy', 1000, { challenge: { challenge: 'v1.x', bits: 99 } })), null);
  assert.equal(challengeOf(new ApiError(429, 'busy', 1000, { challenge: { challenge: 7, bits: 16 } })), null);
  assert.equal(challengeOf(new Error('network')), null);
});
