// Routing, failover, breakers and backoff against the partner simulator, end to end: API → queue →
// worker → router → breaker → Cashfree / Razorpay adapters → simulated providers. Every case reads
// outcomes: the validation as the API shows it, the rows in MySQL, BullMQ's job state, the calls and
// charges the simulator counted per validation, and /metrics.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validationJobId } from '../../src/platform/queues.js';
import { bankAccount, eventually } from '../helpers/test-stack.js';
import { account, createValidation as create, finalValidation as finalView, metricsText, openStack as openAnyStack, type Stack } from '../helpers/validation-client.js';
import { metric } from '../helpers/prom-text.js';

const TEST_TIMEOUT = { timeout: 120_000 };
const ROUTING_ENV = {
  PARTNERS: 'cashfree,razorpay',
  BREAKER_VOLUME_THRESHOLD: '5',
  BREAKER_ERROR_THRESHOLD_PERCENT: '50',
  BREAKER_RESET_TIMEOUT_MS: '1500',
  JOB_ATTEMPTS: '3',
  MAX_TOTAL_ATTEMPTS: '6',
  // A busy machine makes a partner's 503 slow, never a timeout: with the suite's 300 ms deadline a
  // slow 503 became an ambiguous timeout, held the validation with the failing partner and broke
  // every count below. Cases that need a timeout get one from a hang, whatever this deadline is.
  PARTNER_CALL_TIMEOUT_MS: '5000',
  SWEEPER_STUCK_AFTER_MS: '10000',
};

/** Cashfree and Razorpay take live traffic only: the tenant gets a live key. */
const openStack = (env: Record<string, string> = {}): Promise<Stack> => openAnyStack({ ...ROUTING_ENV, ...env }, { name: 'Routing', mode: 'live' });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('primary partner down, then back', () => {
  let s: Stack;
  before(async () => {
    s = await openStack();
  });
  after(() => s.ctx.close());

  it('opens the primary breaker after the configured volume, fails over, and every validation completes once', TEST_TIMEOUT, async () => {
    const cashfree = s.rt.partners!.get('cashfree')!;
    s.ctx.sim.provider('cashfree').down('503');
    const ids = await Promise.all(Array.from({ length: 20 }, () => create(s, bankAccount(account(), { name: 'Priya Nair' }))));
    const finals = await Promise.all(ids.map((id) => finalView(s, id)));

    // Every validation final exactly once, answered by the secondary, charged once.
    for (const v of finals) {
      assert.equal(v.status, 'completed');
      assert.equal(v.result.partner, 'razorpay');
      assert.equal(v.result.account_status, 'valid');
      assert.match(v.result.partner_reference, /^fav_/);
      assert.equal(s.ctx.sim.chargesFor(v.id), 1, `validation ${v.id} charged ${s.ctx.sim.chargesFor(v.id)} times`);
    }
    assert.notEqual(cashfree.state(), 'closed', 'a partner that is down never closes its breaker');

    // A slow run outlasts the 1.5 s reset timeout: each time, the half-open breaker lets one probe
    // through, it fails, and the breaker opens again. Counts are read with that in mind.
    const m = await metricsText(s);
    const opened = metric(m, 'payval_partner_breaker_transitions_total', { partner: 'cashfree', state: 'open' });
    const probes = metric(m, 'payval_partner_breaker_transitions_total', { partner: 'cashfree', state: 'half_open' });
    assert.ok(opened >= 1, 'the breaker opened');
    assert.equal(opened, probes + 1, 'every half-open probe failed and re-opened it');
    const primaryCalls = ids.reduce((n, id) => n + s.ctx.sim.provider('cashfree').callsFor(id), 0);
    // It opens once 5 calls in the window failed; calls already in flight (8 workers) may add a few.
    assert.ok(primaryCalls >= 5, `primary called ${primaryCalls} times`);
    assert.ok(primaryCalls - probes < ids.length, `primary called ${primaryCalls} times (${probes} probes) for ${ids.length} validations: the breaker never stopped traffic`);
    // Every call to the primary was a clean 503 that failed over; every validation was answered once.
    assert.equal(metric(m, 'payval_partner_failovers_total', { from: 'cashfree', reason: 'partner.unavailable' }), primaryCalls);
    assert.equal(metric(m, 'payval_partner_calls_total', { partner: 'cashfree', outcome: 'unavailable' }), primaryCalls);
    assert.equal(metric(m, 'payval_partner_calls_total', { partner: 'razorpay', outcome: 'answered' }), ids.length);
    assert.ok(metric(m, 'payval_partner_breaker_state', { partner: 'cashfree' }) >= 1, 'open or half-open');
    assert.equal(s.ctx.logs.text().match(/partner circuit breaker changed state/g)?.length, opened + probes, 'each transition is logged once');
  });

  it('after the reset timeout a half-open probe succeeds, the breaker closes and traffic returns to the primary', TEST_TIMEOUT, async () => {
    const cashfree = s.rt.partners!.get('cashfree')!;
    s.ctx.sim.provider('cashfree').up();
    // opossum half-opens on a timer, which a busy machine may run late: wait for the state itself.
    await eventually(async () => cashfree.state() === 'half_open', 'the breaker to half-open', 15_000);

    const probe = await finalView(s, await create(s, bankAccount(account(), { name: 'Priya Nair' })));
    assert.equal(probe.status, 'completed');
    assert.equal(probe.result.partner, 'cashfree', 'the first validation after the reset timeout is the half-open probe');
    assert.equal(cashfree.state(), 'closed');

    const ids = await Promise.all(Array.from({ length: 6 }, () => create(s, bankAccount(account(), { name: 'Priya Nair' }))));
    for (const v of await Promise.all(ids.map((id) => finalView(s, id)))) {
      assert.equal(v.result.partner, 'cashfree');
      assert.equal(s.ctx.sim.provider('razorpay').callsFor(v.id), 0);
    }
    const m = await metricsText(s);
    assert.ok(metric(m, 'payval_partner_breaker_transitions_total', { partner: 'cashfree', state: 'half_open' }) >= 1);
    assert.equal(metric(m, 'payval_partner_breaker_transitions_total', { partner: 'cashfree', state: 'closed' }), 1, 'closed once, by the probe');
    assert.equal(metric(m, 'payval_partner_breaker_state', { partner: 'cashfree' }), 0);
  });
});

