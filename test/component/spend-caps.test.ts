// Spend caps end to end (docs/decisions/0037): a daily cap of N stops charged partner calls at exactly N
// with eight workers in two processes and ambiguous timeouts injected (the simulator charges, then never
// answers); new validations are refused with 429 quota.exceeded while accepted ones wait — past the
// sweeper's stuck-after and through an emptied Redis — and raising the cap lets exactly as many more
// through, then all of them. A monthly cap refuses by month. Outcomes: the simulator's charges per
// validation, the rows in MySQL, the API's answers and headers, the audit log.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Runtime } from '../../src/runtime.js';
import { createTenantService } from '../../src/tenants/tenant-service.js';
import { periodAt } from '../../src/usage/usage-period.js';
import { bankAccount, createTestContext, eventually, type TestContext } from '../helpers/test-stack.js';
import { account } from '../helpers/validation-client.js';
import { metric } from '../helpers/prom-text.js';

const T = { timeout: 240_000 };
const ENV = {
  PARTNERS: 'sandbox',
  // An ambiguous call hangs until this deadline; the retry then replays the sandbox's stored answer.
  PARTNER_CALL_TIMEOUT_MS: '1000',
  SWEEPER_STUCK_AFTER_MS: '1500',
  SPEND_CAP_WAIT_MS: '1000',
  JOB_ATTEMPTS: '5',
  MAX_TOTAL_ATTEMPTS: '10',
  BREAKER_VOLUME_THRESHOLD: '10000',
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let ctx: TestContext;
let api: Runtime;
const workers: Runtime[] = [];

before(async () => {
  ctx = await createTestContext(ENV);
  api = await ctx.start({ ROLE: 'api' });
  // Eight workers in all, in two processes' worth of runtimes (their own pools, caches and group commits).
  for (let i = 0; i < 2; i++) workers.push(await ctx.start({ ROLE: 'worker', WORKER_CONCURRENCY: '4' }));
});
after(() => ctx.close());

async function capped(name: string) {
  const t = await ctx.createTenant(name, { mode: 'live' });
  const auth = { Authorization: `Bearer ${t.apiKey}` };
  const http = () => ctx.http(api);
  const rows = async () => {
    const found = await api.db('validations').where({ tenant_id: t.tenantId, livemode: true }).select('id', 'status');
    const count = (status: string) => found.filter((r) => r.status === status).length;
    const quota = await api.db('tenant_quota').where({ tenant_id: t.tenantId }).first('reserved');
    return { ids: found.map((r) => String(r.id)), completed: count('completed'), failed: count('failed'), queued: count('queued'), processing: count('processing'), reserved: Number(quota?.reserved ?? 0) };
  };
  return {
    ...t,
    auth,
    http,
    rows,
    /** What the simulator charged for this tenant's live validations. */
    charges: async () => (await rows()).ids.reduce((n, id) => n + ctx.sim.chargesFor(id), 0),
    settings: (body: object) => http().patch('/v1/settings').set(auth).send(body),
    post: (body: object) => http().post('/v1/validations').set(auth).send(body),
    batch: (items: object[]) => http().post('/v1/batches').set(auth).send({ items }),
    csv: (text: string) => http().post('/v1/batches').set(auth).set('Content-Type', 'text/csv').send(text),
    usage: () => http().get('/v1/usage?group_by=none').set(auth),
  };
}

/** Waits until `n` validations completed and nothing is at a partner, then checks it stays so past a sweep. */
async function settlesAt(t: Awaited<ReturnType<typeof capped>>, n: number) {
  await eventually(async () => {
    const r = await t.rows();
    return r.completed >= n && r.processing === 0 && (await t.charges()) >= n;
  }, `${n} validations completed`, 120_000);
  // Longer than SWEEPER_STUCK_AFTER_MS and many sweeps and quota waits: nothing more happens.
  await sleep(4000);
  const r = await t.rows();
  assert.equal(await t.charges(), n, 'charged calls stop at the cap');
  assert.equal(r.completed, n);
  assert.equal(r.failed, 0, 'waiting rows never fail');
  return r;
}

describe('a daily cap with eight workers and ambiguous timeouts', () => {
  let t: Awaited<ReturnType<typeof capped>>;

  before(async () => {
    t = await capped('Capped');
  });

  it('stops charged calls at exactly the cap; accepted rows wait, queued, past the sweeper', T, async () => {
    const set = await t.settings({ daily_call_cap: 7 });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.equal(set.body.daily_call_cap, 7);
    assert.equal(set.body.monthly_call_cap, 0);
    ctx.sim.provider('sandbox').setFaults({ ambiguousRate: 0.5 });

    const singles = await Promise.all(Array.from({ length: 4 }, () => t.post(bankAccount(account()))));
    for (const res of singles) assert.equal(res.status, 202, JSON.stringify(res.body));
    const batch = await t.batch(Array.from({ length: 20 }, () => bankAccount(account())));
    assert.equal(batch.status, 202, JSON.stringify(batch.body));

    const r = await settlesAt(t, 7);
    assert.equal(r.queued, 17);
    assert.equal(r.reserved, 0, 'final rows gave their slots back; waiting ones hold none');
    assert.equal(ctx.sim.stats().referencesChargedMoreThanOnce, 0);
    const b = await t.http().get(`/v1/batches/${batch.body.id}`).set(t.auth);
    assert.equal(b.body.status, 'processing');
    assert.equal(b.body.counts.failed, 0);
    let waits = 0;
    for (const w of workers) waits += metric(await w.metrics.metrics(), 'payval_partner_waits_total', { reason: 'quota' });
    assert.ok(waits > 0, 'rows waited for the quota');
  });

  it('refuses new live validations, JSON batches and CSV uploads with 429 quota.exceeded until the reset', T, async () => {
    const resetsAt = periodAt(new Date(), api.config.usage.offsetMinutes).dayEndsAt.toISOString();
    await eventually(async () => (await t.post(bankAccount(account()))).status === 429, 'the API to see the cap used up');
    const refused = await t.post(bankAccount(account()));
    assert.equal(refused.status, 429);
    assert.equal(refused.body.error.code, 'quota.exceeded');
    assert.deepEqual(refused.body.error.details, { period: 'day', limit: 7, used: 7, resets_at: resetsAt });
    const retryAfter = Number(refused.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 86_400 && Math.abs(Date.now() + retryAfter * 1000 - Date.parse(resetsAt)) < 5000, `Retry-After ${retryAfter}`);
    assert.match(refused.headers.ratelimit ?? '', /"calls-day";r=0;t=\d+/);
    assert.match(refused.headers['ratelimit-policy'] ?? '', /^"tenant";q=\d+;w=\d+, "calls-day";q=7;w=86400$/);

    for (const res of [await t.batch([bankAccount(account())]), await t.csv(`account_number,ifsc\n${account()},HDFC0000001\n`)]) {
      assert.equal(res.status, 429, JSON.stringify(res.body));
      assert.equal(res.body.error.code, 'quota.exceeded');
    }
    assert.equal(Number((await api.db('batches').where({ tenant_id: t.tenantId }).count({ n: '*' }))[0]?.n), 1, 'no batch was created');

    // Every answer carries what is left; GET /v1/usage shows it too.
    const usage = await t.usage();
    assert.equal(usage.status, 200);
    assert.deepEqual(usage.body.quota, { daily: { limit: 7, used: 7, in_flight: 0, remaining: 0, resets_at: resetsAt }, monthly: null });
    assert.equal(usage.body.totals.billable + usage.body.totals.possibly_billed, 7);
    assert.match(usage.headers.ratelimit ?? '', /"calls-day";r=0;t=\d+/);

    // Test mode is never capped.
    const testKey = await createTenantService(api.db, 'test').createKey(t.tenantId, 'test');
    const sandbox = await t.http().post('/v1/validations').set({ Authorization: `Bearer ${testKey.apiKey}` }).send(bankAccount(account()));
    assert.equal(sandbox.status, 202);
    assert.equal(sandbox.headers.ratelimit?.includes('calls-day'), false);
    const quotaAudit = await api.db('audit_log').where({ tenant_id: t.tenantId, action: 'quota.reached' });
    assert.equal(quotaAudit.length, 1);
    const details: unknown = quotaAudit[0]!.details;
    assert.deepEqual(typeof details === 'string' ? JSON.parse(details) : details, { period: 'day', limit: 7, day: periodAt(new Date(), api.config.usage.offsetMinutes).day });
  });

  it('waiting rows survive an emptied Redis: recovery requeues them and they wait again, never fail', T, async () => {
    await ctx.flushRedis();
    await sleep(5000);
    const r = await t.rows();
    assert.equal(r.completed, 7);
    assert.equal(r.failed, 0);
    assert.equal(await t.charges(), 7);
  });

  it('raising the cap lets exactly as many more through; lifting it finishes every row', T, async () => {
    assert.equal((await t.settings({ daily_call_cap: 15 })).status, 200);
    await settlesAt(t, 15);

    assert.equal((await t.settings({ daily_call_cap: 0 })).status, 200);
    await eventually(async () => (await t.rows()).completed === 24, 'every row completed', 120_000);
    assert.equal(await t.charges(), 24);
    assert.equal(ctx.sim.stats().referencesChargedMoreThanOnce, 0);
    const usage = await t.usage();
    assert.equal(usage.body.totals.billable + usage.body.totals.possibly_billed, 24);
    assert.equal(usage.body.quota, null, 'no cap, no quota');
    // Once per period: reaching the raised cap the same day audited nothing more.
    assert.equal((await api.db('audit_log').where({ tenant_id: t.tenantId, action: 'quota.reached' })).length, 1);
    assert.doesNotMatch(ctx.logs.text(), /attempts_exhausted/);
    // Calls were charged and then never answered, and the cap held through them.
    let timeouts = 0;
    for (const w of workers) timeouts += metric(await w.metrics.metrics(), 'payval_partner_calls_total', { partner: 'sandbox', outcome: 'timeout' });
    assert.ok(timeouts >= 1, 'ambiguous timeouts happened');
    ctx.sim.provider('sandbox').setFaults({ ambiguousRate: 0 });
  });
});

describe('a monthly cap', () => {
  it('refuses by month once used up, and says so in the headers', T, async () => {
    const t = await capped('Monthly');
    assert.equal((await t.settings({ monthly_call_cap: 2 })).status, 200);
    for (let i = 0; i < 3; i++) assert.equal((await t.post(bankAccount(account()))).status, 202);
    await settlesAt(t, 2);
    await eventually(async () => (await t.post(bankAccount(account()))).status === 429, 'the monthly cap to refuse');
    const refused = await t.post(bankAccount(account()));
    assert.equal(refused.body.error.details.period, 'month');
    assert.equal(refused.body.error.details.resets_at, periodAt(new Date(), api.config.usage.offsetMinutes).monthEndsAt.toISOString());
    assert.match(refused.headers['ratelimit-policy'] ?? '', /"calls-month";q=2;w=\d+$/);
    assert.match(refused.headers.ratelimit ?? '', /"calls-month";r=0;t=\d+$/);
    assert.equal((await t.rows()).queued, 1);
  });

  it('refuses caps out of range and changes from a test key', T, async () => {
    const t = await capped('Bounds');
    const negative = await t.settings({ daily_call_cap: -1 });
    assert.equal(negative.status, 400);
    const huge = await t.settings({ monthly_call_cap: 1_000_000_001 });
    assert.equal(huge.status, 400);
    const testKey = await createTenantService(api.db, 'test').createKey(t.tenantId, 'test');
    const fromTest = await t.http().patch('/v1/settings').set({ Authorization: `Bearer ${testKey.apiKey}` }).send({ daily_call_cap: 5 });
    assert.equal(fromTest.status, 403);
    const reset = await t.settings({ daily_call_cap: null });
    assert.equal(reset.body.daily_call_cap, 0, 'null restores SPEND_CAP_DAILY (0 here)');

    // A tenant that set no cap gets the service's default.
    const defaulted = await ctx.start({ ROLE: 'api', SPEND_CAP_DAILY: '5' });
    const read = await ctx.http(defaulted).get('/v1/usage?group_by=none').set(t.auth);
    assert.equal(read.body.quota.daily.limit, 5);
    assert.equal(read.body.quota.daily.remaining, 5);
    assert.match(read.headers['ratelimit-policy'] ?? '', /"calls-day";q=5;w=86400$/);
    assert.equal((await ctx.http(defaulted).get('/v1/settings').set(t.auth)).body.daily_call_cap, 5);
  });
});
