import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { progressOf, type BatchCounts } from '../../src/console/pages/batch-progress.js';

const counts = (c: Partial<BatchCounts>): BatchCounts => ({ total: 0, skipped: 0, rejected: 0, queued: 0, processing: 0, completed: 0, failed: 0, ...c });

describe('batch progress in the console', () => {
  it('counts validated, failed and rejected rows against the rows read; blank rows are in neither', () => {
    assert.deepEqual(progressOf({ status: 'processing', counts: counts({ total: 3, skipped: 300, queued: 3 }) }), { settled: 0, total: 3, percent: 0, done: false });
    assert.deepEqual(progressOf({ status: 'processing', counts: counts({ total: 4, skipped: 300, rejected: 1, completed: 1, queued: 2 }) }), { settled: 2, total: 4, percent: 50, done: false });
    assert.deepEqual(progressOf({ status: 'completed', counts: counts({ total: 2, skipped: 1, completed: 1, rejected: 1 }) }), { settled: 2, total: 2, percent: 100, done: true });
  });

  it('never shows 100 % before the batch is complete, and a failed batch shows how far it got', () => {
    assert.equal(progressOf({ status: 'accepting', counts: counts({ total: 10, completed: 10 }) }).percent, 99);
    assert.deepEqual(progressOf({ status: 'failed', counts: counts({}) }), { settled: 0, total: 0, percent: 0, done: true });
    assert.equal(progressOf({ status: 'failed', counts: counts({ total: 10, completed: 4 }) }).percent, 40);
    assert.equal(progressOf({ status: 'completed', counts: counts({ total: 0, skipped: 5 }) }).percent, 100, 'a file of blank rows is complete');
  });
});
