import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyFinal, savedReason, type FinalStep, type RowBefore } from '../../src/usage/usage-classify.js';

const created = new Date('2026-12-01T10:00:00Z');
const fresh: RowBefore = { partner: null, partnerFollowup: null, createdAt: created };
const answered = (partner: string, billed = true): FinalStep => ({ kind: 'complete', partner, reusedFrom: null, verifiedAt: new Date('2026-12-01T10:00:01Z'), billed });
const reused = (verifiedAt: string): FinalStep => ({ kind: 'complete', partner: 'cashfree', reusedFrom: 'val_source', verifiedAt: new Date(verifiedAt), billed: false });

test('an answer the partner bills is billable, once, for that partner', () => {
  assert.deepEqual(classifyFinal(fresh, answered('cashfree')), [{ kind: 'billable', partner: 'cashfree' }]);
});

test('an answer the partner does not bill (a failed Razorpay validation) counts nothing', () => {
  assert.deepEqual(classifyFinal(fresh, answered('razorpay', false)), []);
});

test('reuse or single-flight by when the reused answer was given', () => {
  assert.deepEqual(classifyFinal(fresh, reused('2026-12-01T09:00:00Z')), [{ kind: 'reuse', partner: 'cashfree' }]);
  assert.deepEqual(classifyFinal(fresh, reused('2026-12-01T10:00:00Z')), [{ kind: 'single_flight', partner: 'cashfree' }]);
  assert.equal(savedReason(new Date('2026-12-01T10:00:00.001Z'), created), 'single_flight');
  assert.equal(savedReason(new Date('2026-12-01T09:59:59.999Z'), created), 'reuse');
});

test('failures: billable only when a partner processed a billed answer it cannot give (PartnerAnswerError)', () => {
  assert.deepEqual(classifyFinal(fresh, { kind: 'fail', verdict: { partner: 'sandbox', billed: true } }), [{ kind: 'billable', partner: 'sandbox' }]);
  assert.deepEqual(classifyFinal(fresh, { kind: 'fail', verdict: { partner: 'cashfree', billed: false } }), []);
  assert.deepEqual(classifyFinal(fresh, { kind: 'fail', verdict: null }), []);
});

test('an earlier ambiguous or pending call the held partner itself settles is not counted again', () => {
  for (const followup of ['ambiguous', 'pending'] as const) {
    const held: RowBefore = { partner: 'cashfree', partnerFollowup: followup, createdAt: created };
    assert.deepEqual(classifyFinal(held, answered('cashfree')), [{ kind: 'billable', partner: 'cashfree' }]);
    assert.deepEqual(classifyFinal(held, { kind: 'fail', verdict: { partner: 'cashfree', billed: false } }), []);
  }
});

test('an earlier call never settled with its partner is possibly billed: failed, failed over, or reused', () => {
  const held: RowBefore = { partner: 'cashfree', partnerFollowup: 'ambiguous', createdAt: created };
  assert.deepEqual(classifyFinal(held, { kind: 'fail', verdict: null }), [{ kind: 'possibly_billed', partner: 'cashfree' }]);
  assert.deepEqual(classifyFinal(held, answered('razorpay')), [
    { kind: 'billable', partner: 'razorpay' },
    { kind: 'possibly_billed', partner: 'cashfree' },
  ]);
  assert.deepEqual(classifyFinal(held, reused('2026-12-01T09:00:00Z')), [
    { kind: 'reuse', partner: 'cashfree' },
    { kind: 'possibly_billed', partner: 'cashfree' },
  ]);
  // A partner name without a follow-up is just who answered or failed last: nothing unresolved.
  assert.deepEqual(classifyFinal({ ...held, partnerFollowup: null }, { kind: 'fail', verdict: null }), []);
});
