// Reuse of partner answers and single-flight: outcomes are the API's results, the partner simulator's
// count of calls per validation, and /metrics.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import type { Runtime } from '../../src/runtime.js';
import { bankAccount, createTestContext, eventually, type TestContext } from '../helpers/test-stack.js';
import { metric } from '../helpers/prom-text.js';

const T = { timeout: 60_000 };
let ctx: TestContext;
let api: Runtime;
const workers: Runtime[] = [];

before(async () => {
  // Partner calls here take up to 200 ms on purpose; the suite's 300 ms deadline let a busy machine turn
  // one into a timeout and a second call, breaking the exact call counts below.
  ctx = await createTestContext({ PARTNER_CALL_TIMEOUT_MS: '3000', SWEEPER_STUCK_AFTER_MS: '10000' });
  api = await ctx.start({ ROLE: 'api' });
  // Several worker processes' worth of runtimes, each with its own Redis connections and breaker.
  for (let i = 0; i < 3; i++) workers.push(await ctx.start({ ROLE: 'worker', WORKER_CONCURRENCY: '16', BREAKER_VOLUME_THRESHOLD: '1000' }));
});
after(() => ctx.close());

/** A unique account; the sandbox registers it to SANDBOX_NAMES[last digit] — …7652 is PRIYA NAIR. */
const account = (suffix = '7652') => `${randomInt(10_000_000, 99_999_999)}${suffix}`;
type V = Record<string, any>;

/** A live key for tests that change settings (a test key may only read them); PARTNERS=sandbox serves both modes here. */
async function tenant(mode: 'test' | 'live' = 'test') {
  const t = await ctx.createTenant('Acme', { mode });
  const http = ctx.http(api);
  const auth = { Authorization: `Bearer ${t.apiKey}` };
  return {
    ...t,
    http,
    auth,
    async create(body: Record<string, unknown>): Promise<V> {
      const res = await http.post('/v1/validations').set(auth).send(body);
      assert.equal(res.status, 202, JSON.stringify(res.body));
      return res.body as V;
    },
    async final(id: string, timeoutMs = 30_000): Promise<V> {
      return eventually(async () => {
        const res = await http.get(`/v1/validations/${id}`).set(auth);
        return res.body.status === 'completed' || res.body.status === 'failed' ? (res.body as V) : null;
      }, `validation ${id} final`, timeoutMs);
    },
  };
}

const callsFor = (ids: string[]) => ids.reduce((n, id) => n + ctx.sim.callsFor(id), 0);

async function savedMetric(reason: string): Promise<number> {
  let total = 0;
  for (const w of workers) total += metric(await w.metrics.metrics(), 'payval_partner_calls_saved_total', { reason });
  return total;
}