describe('every partner down', () => {
  let s: Stack;
  before(async () => {
    // An outage is not a rate limit: waiting through it is never cut short by the rate-limit deadline.
    s = await openStack({ PARTNER_RATE_LIMIT_MAX_WAIT_MS: '1000' });
  });
  after(() => s.ctx.close());

  it('parks validations without spending attempts and completes them all once the partners recover', TEST_TIMEOUT, async () => {
    s.ctx.sim.provider('cashfree').down('503');
    s.ctx.sim.provider('razorpay').down('503');
    const ids = await Promise.all(Array.from({ length: 8 }, () => create(s, bankAccount(account(), { name: 'Anita Sharma' }))));
    const [cashfree, razorpay] = [s.rt.partners!.get('cashfree')!, s.rt.partners!.get('razorpay')!];
    await eventually(async () => cashfree.state() !== 'closed' && razorpay.state() !== 'closed', 'both breakers to open');
    // Several reset timeouts pass: half-open probes fail and the circuits re-open, again and again.
    await sleep(4000);

    for (const id of ids) {
      const row = await s.rt.db('validations').where({ id }).first();
      assert.ok(['queued', 'processing'].includes(row.status), `validation ${id} became ${row.status} during the outage`);
      assert.ok(Number(row.attempts) < 6, `validation ${id} spent ${row.attempts} attempts while waiting`);
      const job = await s.rt.queue.getJob(validationJobId(id));
      assert.ok(job, `job of ${id} is gone`);
      assert.ok(job.attemptsMade < 3, `job of ${id} used ${job.attemptsMade} BullMQ attempts while waiting`);
      assert.ok(['delayed', 'active', 'waiting'].includes(await job.getState()));
    }
    const waits = metric(await metricsText(s), 'payval_partner_waits_total', { reason: 'no_partner' });
    assert.ok(waits >= ids.length, `only ${waits} waits recorded`);

    s.ctx.sim.provider('cashfree').up();
    s.ctx.sim.provider('razorpay').up();
    for (const v of await Promise.all(ids.map((id) => finalView(s, id, 60_000)))) {
      assert.equal(v.status, 'completed');
      assert.equal(s.ctx.sim.chargesFor(v.id), 1);
    }
  });
});

