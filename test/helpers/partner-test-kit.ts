// Helpers shared by the connector tests (sandbox, Cashfree, Razorpay).
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PartnerOutcome, PartnerResult } from '../../src/partners/partner-types.js';

/** Resolves with what `p` rejected with; fails the test if it resolved. */
export async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => e,
  );
}

/** Polls `check` every 10 ms until it holds; fails the test after `ms` (generous: a busy machine is slow). */
export async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail('condition not met in time');
    await sleep(10);
  }
}

/** The result of an answered outcome; fails the test on "pending". */
export function answered(outcome: PartnerOutcome): PartnerResult {
  assert.equal(outcome.kind, 'answered', JSON.stringify(outcome));
  return (outcome as Extract<PartnerOutcome, { kind: 'answered' }>).result;
}
