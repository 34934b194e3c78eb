// Test and live mode are two worlds inside one tenant (Stripe's model): a key sees only its own mode's
// validations, batches, webhook endpoints and deliveries; idempotency keys, reused partner answers,
// webhook events and the default webhook secret never cross from one mode to the other.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt, randomUUID } from 'node:crypto';
import type { Runtime } from '../../src/runtime.js';
import { createTenantService } from '../../src/tenants/tenant-service.js';
import { bankAccount, createTestContext, eventually, type TestContext } from '../helpers/test-stack.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

const T = { timeout: 60_000 };
type V = Record<string, any>;
type Mode = 'test' | 'live';
let ctx: TestContext;
let rt: Runtime;
const receivers: WebhookReceiver[] = [];

before(async () => {
  // Calls that never time out on a busy machine: the reuse test counts partner calls.
  ctx = await createTestContext({ PARTNER_CALL_TIMEOUT_MS: '10000', SWEEPER_STUCK_AFTER_MS: '30000' });
  rt = await ctx.start();
});
after(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await ctx.close();
});

const account = () => `${randomInt(10_000_000, 99_999_999)}7652`;

/** One tenant holding a test key and a live key. */
async function tenant() {
  const t = await ctx.createTenant('Two Modes');
  const live = await createTenantService(rt.db, 'test').createKey(t.tenantId, 'live');
  const keys: Record<Mode, Record<string, string>> = { test: { Authorization: `Bearer ${t.apiKey}` }, live: { Authorization: `Bearer ${live.apiKey}` } };
  const http = ctx.http(rt);
  const api = {
    tenantId: t.tenantId,
    get: (mode: Mode, path: string) => http.get(path).set(keys[mode]),
    post: (mode: Mode, path: string, body: unknown = {}, headers: Record<string, string> = {}) => http.post(path).set(keys[mode]).set(headers).send(body as object),
    patch: (mode: Mode, path: string, body: unknown) => http.patch(path).set(keys[mode]).send(body as object),
    delete: (mode: Mode, path: string) => http.delete(path).set(keys[mode]),
    async validate(mode: Mode, body: Record<string, unknown> = bankAccount(account())): Promise<V> {
      const res = await api.post(mode, '/v1/validations', body);
      assert.equal(res.status, 202, JSON.stringify(res.body));
      return api.final(mode, res.body.id as string);
    },
    async final(mode: Mode, id: string): Promise<V> {
      return eventually(async () => {
        const r = await api.get(mode, `/v1/validations/${id}`);
        return r.body.status === 'completed' || r.body.status === 'failed' ? (r.body as V) : null;
      }, `validation ${id} final`, 30_000);
    },
    async endpoint(mode: Mode, url: string): Promise<{ id: string; secret: string }> {
      const res = await api.post(mode, '/v1/webhook-endpoints', { url, events: ['validation.completed', 'validation.failed', 'batch.completed'] });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.livemode, mode === 'live');
      return { id: res.body.id, secret: res.body.secret };
    },
  };
  return api;
}

async function receiver(): Promise<WebhookReceiver> {
  const r = await startWebhookReceiver();
  receivers.push(r);
  return r;
}

const ids = (body: { data: Array<{ id: string }> }) => body.data.map((d) => d.id);

