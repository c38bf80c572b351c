// The participant page's proof-of-work solver (Public/js/admission.js) against node's native SHA-256 as the
// anchor, in the same run: hashes per second, and the median time to solve a challenge of `bits` bits.
// Usage: node bench/admission_bench.mjs [bits=14] [challenges=15]
import { createHash, randomBytes } from 'node:crypto';

import { leadingZeroBits, sha256, solveChallenge } from '../Public/js/admission.js';

const bits = Number(process.argv[2] ?? 14);
const count = Number(process.argv[3] ?? 15);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const challenge = (i) => ({ challenge: `v1.1800000300.${bits}.${randomBytes(12).toString('hex')}.${i}`, bits });

function rate(hash, n = 100_000) {
  const encoder = new TextEncoder();
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i += 1) hash(encoder.encode(`v1.1800000300.14.0123456789abcdef01234567.${'f'.repeat(64)}:${i}`));
  return n / (Number(process.hrtime.bigint() - started) / 1e9);
}

const solveMs = [];
let hashes = 0;
for (let i = 0; i < count; i += 1) {
  const c = challenge(i);
  const started = process.hrtime.bigint();
  const proof = await solveChallenge(c);
  solveMs.push(Number(process.hrtime.bigint() - started) / 1e6);
  hashes += Number(proof) + 1;
  if (leadingZeroBits(createHash('sha256').update(`${c.challenge}:${proof}`).digest()) < bits) throw new Error('bad proof');
}
const js = rate(sha256);
const native = rate((bytes) => createHash('sha256').update(bytes).digest());
console.log(`bits ${bits}, ${count} challenges: median solve ${median(solveMs).toFixed(0)} ms `
  + `(min ${Math.min(...solveMs).toFixed(0)}, max ${Math.max(...solveMs).toFixed(0)}), ${hashes} hashes in all`);
console.log(`page solver ${(js / 1000).toFixed(0)}k hashes/s; anchor node crypto ${(native / 1000).toFixed(0)}k hashes/s`);
