// Partner 429s, end to end through the partner simulator's rateLimitRate / retryAfterSeconds faults:
// the pause a Retry-After imposes on a partner is capped (PARTNER_MAX_RETRY_AFTER_MS), and a
// validation that keeps meeting 429s ends (PARTNER_RATE_LIMIT_MAX_WAIT_MS) instead of waiting for ever.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bankAccount, eventually } from '../helpers/test-stack.js';
import { account, createValidation, finalValidation, metricsText, openStack, type Stack } from '../helpers/validation-client.js';
import { metric } from '../helpers/prom-text.js';

const TEST_TIMEOUT = { timeout: 90_000 };
const SLOW_MACHINE_ENV = { PARTNER_CALL_TIMEOUT_MS: '5000', SWEEPER_STUCK_AFTER_MS: '10000' };

describe('a huge Retry-After', () => {
  let s: Stack;
  before(async () => {
    s = await openStack({ ...SLOW_MACHINE_ENV, PARTNERS: 'cashfree,razorpay', PARTNER_MAX_RETRY_AFTER_MS: '1000' }, { mode: 'live' });
  });
  after(() => s.ctx.close());

  it('pauses the partner for PARTNER_MAX_RETRY_AFTER_MS, not for the hour it asked for', TEST_TIMEOUT, async () => {
    const primary = s.ctx.sim.provider('cashfree');
    const router = s.rt.partners!.router;
    primary.setFaults({ rateLimitRate: 1, retryAfterSeconds: 3600 });
    const first = await finalValidation(s, await createValidation(s, bankAccount(account(), { name: 'Priya Nair' })));
    assert.equal(first.status, 'completed');
    assert.equal(first.result.partner, 'razorpay', 'the 429 failed over');
    assert.equal(primary.callsFor(first.id), 1);
    primary.setFaults({ rateLimitRate: 0 });

    // Without the cap the partner stays paused for every tenant of this process for 10 minutes.
    await eventually(async () => router.unavailableReason('cashfree') === null, 'the pause to end', 15_000);
    const next = await finalValidation(s, await createValidation(s, bankAccount(account(), { name: 'Priya Nair' })));
    assert.equal(next.result.partner, 'cashfree', 'traffic is back on the primary');
    assert.equal(s.ctx.sim.chargesFor(first.id), 1);
    assert.equal(s.ctx.sim.chargesFor(next.id), 1);
  });
});

describe('a partner that keeps answering 429', () => {
  let s: Stack;
  before(async () => {
    s = await openStack({ ...SLOW_MACHINE_ENV, PARTNER_RATE_LIMIT_MAX_WAIT_MS: '3000', PARTNER_MAX_RETRY_AFTER_MS: '60000' });
  });
  after(() => s.ctx.close());

  it('fails its validations with partner.rate_limited once the deadline passes, without spending attempts or charging', TEST_TIMEOUT, async () => {
    const sandbox = s.ctx.sim.provider('sandbox');
    sandbox.setFaults({ rateLimitRate: 1, retryAfterSeconds: 1 });
    const started = Date.now();
    // Several at once: most of them never draw a 429 themselves, they find the partner paused by another's.
    const ids = await Promise.all(Array.from({ length: 5 }, () => createValidation(s, bankAccount(account(), { name: 'Priya Nair' }))));
    const finals = await Promise.all(ids.map((id) => finalValidation(s, id, 45_000)));
    for (const v of finals) {
      assert.equal(v.status, 'failed');
      assert.equal(v.failure.code, 'partner.rate_limited');
      assert.ok(v.attempts <= 1, `validation ${v.id} spent ${v.attempts} attempts on 429s`);
      assert.equal(s.ctx.sim.chargesFor(v.id), 0);
      assert.equal((await s.rt.db('validations').where({ id: v.id }).first()).partner, 'sandbox');
    }
    assert.ok(Date.now() - started >= 3000, 'none failed before its deadline');
    // The partner was asked again after each pause, but not more often than the pauses allow.
    const calls = ids.reduce((n, id) => n + s.ctx.sim.callsFor(id), 0);
    assert.ok(calls >= 2, `only ${calls} calls: nobody asked again after the first pause`);
    assert.ok(calls <= 5 * 8, `${calls} calls for ${ids.length} validations: the pauses were not honoured`);
    assert.ok(metric(await metricsText(s), 'payval_partner_waits_total', { reason: 'rate_limited' }) >= 1);

    // Once the partner stops refusing, a new validation goes through.
    sandbox.setFaults({ rateLimitRate: 0 });
    const ok = await finalValidation(s, await createValidation(s, bankAccount(account(), { name: 'Priya Nair' })));
    assert.equal(ok.status, 'completed');
  });
});

describe('a partner that answers 429 with Retry-After: 0', () => {
  let s: Stack;
  before(async () => {
    s = await openStack({ ...SLOW_MACHINE_ENV, PARTNER_RATE_LIMIT_MAX_WAIT_MS: '3000' });
  });
  after(() => s.ctx.close());

  it('still pauses it and fails the validation with partner.rate_limited after the deadline, with few calls', TEST_TIMEOUT, async () => {
    const sandbox = s.ctx.sim.provider('sandbox');
    // "Come back now", for ever: a zero pause used to leave no trace of the 429, so the validation
    // parked as "no partner", never reached its deadline and asked again about three times a second.
    sandbox.setFaults({ rateLimitRate: 1, retryAfterSeconds: 0 });
    const started = Date.now();
    const id = await createValidation(s, bankAccount(account(), { name: 'Priya Nair' }));
    const v = await finalValidation(s, id, 45_000);
    assert.equal(v.status, 'failed');
    assert.equal(v.failure.code, 'partner.rate_limited');
    assert.ok(Date.now() - started >= 3000, 'it did not fail before its deadline');
    assert.equal(s.ctx.sim.chargesFor(id), 0);
    // Each 429 pauses the partner for at least a second: about three calls in a 3 s deadline, never dozens.
    const calls = s.ctx.sim.callsFor(id);
    assert.ok(calls >= 1 && calls <= 10, `${calls} partner calls in a 3 s deadline`);
  });
});