describe('each key sees only its own mode', () => {
  it('a key cannot read, change or list the other mode’s validations, batches, endpoints and deliveries (404 like another tenant’s)', T, async () => {
    const t = await tenant();
    const objects = {} as Record<Mode, { validation: string; batch: string; endpoint: string; delivery: string }>;
    for (const mode of ['test', 'live'] as const) {
      const endpoint = await t.endpoint(mode, (await receiver()).url);
      const validation = await t.validate(mode);
      assert.equal(validation.livemode, mode === 'live');
      const batch = await t.post(mode, '/v1/batches', { items: [bankAccount(account())] });
      assert.equal(batch.status, 202, JSON.stringify(batch.body));
      assert.equal(batch.body.livemode, mode === 'live');
      const delivery = await eventually(async () => (await t.get(mode, `/v1/webhook-deliveries?endpoint_id=${endpoint.id}`)).body.data[0] as V | undefined, 'a delivery', 30_000);
      assert.equal(delivery.livemode, mode === 'live');
      objects[mode] = { validation: validation.id, batch: batch.body.id, endpoint: endpoint.id, delivery: delivery.id };
    }

    for (const [reader, owner] of [['test', 'live'], ['live', 'test']] as const) {
      const o = objects[owner];
      const notFound = async (res: { status: number; body: V }, code: string, what: string) => {
        assert.equal(res.status, 404, `${reader} key, ${owner} ${what}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error.code, code);
      };
      await notFound(await t.get(reader, `/v1/validations/${o.validation}`), 'validation.not_found', 'validation');
      for (const sub of ['', '/items', '/rejections']) await notFound(await t.get(reader, `/v1/batches/${o.batch}${sub}`), 'batch.not_found', `batch${sub}`);
      await notFound(await t.get(reader, `/v1/batches/${o.batch}/results`).set('Accept', 'text/csv'), 'batch.not_found', 'batch results');
      await notFound(await t.get(reader, `/v1/webhook-endpoints/${o.endpoint}`), 'webhook.endpoint_not_found', 'endpoint');
      await notFound(await t.patch(reader, `/v1/webhook-endpoints/${o.endpoint}`, { description: 'x' }), 'webhook.endpoint_not_found', 'endpoint patch');
      await notFound(await t.post(reader, `/v1/webhook-endpoints/${o.endpoint}/rotate-secret`), 'webhook.endpoint_not_found', 'endpoint rotation');
      await notFound(await t.post(reader, `/v1/webhook-endpoints/${o.endpoint}/replay`, { since: new Date(Date.now() - 60_000).toISOString() }), 'webhook.endpoint_not_found', 'endpoint replay');
      await notFound(await t.get(reader, `/v1/webhook-deliveries/${o.delivery}`), 'webhook.delivery_not_found', 'delivery');
      await notFound(await t.post(reader, `/v1/webhook-deliveries/${o.delivery}/retry`), 'webhook.delivery_not_found', 'delivery retry');

      const mine = objects[reader];
      const lists: Array<[string, string, string]> = [
        ['/v1/validations?limit=100', o.validation, mine.validation],
        ['/v1/batches?limit=100', o.batch, mine.batch],
        ['/v1/webhook-endpoints?limit=100', o.endpoint, mine.endpoint],
        ['/v1/webhook-deliveries?limit=100', o.delivery, mine.delivery],
      ];
      for (const [path, theirs, own] of lists) {
        const res = await t.get(reader, path);
        assert.equal(res.status, 200);
        assert.ok(!ids(res.body).includes(theirs), `${reader} list ${path} shows a ${owner} object`);
        assert.ok(ids(res.body).includes(own), `${reader} list ${path} lacks its own object`);
        assert.ok(res.body.data.every((d: V) => d.livemode === (reader === 'live')));
      }
      assert.deepEqual((await t.get(reader, `/v1/webhook-deliveries?endpoint_id=${o.endpoint}`)).body.data, []);
    }
    // Deleting is scoped too: the other mode's endpoint survives.
    const del = await t.delete('test', `/v1/webhook-endpoints/${objects.live.endpoint}`);
    assert.equal(del.status, 404);
    assert.equal((await t.get('live', `/v1/webhook-endpoints/${objects.live.endpoint}`)).status, 200);
  });

  it('the same Idempotency-Key in test and live mode makes two independent validations', T, async () => {
    const t = await tenant();
    const key = randomUUID();
    const body = bankAccount(account(), { reference_id: 'same-key' });
    const test = await t.post('test', '/v1/validations', body, { 'Idempotency-Key': key });
    const live = await t.post('live', '/v1/validations', body, { 'Idempotency-Key': key });
    assert.equal(test.status, 202, JSON.stringify(test.body));
    assert.equal(live.status, 202, JSON.stringify(live.body));
    assert.equal(live.headers['idempotent-replayed'], undefined, 'the live request is not a replay of the test one');
    assert.notEqual(live.body.id, test.body.id);
    assert.deepEqual([test.body.livemode, live.body.livemode], [false, true]);
    // Each mode replays its own; a different body under the same key is refused only within a mode.
    const again = await t.post('test', '/v1/validations', body, { 'Idempotency-Key': key });
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(again.body.id, test.body.id);
    const batch = await t.post('live', '/v1/batches', { items: [bankAccount(account())] }, { 'Idempotency-Key': `${key}-b` });
    const otherBody = await t.post('test', '/v1/batches', { items: [bankAccount(account()), bankAccount(account())] }, { 'Idempotency-Key': `${key}-b` });
    assert.equal(batch.status, 202);
    assert.equal(otherBody.status, 202, JSON.stringify(otherBody.body));
    assert.notEqual(otherBody.body.id, batch.body.id);
  });
});

describe('partner answers and webhooks stay in their mode', () => {
  it('a reused answer never crosses modes', T, async () => {
    const t = await tenant();
    const payee = bankAccount(account(), { name: 'Priya Nair', max_age: 3600 });
    const test1 = await t.validate('test', payee);
    const live1 = await t.validate('live', payee);
    assert.equal(live1.result.cached, false, 'a test answer was reused for a live validation');
    assert.ok(ctx.sim.callsFor(live1.id) >= 1, 'the live validation asked a partner itself');
    const test2 = await t.validate('test', payee);
    const live2 = await t.validate('live', payee);
    assert.equal(test2.result.cached, true);
    assert.equal(live2.result.cached, true);
    assert.equal(ctx.sim.callsFor(test2.id) + ctx.sim.callsFor(live2.id), 0, 'answers reused within each mode');
    const reusedFrom = async (id: string) => (await rt.db('validations').where({ id }).first('reused_from')).reused_from;
    assert.equal(await reusedFrom(test2.id), test1.id);
    assert.equal(await reusedFrom(live2.id), live1.id);
  });

  it('a test-mode event is delivered only to test endpoints, a live one only to live endpoints', T, async () => {
    const t = await tenant();
    const [liveHook, testHook] = [await receiver(), await receiver()];
    const liveEndpoint = await t.endpoint('live', liveHook.url);
    const testEndpoint = await t.endpoint('test', testHook.url);
    const test = await t.validate('test');
    await eventually(async () => testHook.received.some((r) => JSON.parse(r.body).data.id === test.id), 'the test event at the test endpoint', 30_000);
    // A live event after it: once it has arrived, the test event had every chance to arrive too.
    const live = await t.validate('live');
    await eventually(async () => liveHook.received.some((r) => JSON.parse(r.body).data.id === live.id), 'the live event at the live endpoint', 30_000);
    await eventually(async () => (await rt.db('webhook_deliveries').where({ status: 'pending' }).where('tenant_id', t.tenantId).count({ n: '*' }))[0]?.n == 0, 'no delivery pending', 30_000);
    assert.deepEqual(liveHook.received.map((r) => JSON.parse(r.body).data.livemode), [true]);
    assert.deepEqual(testHook.received.map((r) => JSON.parse(r.body).data.livemode), [false]);
    const byEndpoint = await rt.db('webhook_deliveries as d').join('webhook_events as e', 'e.id', 'd.event_id').where('d.tenant_id', t.tenantId).select('d.endpoint_id', 'e.object_id', 'e.livemode');
    assert.deepEqual(
      byEndpoint.map((r) => [r.endpoint_id, r.object_id, Boolean(r.livemode)]).sort(),
      [[liveEndpoint.id, live.id, true], [testEndpoint.id, test.id, false]].sort(),
    );
  });

  it('each mode has its own default webhook secret', T, async () => {
    const t = await tenant();
    const rotated = await t.post('test', '/v1/webhook-secret/rotate');
    assert.equal(rotated.status, 200);
    assert.equal(rotated.body.livemode, false);
    const liveSecret = await t.get('live', '/v1/webhook-secret');
    assert.deepEqual([liveSecret.body.exists, liveSecret.body.livemode], [false, true]);
    const hook = await receiver();
    const refused = await t.post('live', '/v1/validations', bankAccount(account(), { webhook_url: hook.url }));
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.code, 'webhook.default_secret_missing');
    const accepted = await t.post('test', '/v1/validations', bankAccount(account(), { webhook_url: hook.url }));
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
  });
});

describe('settings are live controls', () => {
  it('a test key can read the settings but not change them; a live key can (403 settings.live_key_required)', T, async () => {
    const t = await tenant();
    const before = await t.get('test', '/v1/settings');
    assert.equal(before.status, 200);
    // A developer's or CI's test key must not turn name matching off, or reuse on, for live payouts.
    const refused = await t.patch('test', '/v1/settings', { name_match: { match_threshold: 0, close_match_threshold: 0 }, reuse_max_age_seconds: 2_592_000 });
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, 'settings.live_key_required');
    assert.deepEqual((await t.get('live', '/v1/settings')).body, before.body, 'nothing changed');
    assert.equal(await ctx.runtimes[0]!.db('audit_log').where({ tenant_id: t.tenantId, action: 'settings.updated' }).count({ n: '*' }).first().then((r) => Number(r?.n)), 0);

    const changed = await t.patch('live', '/v1/settings', { name_match: { match_threshold: 95, close_match_threshold: 80 } });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.equal((await t.get('test', '/v1/settings')).body.name_match.match_threshold, 95, 'a test key still reads them');
  });
});