describe('reusing a recent partner answer', () => {
  it('the same account twice within max_age → one partner call; the second is cached, with the first answer time', T, async () => {
    const t = await tenant();
    const acct = account();
    const before = await savedMetric('reuse');
    const first = await t.final((await t.create(bankAccount(acct, { name: 'Priya Nair' }))).id);
    assert.equal(first.result.cached, false);
    const second = await t.final((await t.create(bankAccount(acct, { name: 'Someone Else', max_age: 3600 }))).id);
    assert.equal(callsFor([first.id]), 1);
    assert.equal(callsFor([second.id]), 0, 'no partner call for the reused result');
    assert.equal(second.result.cached, true);
    assert.equal(second.result.verified_at, first.result.verified_at);
    assert.equal(second.result.account_status, first.result.account_status);
    assert.equal(second.result.registered_name, first.result.registered_name);
    assert.equal(second.attempts, 0);
    // The name is matched against this validation's own expected name, not copied.
    assert.equal(first.result.name_match.result, 'match');
    assert.equal(second.result.name_match.result, 'no_match');
    assert.equal(await savedMetric('reuse'), before + 1);
  });

  it('max_age: 0 forces a fresh call', T, async () => {
    const t = await tenant();
    const acct = account();
    const first = await t.final((await t.create(bankAccount(acct))).id);
    const second = await t.final((await t.create(bankAccount(acct, { max_age: 0 }))).id);
    assert.equal(callsFor([first.id]), 1);
    assert.equal(callsFor([second.id]), 1);
    assert.equal(second.result.cached, false);
    assert.notEqual(second.result.verified_at, first.result.verified_at);
  });

  it('an answer older than max_age is not reused', T, async () => {
    const t = await tenant();
    const acct = account();
    const first = await t.final((await t.create(bankAccount(acct))).id);
    await new Promise((r) => setTimeout(r, 1100));
    const second = await t.final((await t.create(bankAccount(acct, { max_age: 1 }))).id);
    assert.equal(callsFor([second.id]), 1);
    assert.equal(second.result.cached, false);
    assert.ok(first.id !== second.id);
  });

  it('a definitive negative answer is reused', T, async () => {
    const t = await tenant();
    const acct = account('0000'); // the sandbox answers INVALID
    const first = await t.final((await t.create(bankAccount(acct))).id);
    assert.equal(first.result.account_status, 'invalid');
    const second = await t.final((await t.create(bankAccount(acct))).id);
    assert.equal(second.result.cached, true);
    assert.equal(second.result.account_status, 'invalid');
    assert.equal(callsFor([second.id]), 0);
  });

  it('a transient failure is never reused: the next validation calls the partner itself', T, async () => {
    const t = await tenant();
    const acct = account();
    ctx.sim.provider('sandbox').setFaults({ errorRate: 1, errorStatus: 503 });
    let first: V;
    try {
      first = await t.final((await t.create(bankAccount(acct))).id, 30_000);
    } finally {
      ctx.sim.provider('sandbox').setFaults({ errorRate: 0 });
    }
    assert.equal(first.status, 'failed');
    const second = await t.final((await t.create(bankAccount(acct))).id);
    assert.equal(second.status, 'completed');
    assert.equal(second.result.cached, false);
    assert.equal(callsFor([second.id]), 1);
  });

  it("another tenant's answer is never reused", T, async () => {
    const a = await tenant();
    const b = await tenant();
    const acct = account();
    await a.final((await a.create(bankAccount(acct))).id);
    const theirs = await b.final((await b.create(bankAccount(acct))).id);
    assert.equal(theirs.result.cached, false);
    assert.equal(callsFor([theirs.id]), 1);
  });

  it('the tenant default applies when the request gives no max_age, and can be turned off per tenant', T, async () => {
    const t = await tenant('live');
    const settings = await t.http.patch('/v1/settings').set(t.auth).send({ reuse_max_age_seconds: 0 });
    assert.equal(settings.status, 200, JSON.stringify(settings.body));
    assert.equal(settings.body.reuse_max_age_seconds, 0);
    const acct = account();
    const first = await t.final((await t.create(bankAccount(acct))).id);
    const second = await t.final((await t.create(bankAccount(acct))).id);
    assert.equal(callsFor([first.id, second.id]), 2, 'reuse off for this tenant');
    const third = await t.final((await t.create(bankAccount(acct, { max_age: 600 }))).id);
    assert.equal(third.result.cached, true, 'an explicit max_age still reuses');
  });

  it('batch rows reuse answers too, and max_age on the batch applies to its rows', T, async () => {
    const t = await tenant();
    const acct = account();
    const single = await t.final((await t.create(bankAccount(acct))).id);
    const res = await t.http.post('/v1/batches').set(t.auth).send({ items: [bankAccount(acct), bankAccount(account())], max_age: 3600 });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const batchId = res.body.id as string;
    await eventually(async () => (await t.http.get(`/v1/batches/${batchId}`).set(t.auth)).body.status === 'completed', 'batch completed');
    const items = (await t.http.get(`/v1/batches/${batchId}/items`).set(t.auth)).body.data as V[];
    const reused = items.find((v) => v.bank_account.masked_account_number.endsWith(acct.slice(-4)) && v.result.cached);
    assert.ok(reused, 'the repeated account was answered from the single validation');
    assert.equal(reused.result.verified_at, single.result.verified_at);
    const item = await t.http.post('/v1/batches').set(t.auth).send({ items: [bankAccount(acct, { max_age: 5 })] });
    assert.equal(item.status, 400);
    assert.equal(item.body.error.details.field, 'items[0].max_age');
  });
});