describe('rate limits, definitive answers and ambiguous timeouts', () => {
  let s: Stack;
  before(async () => {
    s = await openStack();
  });
  after(() => s.ctx.close());

  it('a 429 pauses the partner for its Retry-After: traffic goes to the secondary, then comes back', TEST_TIMEOUT, async () => {
    const primary = s.ctx.sim.provider('cashfree');
    primary.setFaults({ rateLimitRate: 1, retryAfterSeconds: 2 });
    const first = await finalView(s, await create(s, bankAccount(account(), { name: 'Priya Nair' })));
    const pausedAt = Date.now();
    assert.equal(first.result.partner, 'razorpay');
    assert.equal(primary.callsFor(first.id), 1);
    primary.setFaults({ rateLimitRate: 0 });

    // Inside the Retry-After window the primary is not asked at all, even though it would answer.
    const during = await Promise.all(Array.from({ length: 4 }, () => create(s, bankAccount(account(), { name: 'Priya Nair' }))));
    for (const v of await Promise.all(during.map((id) => finalView(s, id)))) {
      if (Date.now() - pausedAt < 1900) assert.equal(primary.callsFor(v.id), 0, 'the primary was called during its Retry-After');
      assert.equal(v.status, 'completed');
    }
    await sleep(Math.max(0, 2100 - (Date.now() - pausedAt)));
    const afterPause = await finalView(s, await create(s, bankAccount(account(), { name: 'Priya Nair' })));
    assert.equal(afterPause.result.partner, 'cashfree');
    const m = await metricsText(s);
    assert.equal(metric(m, 'payval_partner_calls_total', { partner: 'cashfree', outcome: 'rate_limited' }), 1);
    assert.equal(metric(m, 'payval_partner_failovers_total', { from: 'cashfree', reason: 'partner.rate_limited' }), 1);
  });

  it('a definitive "invalid" answer is final at once, is not retried and does not move the breaker', TEST_TIMEOUT, async () => {
    const cashfree = s.rt.partners!.get('cashfree')!;
    const before = cashfree.stats();
    const ids = await Promise.all(Array.from({ length: 10 }, () => create(s, bankAccount(account('0000')))));
    for (const v of await Promise.all(ids.map((id) => finalView(s, id)))) {
      assert.equal(v.status, 'completed');
      assert.equal(v.result.account_status, 'invalid');
      assert.equal(v.result.status_reason, 'account_not_found');
      assert.equal(v.result.partner, 'cashfree');
      assert.equal(v.attempts, 1);
      assert.equal(s.ctx.sim.callsFor(v.id), 1);
    }
    const after = cashfree.stats();
    assert.equal(after.failures - before.failures, 0);
    assert.equal(after.successes - before.successes, ids.length);
    assert.equal(cashfree.state(), 'closed');
  });

  it('an ambiguous timeout is resolved with the same partner and charged once', TEST_TIMEOUT, async () => {
    const primary = s.ctx.sim.provider('cashfree');
    primary.setFaults({ ambiguousRate: 1 });
    const id = await create(s, bankAccount(account(), { name: 'Priya Nair' }));
    // The first call is processed (and billed) by the partner, but its answer never arrives.
    const held = await eventually(async () => {
      const row = await s.rt.db('validations').where({ id }).first();
      return row.partner_followup === 'ambiguous' ? row : undefined;
    }, 'the validation to be held with its partner');
    assert.equal(held.partner, 'cashfree');
    primary.setFaults({ ambiguousRate: 0 });

    const v = await finalView(s, id);
    assert.equal(v.status, 'completed');
    assert.equal(v.result.partner, 'cashfree');
    assert.ok(primary.callsFor(id) >= 2, 'the retry did not go back to the partner that had the call');
    assert.equal(s.ctx.sim.provider('razorpay').callsFor(id), 0, 'an ambiguous call must not fail over to another partner');
    assert.equal(s.ctx.sim.chargesFor(id), 1);
    const row = await s.rt.db('validations').where({ id }).first();
    assert.equal(row.partner_followup, null);
    assert.equal(row.partner_hold_until, null);
  });
});

