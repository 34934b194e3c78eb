// The erasure runner and the retention sweep driven directly, over the real MySQL: one broken request
// or tenant must not stall everyone's data lifecycle (a request or tenant whose step fails is logged
// and passed over, then retried), and an erasure during a blind-index key change finds the payee under
// both keys. The API runs alone here (no worker, so no leader of its own); each test drives its own
// runner or sweep, with a failUnfinished that fails on demand.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Runtime } from '../../src/runtime.js';
import { newId } from '../../src/platform/ids.js';
import { createBlindIndexer } from '../../src/platform/blind-index.js';
import { buildNewValidation } from '../../src/validations/new-validation.js';
import { newValidationRow } from '../../src/validations/validation-store.js';
import { createErasureRunner } from '../../src/privacy/erasure-runner.js';
import { createRetentionSweep } from '../../src/privacy/retention-sweep.js';
import { createTestContext, type TestContext } from '../helpers/test-stack.js';
import { uniqueLetters } from '../helpers/personal-data-scan.js';

const DAY = 86_400_000;
const T = { timeout: 60_000 };
let ctx: TestContext;
let rt: Runtime;

before(async () => {
  ctx = await createTestContext();
  rt = await ctx.start({ ROLE: 'api' });
});
after(() => ctx.close());

const K1 = randomBytes(32);
const K2 = randomBytes(32);

/** A validation of a VPA payee (a fresh one unless given) planted in `status`, as the API would have stored it under blind-index key `key`. */
async function plant(tenantId: string, status: 'processing' | 'completed', key = K1, vpa = `${uniqueLetters(10)}@okaxis`): Promise<{ id: string; vpa: string }> {
  const id = newId('val');
  const v = buildNewValidation({ type: 'vpa', vpa, rail: 'UPI', expectedName: `Qadir ${uniqueLetters(6)}` }, { id, tenantId, livemode: true, referenceId: null, metadata: null }, rt.cipher, createBlindIndexer(key));
  const now = new Date();
  await rt.db('validations').insert({ ...newValidationRow(v, now), status, ...(status === 'completed' ? { completed_at: now, account_status: 'valid' } : { processing_started_at: now, attempts: 1 }) });
  return { id, vpa };
}

async function erase(apiKey: string, vpa: string): Promise<string> {
  const res = await ctx.http(rt).post('/v1/erasure-requests').set({ Authorization: `Bearer ${apiKey}` }).send({ type: 'vpa', vpa });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  assert.equal(res.body.status, 'processing');
  return res.body.id as string;
}

const request = async (id: string) => (await rt.db('erasure_requests').where({ id }).first()) as Record<string, any>;

/** Fails rows the way the worker's final step would, unless `broken` names their tenant. */
function failer(broken: Set<string>) {
  return async (ids: readonly string[], code: string): Promise<void> => {
    const tenants: string[] = await rt.db('validations').whereIn('id', ids).distinct().pluck('tenant_id');
    if (tenants.some((t) => broken.has(t))) throw new Error('simulated failure of the final step');
    await rt.db('validations').whereIn('id', ids).update({ status: 'failed', failure_code: code, completed_at: new Date() });
  };
}

