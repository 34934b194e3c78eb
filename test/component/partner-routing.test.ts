// Routing, failover, breakers and backoff against the partner simulator, end to end: API → queue →
// worker → router → breaker → Cashfree / Razorpay adapters → simulated providers. Every case reads
// outcomes: the validation as the API shows it, the rows in MySQL, BullMQ's job state, the calls and
// charges the simulator counted per validation, and /metrics.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import type { Runtime } from '../../src/runtime.js';
import { validationJobId } from '../../src/platform/queues.js';
import { bankAccount, createTestContext, eventually, type TestContext } from '../helpers/test-stack.js';
import { metric } from '../helpers/prom-text.js';

const TEST_TIMEOUT = { timeout: 60_000 };
const ROUTING_ENV = {
  PARTNERS: 'cashfree,razorpay',
  BREAKER_VOLUME_THRESHOLD: '5',
  BREAKER_ERROR_THRESHOLD_PERCENT: '50',
  BREAKER_RESET_TIMEOUT_MS: '1500',
  JOB_ATTEMPTS: '3',
  MAX_TOTAL_ATTEMPTS: '6',
};

/** A 14-digit account number ending in `suffix` (the simulated providers decide outcomes by the last 4). */
const account = (suffix = '4562'): string => `${randomInt(10_000_000, 99_999_999)}${randomInt(10, 99)}${suffix}`;

interface Stack {
  ctx: TestContext;
  rt: Runtime;
  key: string;
}

async function openStack(env: Record<string, string> = {}): Promise<Stack> {
  const ctx = await createTestContext({ ...ROUTING_ENV, ...env });
  const rt = await ctx.start();
  // A live key: test keys only ever reach the sandbox partner.
  const { apiKey } = await ctx.createTenant('Routing', { mode: 'live' });
  return { ctx, rt, key: apiKey };
}

async function create(s: Stack, body: unknown): Promise<string> {
  const res = await s.ctx.http(s.rt).post('/v1/validations').set({ Authorization: `Bearer ${s.key}` }).send(body as object);
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return res.body.id as string;
}

async function view(s: Stack, id: string) {
  const res = await s.ctx.http(s.rt).get(`/v1/validations/${id}`).set({ Authorization: `Bearer ${s.key}` });
  assert.equal(res.status, 200);
  return res.body;
}

async function finalView(s: Stack, id: string, timeoutMs = 20_000) {
  return eventually(async () => {
    const v = await view(s, id);
    return v.status === 'completed' || v.status === 'failed' ? v : undefined;
  }, `validation ${id} to become final`, timeoutMs);
}

async function metricsText(s: Stack): Promise<string> {
  const res = await s.ctx.http(s.rt).get('/metrics');
  assert.equal(res.status, 200);
  return res.text;
}

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

    for (const v of finals) {
      assert.equal(v.status, 'completed');
      assert.equal(v.result.partner, 'razorpay');
      assert.equal(v.result.account_status, 'valid');
      assert.match(v.result.partner_reference, /^fav_/);
      assert.equal(s.ctx.sim.chargesFor(v.id), 1, `validation ${v.id} charged ${s.ctx.sim.chargesFor(v.id)} times`);
    }
    assert.equal(cashfree.state(), 'open');
    const primaryCalls = ids.reduce((n, id) => n + s.ctx.sim.provider('cashfree').callsFor(id), 0);
    // The breaker opens once 5 calls in the window failed; calls already in flight may add a few.
    assert.ok(primaryCalls >= 5, `primary called ${primaryCalls} times`);
    assert.ok(primaryCalls < ids.length, `primary called ${primaryCalls} times for ${ids.length} validations: the breaker never stopped traffic`);

    const m = await metricsText(s);
    assert.equal(metric(m, 'payval_partner_breaker_state', { partner: 'cashfree' }), 2);
    assert.equal(metric(m, 'payval_partner_failovers_total', { from: 'cashfree', reason: 'partner.unavailable' }), primaryCalls);
    assert.equal(metric(m, 'payval_partner_calls_total', { partner: 'cashfree', outcome: 'unavailable' }), primaryCalls);
    assert.equal(metric(m, 'payval_partner_calls_total', { partner: 'razorpay', outcome: 'answered' }), ids.length);
    assert.equal(metric(m, 'payval_partner_breaker_transitions_total', { partner: 'cashfree', state: 'open' }), 1);
    assert.equal(s.ctx.logs.text().match(/partner circuit breaker changed state/g)?.length, 1, 'the open transition is logged once');
  });

  it('after the reset timeout a half-open probe succeeds, the breaker closes and traffic returns to the primary', TEST_TIMEOUT, async () => {
    const cashfree = s.rt.partners!.get('cashfree')!;
    s.ctx.sim.provider('cashfree').up();
    await eventually(async () => cashfree.retryInMs() === 0, 'the reset timeout to pass', 5000);

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
    assert.equal(metric(m, 'payval_partner_breaker_transitions_total', { partner: 'cashfree', state: 'half_open' }), 1);
    assert.equal(metric(m, 'payval_partner_breaker_transitions_total', { partner: 'cashfree', state: 'closed' }), 1);
    assert.equal(metric(m, 'payval_partner_breaker_state', { partner: 'cashfree' }), 0);
  });
});

describe('every partner down', () => {
  let s: Stack;
  before(async () => {
    s = await openStack();
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
    for (const v of await Promise.all(ids.map((id) => finalView(s, id, 30_000)))) {
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