describe('a partner that refuses our credentials', () => {
  let s: Stack;
  before(async () => {
    s = await openStack({ PARTNER_CASHFREE_CLIENT_SECRET: 'not-the-secret', PARTNER_AUTH_COOLDOWN_MS: '60000' });
  });
  after(() => s.ctx.close());

  it('is taken out of rotation after its first 401, with one error log, and traffic fails over', TEST_TIMEOUT, async () => {
    const first = await finalView(s, await create(s, bankAccount(account(), { name: 'Priya Nair' })));
    assert.equal(first.status, 'completed');
    assert.equal(first.result.partner, 'razorpay');
    const ids = await Promise.all(Array.from({ length: 8 }, () => create(s, bankAccount(account(), { name: 'Priya Nair' }))));
    for (const v of await Promise.all(ids.map((id) => finalView(s, id)))) {
      assert.equal(v.result.partner, 'razorpay');
      assert.equal(s.ctx.sim.provider('cashfree').callsFor(v.id), 0, 'a partner that refused our credentials was called again');
    }
    assert.equal(s.ctx.sim.provider('cashfree').callsFor(first.id), 1);
    assert.equal(s.ctx.logs.text().match(/partner refused payval/g)?.length, 1);
    const m = await metricsText(s);
    assert.equal(metric(m, 'payval_partner_available', { partner: 'cashfree' }), 0);
    assert.equal(metric(m, 'payval_partner_calls_total', { partner: 'cashfree', outcome: 'auth_failed' }), 1);
    // Credentials are never echoed into logs.
    assert.ok(!s.ctx.logs.text().includes('not-the-secret'));
  });
});

describe('the last open partner failing while another comes back', () => {
  let s: Stack;
  before(async () => {
    // One BullMQ attempt: a validation that wrongly spends it fails at once. One failure opens a breaker.
    s = await openStack({
      JOB_ATTEMPTS: '1',
      BREAKER_VOLUME_THRESHOLD: '1',
      BREAKER_RESET_TIMEOUT_MS: '60000',
      PARTNER_ROUTE_NEFT: 'razorpay',
      PARTNER_CALL_TIMEOUT_MS: '15000',
      SWEEPER_STUCK_AFTER_MS: '30000',
    });
  });
  after(() => s.ctx.close());

  it('parks the validation for free instead of spending its attempt, then fails over when it wakes', TEST_TIMEOUT, async () => {
    const [cashfree, razorpay] = [s.ctx.sim.provider('cashfree'), s.ctx.sim.provider('razorpay')];
    const router = s.rt.partners!.router;
    // A NEFT validation (Razorpay only) draws a 429 that pauses Razorpay for 4 s.
    razorpay.setFaults({ rateLimitRate: 1, retryAfterSeconds: 4 });
    const neft = await create(s, bankAccount(account(), { rail: 'NEFT', name: 'Priya Nair' }));
    await eventually(async () => router.unavailableReason('razorpay') === 'rate_limited', 'Razorpay to be paused');
    razorpay.setFaults({ rateLimitRate: 0 });

    // Meanwhile an IMPS validation finds only Cashfree, which takes 6 s to answer 503: during that call
    // Razorpay's pause ends, and the 503 opens Cashfree's breaker.
    cashfree.setFaults({ latency: 6000, errorRate: 1, errorStatus: 503 });
    const imps = await create(s, bankAccount(account(), { name: 'Priya Nair' }));
    await eventually(async () => cashfree.callsFor(imps) === 1, 'the IMPS validation to call Cashfree');
    const v = await finalView(s, imps, 60_000);
    assert.equal(v.status, 'completed', `the validation failed with ${JSON.stringify(v.failure)}: its only attempt was spent on an outage`);
    assert.equal(v.result.partner, 'razorpay');
    assert.equal(cashfree.callsFor(imps), 1);
    assert.equal(s.ctx.sim.chargesFor(imps), 1);
    assert.equal((await finalView(s, neft)).status, 'completed');
  });
});