describe('data lifecycle isolation', () => {
  it('an erasure request whose step fails is passed over; the next request completes, and the failed one on a later turn', T, async () => {
    const a = await ctx.createTenant('Broken', { mode: 'live' });
    const b = await ctx.createTenant('Healthy', { mode: 'live' });
    const va = await plant(a.tenantId, 'processing');
    const vb = await plant(b.tenantId, 'completed');
    const ra = await erase(a.apiKey, va.vpa);
    const rb = await erase(b.apiKey, vb.vpa);
    assert.ok(ra < rb, 'the failing request is the older one: it comes first');

    const broken = new Set([a.tenantId]);
    const runner = createErasureRunner({ db: rt.db, cipher: rt.cipher, logger: ctx.logger, pageSize: 100, pauseMs: 0, failUnfinished: failer(broken), blindIndexers: [createBlindIndexer(K1)], settleMs: 0 });
    await runner.run(() => false);
    assert.equal((await request(rb)).status, 'completed', 'the request after the failing one completed');
    assert.ok((await rt.db('validations').where({ id: vb.id }).first()).purged_at);
    assert.equal((await request(ra)).status, 'processing');
    assert.equal((await rt.db('validations').where({ id: va.id }).first()).purged_at, null);
    assert.ok(ctx.logs.lines.some((l) => l.includes('erasure request step failed') && l.includes(ra)), 'the failure is logged with the request id');

    broken.clear();
    await runner.run(() => false);
    const done = await request(ra);
    assert.equal(done.status, 'completed');
    assert.equal(done.unfinished_failed, 1);
    assert.equal(done.payee_ciphertext, null, 'a completed request keeps no trace of the payee');
    const row = await rt.db('validations').where({ id: va.id }).first();
    assert.equal(row.failure_code, 'validation.erased');
    assert.ok(row.purged_at);
  });

  it('retention passes over a tenant whose purge fails and purges the others, then that one at the next scan', T, async () => {
    const a = await ctx.createTenant('Broken retention', { mode: 'live' });
    const b = await ctx.createTenant('Healthy retention', { mode: 'live' });
    const va = await plant(a.tenantId, 'processing');
    const vb = await plant(b.tenantId, 'completed');
    assert.ok(a.tenantId < b.tenantId, 'the failing tenant is walked first');
    const broken = new Set([a.tenantId]);
    const sweep = () =>
      createRetentionSweep({ db: rt.db, logger: ctx.logger, defaultDays: 180, pageSize: 100, pauseMs: 0, scanEveryMs: 1000, failUnfinished: failer(broken), now: () => new Date(Date.now() + 400 * DAY) });
    // A failing scope goes to the back and ends the run; the next runs carry on with the others.
    const first = sweep();
    for (let i = 0; i < 12; i++) await first.run(() => false);
    assert.ok((await rt.db('validations').where({ id: vb.id }).first()).purged_at, 'the other tenant was purged');
    assert.equal((await rt.db('validations').where({ id: va.id }).first()).purged_at, null);
    assert.ok(ctx.logs.lines.some((l) => l.includes('retention failed for a tenant') && l.includes(a.tenantId)));

    broken.clear();
    await sweep().run(() => false);
    const row = await rt.db('validations').where({ id: va.id }).first();
    assert.equal(row.failure_code, 'validation.expired');
    assert.ok(row.purged_at);
  });

  it('during a blind-index key change, finds the payee under the previous key and the new one, with the keys the runner has', T, async () => {
    const t = await ctx.createTenant('Rekeying', { mode: 'live' });
    const vpa = `${uniqueLetters(10)}@okaxis`;
    // One row the reindex has not reached (old key), one written after the switch (new key).
    const old = await plant(t.tenantId, 'completed', K1, vpa);
    const fresh = await plant(t.tenantId, 'completed', K2, vpa);
    const runner = (keys: Buffer[]) =>
      createErasureRunner({ db: rt.db, cipher: rt.cipher, logger: ctx.logger, pageSize: 100, pauseMs: 0, failUnfinished: failer(new Set()), blindIndexers: keys.map((k) => createBlindIndexer(k)), settleMs: 0 });

    // With the new key alone (BLIND_INDEX_PREVIOUS_KEY unset too early), the old row is missed.
    const newOnly = await erase(t.apiKey, vpa);
    await runner([K2]).run(() => false);
    assert.equal((await request(newOnly)).status, 'completed');
    assert.equal((await request(newOnly)).matched_validations, 1);
    assert.ok((await rt.db('validations').where({ id: fresh.id }).first()).purged_at);
    assert.equal((await rt.db('validations').where({ id: old.id }).first()).purged_at, null, 'missed without the previous key');

    // With both, as the key-change procedure configures it, the request finds it.
    const both = await erase(t.apiKey, vpa);
    await runner([K2, K1]).run(() => false);
    const done = await request(both);
    assert.equal(done.status, 'completed');
    assert.equal(done.matched_validations, 1, 'the row under the old key (the new one is purged already)');
    assert.ok((await rt.db('validations').where({ id: old.id }).first()).purged_at);
  });

  it('completes a request made before the runner found payees itself (its items stored at creation)', T, async () => {
    const t = await ctx.createTenant('Legacy', { mode: 'live' });
    const v = await plant(t.tenantId, 'completed');
    const id = newId('ers');
    const now = new Date();
    await rt.db('erasure_requests').insert({ id, tenant_id: t.tenantId, livemode: true, type: 'vpa', status: 'processing', actor: 'key_legacy', matched_validations: 1, created_at: now });
    await rt.db('erasure_request_items').insert({ request_id: id, validation_id: v.id });
    const runner = createErasureRunner({ db: rt.db, cipher: rt.cipher, logger: ctx.logger, pageSize: 100, pauseMs: 0, failUnfinished: failer(new Set()), blindIndexers: [createBlindIndexer(K1)], settleMs: 0 });
    await runner.run(() => false);
    const done = await request(id);
    assert.equal(done.status, 'completed');
    assert.equal(done.purged_validations, 1);
    assert.ok((await rt.db('validations').where({ id: v.id }).first()).purged_at);
  });
});
