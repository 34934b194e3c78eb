import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitEligible } from '../../src/validations/requeue-lost.js';
import { inFlightBoundMs } from '../../src/validations/validation-sweeper.js';

const now = Date.parse('2026-11-22T10:00:00Z');
const at = (msAgo: number) => new Date(now - msAgo);
const when = { queuedBefore: at(5000), processingBefore: at(20_000) };

test('a queued row older than the enqueue grace is requeued; a newer one waits', () => {
  const out = splitEligible(
    [
      { id: 'old', status: 'queued', updatedAt: at(5001) },
      { id: 'new', status: 'queued', updatedAt: at(4999) },
    ],
    when,
  );
  assert.deepEqual(out, { ready: ['old'], deferredQueued: 1, deferredProcessing: 0 });
});

test('a processing row is requeued only once no live worker can still be on it', () => {
  const out = splitEligible(
    [
      { id: 'stranded', status: 'processing', updatedAt: at(20_001) },
      { id: 'in-flight', status: 'processing', updatedAt: at(6000) },
      { id: 'just-claimed', status: 'processing', updatedAt: at(0) },
    ],
    when,
  );
  assert.deepEqual(out, { ready: ['stranded'], deferredQueued: 0, deferredProcessing: 2 });
});

test('the cutoff itself is not yet eligible', () => {
  assert.deepEqual(splitEligible([{ id: 'edge', status: 'queued', updatedAt: at(5000) }], when).ready, []);
});

test('the in-flight bound covers one call to every enabled partner plus margin, never beyond the stale threshold', () => {
  assert.equal(inFlightBoundMs([5000], 120_000), 10_000);
  assert.equal(inFlightBoundMs([5000, 3000, 3000], 120_000), 16_000);
  assert.equal(inFlightBoundMs([5000, 3000, 3000], 12_000), 12_000);
});
