import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { passIsClean, planNext, runTotals, type StepRow } from '../../src/privacy/lifecycle-plan.js';

// What a lifecycle run does next, from its rows alone (docs/decisions/0038).

const STEPS = [
  { tableName: 'validations', columnSet: 'account_ciphertext' },
  { tableName: 'users', columnSet: 'totp_ciphertext' },
];
let nextId = 1;
function row(pass: number, step: 0 | 1, over: Partial<StepRow> = {}): StepRow {
  return {
    id: nextId++, runId: 'lcr_1', kind: 'key_rotation', pass, ...STEPS[step]!, targetKeyId: 'k2', lastKey: null,
    scanned: 10, changed: 0, skipped: 0, failed: 0, status: 'completed', ...over,
  };
}

describe('planNext', () => {
  it('starts a new run when there is none', () => {
    assert.deepEqual(planNext([], STEPS, 'k2'), { kind: 'new-run', supersede: null });
  });

  it('resumes the running step of the run', () => {
    const running = row(1, 1, { status: 'running', lastKey: ['usr_5'] });
    assert.deepEqual(planNext([row(1, 0, { changed: 4 }), running], STEPS, 'k2'), { kind: 'resume', row: running });
  });

  it('starts the next step of the pass, then the next pass while a pass changed or skipped rows', () => {
    assert.deepEqual(planNext([row(1, 0, { changed: 4 })], STEPS, 'k2'), { kind: 'start-step', runId: 'lcr_1', pass: 1, step: STEPS[1] });
    assert.deepEqual(planNext([row(1, 0, { changed: 4 }), row(1, 1)], STEPS, 'k2'), { kind: 'start-step', runId: 'lcr_1', pass: 2, step: STEPS[0] });
    assert.deepEqual(planNext([row(1, 0), row(1, 1, { skipped: 1 })], STEPS, 'k2'), { kind: 'start-step', runId: 'lcr_1', pass: 2, step: STEPS[0] });
  });

  it('is done after a pass with nothing changed or skipped (undecryptable rows do not hold it open)', () => {
    const rows = [row(1, 0, { changed: 4 }), row(1, 1, { changed: 1 }), row(2, 0, { failed: 2 }), row(2, 1)];
    assert.deepEqual(planNext(rows, STEPS, 'k2'), { kind: 'done', runId: 'lcr_1', pass: 2 });
    assert.equal(passIsClean(rows, STEPS, 1), false);
    assert.equal(passIsClean(rows, STEPS, 2), true);
  });

  it('a step added to the list since the run began is walked in the current pass', () => {
    const three = [...STEPS, { tableName: 'batches', columnSet: 'metadata_ciphertext' }];
    assert.deepEqual(planNext([row(1, 0), row(1, 1)], three, 'k2'), { kind: 'start-step', runId: 'lcr_1', pass: 1, step: three[2] });
  });

  it('starts over when a step of the run is no longer in the list (an upgrade added a column to its table)', () => {
    const widened = [{ tableName: 'validations', columnSet: 'account_ciphertext,vpa_ciphertext' }, STEPS[1]!];
    assert.deepEqual(planNext([row(1, 0, { status: 'running', lastKey: ['val_9'] })], widened, 'k2'), { kind: 'new-run', supersede: 'lcr_1' });
    assert.deepEqual(planNext([row(1, 0), row(1, 1)], widened, 'k2'), { kind: 'new-run', supersede: 'lcr_1' });
  });

  it('supersedes a run aimed at another key, and ignores superseded rows', () => {
    assert.deepEqual(planNext([row(1, 0, { targetKeyId: 'k1', status: 'running' })], STEPS, 'k2'), { kind: 'new-run', supersede: 'lcr_1' });
    assert.deepEqual(planNext([row(1, 0, { status: 'superseded' })], STEPS, 'k2'), { kind: 'new-run', supersede: null });
  });

  it('refuses rows it cannot make sense of', () => {
    assert.throws(() => planNext([row(1, 0, { status: 'running' }), row(1, 1, { status: 'running' })], STEPS, 'k2'), /2 running steps/);
    assert.throws(() => planNext([row(1, 0), row(1, 1, { runId: 'lcr_2' })], STEPS, 'k2'), /several runs/);
    assert.throws(() => planNext([], [], 'k2'), /no steps/);
  });
});

describe('runTotals', () => {
  it('sums every pass, and the last pass alone', () => {
    const t = runTotals([row(1, 0, { changed: 4, failed: 1 }), row(1, 1, { changed: 1 }), row(2, 0, { failed: 1 }), row(2, 1)]);
    assert.equal(t.passes, 2);
    assert.deepEqual(t.all, { scanned: 40, changed: 5, skipped: 0, failed: 2 });
    assert.deepEqual(t.lastPass, { scanned: 20, changed: 0, skipped: 0, failed: 1 });
  });
});
