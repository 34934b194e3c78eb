// Test mode is a sandbox: a test key's validations reach the sandbox partner and nothing else, in
// every configuration; a live key's reach the configured partners. Outcomes are the API's results and
// the partner simulator's own count of calls per provider.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import type { Runtime } from '../../src/runtime.js';
import { createTenantService } from '../../src/tenants/tenant-service.js';
import { bankAccount, createTestContext, eventually, type TestContext } from '../helpers/test-stack.js';

const T = { timeout: 60_000 };
const contexts: TestContext[] = [];
type V = Record<string, any>;

after(async () => {
  for (const c of contexts) await c.close();
});

const account = () => `${randomInt(10_000_000, 99_999_999)}7652`;

// Calls that never time out on a busy machine, so a retry cannot blur which partner answered.
const PATIENT = { PARTNER_CALL_TIMEOUT_MS: '10000', SWEEPER_STUCK_AFTER_MS: '30000' };

/** A stack whose live partners are Cashfree then Razorpay, and one tenant with a test and a live key. */
async function stack(overrides: Record<string, string> = {}) {
  const ctx = await createTestContext({ PARTNERS: 'cashfree,razorpay', ...PATIENT, ...overrides });
  contexts.push(ctx);
  const rt = await ctx.start();
  const t = await ctx.createTenant('Modes');
  const live = await createTenantService(rt.db, 'test').createKey(t.tenantId, 'live');
  const http = ctx.http(rt);
  const as = (key: string) => ({ Authorization: `Bearer ${key}` });
  const keys = { test: as(t.apiKey), live: as(live.apiKey) };
  return {
    ctx,
    rt,
    keys,
    async validate(mode: 'test' | 'live', body: Record<string, unknown> = bankAccount(account(), { name: 'Priya Nair' })): Promise<V> {
      const res = await http.post('/v1/validations').set(keys[mode]).send(body);
      assert.equal(res.status, 202, JSON.stringify(res.body));
      return eventually(async () => {
        const r = await http.get(`/v1/validations/${res.body.id}`).set(keys[mode]);
        return r.body.status === 'completed' || r.body.status === 'failed' ? (r.body as V) : null;
      }, `validation ${res.body.id} final`, 30_000);
    },
    async batch(mode: 'test' | 'live', items: unknown[]): Promise<V> {
      const res = await http.post('/v1/batches').set(keys[mode]).send({ items });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      return eventually(async () => {
        const r = await http.get(`/v1/batches/${res.body.id}`).set(keys[mode]);
        return r.body.status === 'completed' ? (r.body as V) : null;
      }, `batch ${res.body.id} completed`, 30_000);
    },
    items: async (mode: 'test' | 'live', batchId: string) => (await http.get(`/v1/batches/${batchId}/items?limit=100`).set(keys[mode])).body.data as V[],
  };
}

const callsOf = (ctx: TestContext) => {
  const s = ctx.sim.stats().providers;
  return { sandbox: s.sandbox?.calls ?? 0, cashfree: s.cashfree?.calls ?? 0, razorpay: s.razorpay?.calls ?? 0 };
};

describe('test mode reaches only the sandbox partner', () => {
  let s: Awaited<ReturnType<typeof stack>>;
  before(async () => {
    s = await stack();
  });

  it('a test key validation goes to the sandbox even though PARTNERS lists cashfree first', T, async () => {
    const before = callsOf(s.ctx);
    const v = await s.validate('test');
    assert.equal(v.status, 'completed', JSON.stringify(v));
    assert.equal(v.livemode, false);
    assert.equal(v.result.partner, 'sandbox');
    assert.ok(s.ctx.sim.provider('sandbox').callsFor(v.id) >= 1);
    const after = callsOf(s.ctx);
    assert.ok(after.sandbox > before.sandbox);
    assert.equal(after.cashfree, before.cashfree, 'no call to a paid partner');
    assert.equal(after.razorpay, before.razorpay, 'no call to a paid partner');
  });

  it('a live key validation goes to the configured partner, never the sandbox', T, async () => {
    const before = callsOf(s.ctx);
    const v = await s.validate('live');
    assert.equal(v.status, 'completed', JSON.stringify(v));
    assert.equal(v.livemode, true);
    assert.equal(v.result.partner, 'cashfree');
    assert.ok(s.ctx.sim.provider('cashfree').callsFor(v.id) >= 1);
    assert.equal(callsOf(s.ctx).sandbox, before.sandbox, 'no sandbox call for a live key');
  });

  it("a test key's batch and all its validations stay in test mode and in the sandbox", T, async () => {
    const before = callsOf(s.ctx);
    const items = [bankAccount(account()), bankAccount(account()), { type: 'vpa', vpa: `p${randomInt(1e6)}@okaxis` }];
    const batch = await s.batch('test', items);
    assert.equal(batch.livemode, false);
    assert.equal(batch.counts.completed, 3, JSON.stringify(batch.counts));
    const rows = await s.items('test', batch.id);
    assert.equal(rows.length, 3);
    for (const row of rows) {
      assert.equal(row.livemode, false);
      assert.equal(row.result.partner, 'sandbox');
    }
    const after = callsOf(s.ctx);
    assert.ok(after.sandbox >= before.sandbox + 3);
    assert.equal(after.cashfree + after.razorpay, before.cashfree + before.razorpay);
  });

  it("a live key's batch uses the live partners", T, async () => {
    const batch = await s.batch('live', [bankAccount(account()), bankAccount(account())]);
    assert.equal(batch.livemode, true);
    for (const row of await s.items('live', batch.id)) {
      assert.equal(row.livemode, true);
      assert.equal(row.result.partner, 'cashfree');
    }
  });
});

describe('without a sandbox base URL (as in production with PARTNERS=cashfree,razorpay)', () => {
  it('test mode is served by the embedded simulator; the configured partners see nothing', T, async () => {
    const s = await stack({ PARTNER_SANDBOX_BASE_URL: '' });
    assert.ok(s.rt.partners?.simulator, 'an embedded simulator serves the sandbox');
    const before = callsOf(s.ctx);
    const v = await s.validate('test');
    assert.equal(v.status, 'completed', JSON.stringify(v));
    assert.equal(v.result.partner, 'sandbox');
    assert.ok(s.rt.partners!.simulator!.provider('sandbox').callsFor(v.id) >= 1);
    assert.deepEqual(callsOf(s.ctx), before, 'the external partners (and external sandbox) saw no call');
    const live = await s.validate('live');
    assert.equal(live.result.partner, 'cashfree');
  });
});
