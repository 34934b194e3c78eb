import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Runtime } from '../../src/runtime.js';
import { bankAccount, createTestContext, eventually, type TestContext } from '../helpers/test-stack.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';

let ctx: TestContext;
let rt: Runtime;
let key: string;
let tenantId: string;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
const auth = () => ({ Authorization: `Bearer ${key}` });
const post = (path: string, idemKey: string | null, body?: object) => {
  const req = ctx.http(rt).post(path).set(auth());
  if (idemKey !== null) req.set('Idempotency-Key', idemKey);
  return body === undefined ? req : req.send(body);
};
const count = async (table: string) => Number(((await rt.db(table).where({ tenant_id: tenantId }).count({ n: '*' }))[0] as { n: number | string }).n);

before(async () => {
  ctx = await createTestContext();
  rt = await ctx.start();
  ({ apiKey: key, tenantId } = await ctx.createTenant('Idem Hooks'));
  receiver = await startWebhookReceiver();
});
after(async () => {
  await receiver.close();
  await ctx.close();
});

describe('Idempotency-Key on the webhook POSTs', () => {
  it('POST /v1/webhook-endpoints twice with one key creates one endpoint and replays its answer, secret included', async () => {
    const k = randomUUID();
    const body = { url: receiver.url, events: ['validation.completed'] };
    const first = await post('/v1/webhook-endpoints', k, body);
    assert.equal(first.status, 201);
    const second = await post('/v1/webhook-endpoints', k, body);
    assert.equal(second.status, 201);
    assert.equal(second.headers['idempotent-replayed'], 'true');
    assert.deepEqual(second.body, first.body, 'the same answer, with the same secret');
    assert.equal(await count('webhook_endpoints'), 1);
    const other = await post('/v1/webhook-endpoints', k, { ...body, description: 'another' });
    assert.equal(other.status, 422);
    assert.equal(other.body.error.code, 'idempotency.key_reused');
    const stored = JSON.stringify(await rt.db('idempotency_keys').where({ tenant_id: tenantId }));
    assert.ok(!stored.includes(first.body.secret), 'the signing secret is stored in clear in idempotency_keys');
  });

  it('rotate-secret with one key rotates once: the retry gets the same new secret and the original still overlaps', async () => {
    const created = await post('/v1/webhook-endpoints', null, { url: receiver.url, events: ['validation.completed'] });
    const path = `/v1/webhook-endpoints/${created.body.id}/rotate-secret`;
    const original = (await rt.db('webhook_endpoints').where({ id: created.body.id }).first()).secret_ciphertext as string;
    const k = randomUUID();
    const first = await post(path, k, {});
    const again = await post(path, k, {});
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(again.body.secret, first.body.secret);
    assert.notEqual(first.body.secret, created.body.secret);
    const rotations = await rt.db('audit_log').where({ target_id: created.body.id, action: 'webhook_endpoint.secret_rotated' }).count({ n: '*' });
    assert.equal(Number((rotations[0] as { n: number | string }).n), 1);
    const row = await rt.db('webhook_endpoints').where({ id: created.body.id }).first();
    assert.equal(row.previous_secret_ciphertext, original, 'the secret receivers hold still signs during the overlap');
    // The same key on another endpoint's rotation is another request: refused, not replayed.
    const otherEndpoint = await post('/v1/webhook-endpoints', null, { url: receiver.url, events: ['batch.completed'] });
    assert.equal((await post(`/v1/webhook-endpoints/${otherEndpoint.body.id}/rotate-secret`, k, {})).status, 422);
  });

  it('POST /v1/webhook-secret/rotate with one key rotates once', async () => {
    const k = randomUUID();
    const first = await post('/v1/webhook-secret/rotate', k);
    const again = await post('/v1/webhook-secret/rotate', k);
    assert.equal(first.status, 200);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(again.body.secret, first.body.secret);
    const rotations = await rt.db('audit_log').where({ tenant_id: tenantId, action: 'webhook_secret.rotated' }).count({ n: '*' });
    assert.equal(Number((rotations[0] as { n: number | string }).n), 1);
  });

  it('replay and retry with one key run once; the retry of either is a replay of the first answer', async () => {
    const endpoint = await post('/v1/webhook-endpoints', null, { url: receiver.url, events: ['validation.completed'] });
    const v = await post('/v1/validations', null, bankAccount('123456789011'));
    const delivery = await eventually(async () => {
      const list = await ctx.http(rt).get('/v1/webhook-deliveries').query({ endpoint_id: endpoint.body.id }).set(auth());
      const d = list.body.data?.[0];
      return d && d.status === 'succeeded' ? d : undefined;
    }, `the delivery for ${v.body.id}`);

    const retryKey = randomUUID();
    const retried = await post(`/v1/webhook-deliveries/${delivery.id}/retry`, retryKey);
    assert.equal(retried.status, 202);
    const retriedAgain = await post(`/v1/webhook-deliveries/${delivery.id}/retry`, retryKey);
    assert.equal(retriedAgain.status, 202);
    assert.equal(retriedAgain.headers['idempotent-replayed'], 'true');
    assert.deepEqual(retriedAgain.body, retried.body);
    const manual = await rt.db('audit_log').where({ target_id: delivery.id, action: 'webhook_delivery.retried' }).count({ n: '*' });
    assert.equal(Number((manual[0] as { n: number | string }).n), 1);

    const replayKey = randomUUID();
    const since = new Date(Date.now() - 3_600_000).toISOString();
    const replayed = await post(`/v1/webhook-endpoints/${endpoint.body.id}/replay`, replayKey, { since });
    const replayedAgain = await post(`/v1/webhook-endpoints/${endpoint.body.id}/replay`, replayKey, { since });
    assert.equal(replayed.status, 202);
    assert.equal(replayedAgain.headers['idempotent-replayed'], 'true');
    assert.deepEqual(replayedAgain.body, replayed.body);
    const replays = await rt.db('audit_log').where({ target_id: endpoint.body.id, action: 'webhook_endpoint.replayed' }).count({ n: '*' });
    assert.equal(Number((replays[0] as { n: number | string }).n), 1);
  });
});