describe('single-flight', () => {
  it('50 concurrent validations of one account across three workers → exactly one partner call, 50 completed', T, async () => {
    const t = await tenant();
    const acct = account();
    const before = (await savedMetric('single_flight')) + (await savedMetric('reuse'));
    // A slow partner (well within the 3 s call timeout), so the 50 really overlap the one call.
    ctx.sim.provider('sandbox').setFaults({ latency: { kind: 'fixed', ms: 200 } });
    try {
      const created = await Promise.all(Array.from({ length: 50 }, () => t.create(bankAccount(acct, { name: 'Priya Nair' }))));
      const ids = created.map((v) => v.id as string);
      const finals = await Promise.all(ids.map((id) => t.final(id, 30_000)));
      assert.equal(callsFor(ids), 1, `${callsFor(ids)} partner calls for 50 validations of one account`);
      assert.ok(finals.every((v) => v.status === 'completed'));
      assert.equal(finals.filter((v) => !v.result.cached).length, 1, 'one validation made the call');
      const verifiedAt = new Set(finals.map((v) => v.result.verified_at));
      assert.equal(verifiedAt.size, 1, 'all share one partner answer');
      // Validations created while the call was in flight count as single-flight savings; any created
      // after the answer arrived count as reuse. Together: 49 calls saved.
      assert.equal((await savedMetric('single_flight')) + (await savedMetric('reuse')), before + 49);
      assert.ok((await savedMetric('single_flight')) >= 1);
    } finally {
      ctx.sim.provider('sandbox').setFaults({ latency: { kind: 'fixed', ms: 0 } });
    }
  });

  it('a leader that fails hands the call to the next validation; nothing is reused from the failure', { timeout: 180_000 }, async () => {
    const t = await tenant();
    const acct = account('1111'); // the sandbox never answers this one: every attempt times out
    const created = await Promise.all(Array.from({ length: 3 }, () => t.create(bankAccount(acct))));
    // Up to three 3 s timeouts per validation, one validation after the other.
    const finals = await Promise.all(created.map((v) => t.final(v.id as string, 150_000)));
    assert.ok(finals.every((v) => v.status === 'failed'), 'each failed on its own calls, none reused a failure');
    for (const v of finals) assert.ok(ctx.sim.callsFor(v.id) >= 1, `validation ${v.id} made its own calls`);
  });
});

describe('POST /v1/name-match and per-tenant thresholds', () => {
  it('matches two names standalone, with reasons, and no partner call', T, async () => {
    const t = await tenant();
    const calls = ctx.sim.totalCalls();
    const res = await t.http.post('/v1/name-match').set(t.auth).send({ name_1: 'Ramesh Kumar', name_2: 'SHRI RAMESH KUMAR S/O MOHAN LAL' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.ok(['match', 'close_match'].includes(res.body.result));
    assert.ok(res.body.reasons.includes('relation_suffix_ignored'));
    assert.ok(res.body.reasons.includes('honorific_ignored'));
    assert.equal(ctx.sim.totalCalls(), calls);
    const bad = await t.http.post('/v1/name-match').set(t.auth).send({ name_1: 'x' });
    assert.equal(bad.status, 400);
  });

  it('a stricter tenant demands more for match', T, async () => {
    const t = await tenant('live');
    const pair = { name_1: 'Mohd Irfan Shaikh', name_2: 'Mohammed Irfan Shaikh' };
    const lenient = await t.http.post('/v1/name-match').set(t.auth).send(pair);
    await t.http.patch('/v1/settings').set(t.auth).send({ name_match: { match_threshold: 100, close_match_threshold: 100 } }).expect(200);
    const strict = await t.http.post('/v1/name-match').set(t.auth).send(pair);
    assert.equal(strict.body.score, lenient.body.score);
    assert.notEqual(lenient.body.result, 'no_match');
    assert.equal(strict.body.result, lenient.body.score === 100 ? 'match' : 'no_match');
    assert.deepEqual(strict.body.thresholds, { match: 100, close_match: 100 });
    const refused = await t.http.patch('/v1/settings').set(t.auth).send({ name_match: { match_threshold: 50, close_match_threshold: 80 } });
    assert.equal(refused.status, 400);
    const reset = await t.http.patch('/v1/settings').set(t.auth).send({ name_match: null });
    assert.notEqual(reset.body.name_match.match_threshold, 100);
  });
});
