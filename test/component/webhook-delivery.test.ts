import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { createServer } from 'node:net';
import type { Runtime } from '../../src/runtime.js';
import { bankAccount, createTestContext, eventually, type TestContext } from '../helpers/test-stack.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { spawnWorkerProcess, type WorkerProcess } from '../helpers/worker-process.js';
import { loadOpenApiSchemas } from '../helpers/openapi-schemas.js';

const T = { timeout: 60_000 };
const receivers: WebhookReceiver[] = [];
const children: WorkerProcess[] = [];
const contexts: TestContext[] = [];

let ctx: TestContext;
let rt: Runtime;
let assertSchema: (name: string, body: unknown) => void;

before(async () => {
  assertSchema = await loadOpenApiSchemas();
  ctx = await createTestContext();
  contexts.push(ctx);
  rt = await ctx.start();
});

after(async () => {
  await Promise.all(children.map((c) => c.kill('SIGKILL')));
  await Promise.all(receivers.map((r) => r.close()));
  for (const c of contexts) await c.close();
});

/** A unique account number ending in the sandbox's magic 4 digits. */
const account = (suffix = '9876') => `${randomInt(10_000_000, 99_999_999)}${suffix}`;

async function receiver(secrets: string[] = []): Promise<WebhookReceiver> {
  const r = await startWebhookReceiver(secrets);
  receivers.push(r);
  return r;
}

async function tenantOn(runtime: Runtime, c: TestContext = ctx) {
  const t = await c.createTenant();
  const http = c.http(runtime);
  const auth = { Authorization: `Bearer ${t.apiKey}` };
  return {
    ...t,
    http,
    auth,
    async endpoint(url: string, events: string[] = ['validation.completed', 'validation.failed', 'batch.completed']) {
      const res = await http.post('/v1/webhook-endpoints').set(auth).send({ url, events });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return { id: res.body.id as string, secret: res.body.secret as string };
    },
    async validate(accountNumber = account(), extra: Record<string, unknown> = {}) {
      const res = await http.post('/v1/validations').set(auth).send(bankAccount(accountNumber, { name: 'Ramesh Kumar', ...extra }));
      assert.equal(res.status, 202, JSON.stringify(res.body));
      return res.body.id as string;
    },
    async deliveries(query = '') {
      const res = await http.get(`/v1/webhook-deliveries${query}`).set(auth);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.data as Array<Record<string, any>>;
    },
    /** Waits until the tenant's newest delivery has `status`; returns the deliveries then. */
    async newestUntil(status: 'succeeded' | 'failed', what: string, timeoutMs?: number) {
      return eventually(async () => {
        const ds = await this.deliveries();
        return ds[0]?.status === status ? ds : null;
      }, what, timeoutMs);
    },
    async delivery(id: string) {
      const res = await http.get(`/v1/webhook-deliveries/${id}`).set(auth);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body as Record<string, any>;
    },
  };
}

/** A context of its own (for config overrides or worker processes), a runtime on it, and a tenant. */
async function ownStack(contextEnv: Record<string, string> = {}, runtimeEnv: Record<string, string> = {}) {
  const c = await createTestContext(contextEnv);
  contexts.push(c);
  const runtime = await c.start(runtimeEnv);
  return { c, runtime, t: await tenantOn(runtime, c) };
}

/** A received body, checked against the documented payload shapes (openapi.yaml) on the way. */
function bodyOf(r: { body: string }) {
  const body = JSON.parse(r.body) as { type: string; timestamp: string; data: Record<string, any> };
  assertSchema('WebhookEventPayload', body);
  if (body.type.startsWith('validation.')) assertSchema('Validation', body.data);
  if (body.type === 'batch.completed') assertSchema('Batch', body.data);
  return body;
}

describe('delivery of validation and batch events', () => {
  it('a single validation → one signed delivery per subscribed endpoint, none to others', T, async () => {
    const t = await tenantOn(rt);
    const a = await receiver();
    const b = await receiver();
    const other = await receiver();
    a.secrets.push((await t.endpoint(a.url)).secret);
    b.secrets.push((await t.endpoint(b.url, ['validation.completed'])).secret);
    await t.endpoint(other.url, ['batch.completed']);
    const acct = account();
    const id = await t.validate(acct);

    await eventually(async () => a.received.length >= 1 && b.received.length >= 1, 'both deliveries');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(a.received.length, 1);
    assert.equal(b.received.length, 1);
    assert.equal(other.received.length, 0);
    for (const r of [a.received[0]!, b.received[0]!]) {
      assert.ok(r.verified, 'the standardwebhooks library verifies the signature');
      const body = bodyOf(r);
      assert.equal(body.type, 'validation.completed');
      assert.equal(body.data.id, id);
      assert.equal(body.data.status, 'completed');
      assert.equal(body.data.bank_account.masked_account_number, `XXXXXX${acct.slice(-4)}`);
      assert.ok(!r.body.includes(acct), 'no full account number in the payload');
      assert.ok(Buffer.byteLength(r.body) < 20_000);
    }
    // Both endpoints got the same event, so the same webhook-id; each signed with its own secret.
    assert.equal(a.received[0]!.headers['webhook-id'], b.received[0]!.headers['webhook-id']);
    assert.notEqual(a.received[0]!.headers['webhook-signature'], b.received[0]!.headers['webhook-signature']);
    const events = await rt.db('webhook_events').where({ object_id: id });
    assert.equal(events.length, 1);
    assert.equal(events[0].id, a.received[0]!.headers['webhook-id']);
    await eventually(async () => (await t.deliveries()).every((d) => d.status === 'succeeded') && (await t.deliveries()).length === 2, 'deliveries succeeded');
  });

  it('a validation that fails → validation.failed', T, async () => {
    const t = await tenantOn(rt);
    const r = await receiver();
    r.secrets.push((await t.endpoint(r.url, ['validation.failed'])).secret);
    const id = await t.validate(account('1111')); // the sandbox hangs on …1111: every attempt times out
    await eventually(async () => r.received.length >= 1, 'validation.failed delivery', 30_000);
    const body = bodyOf(r.received[0]!);
    assert.equal(body.type, 'validation.failed');
    assert.equal(body.data.id, id);
    assert.equal(body.data.status, 'failed');
    assert.ok(r.received[0]!.verified);
  });

  it('a batch → exactly one batch.completed after its last row, with counts and links, no per-row events', T, async () => {
    const t = await tenantOn(rt);
    const r = await receiver();
    r.secrets.push((await t.endpoint(r.url)).secret);
    const items = Array.from({ length: 12 }, () => bankAccount(account(), { name: 'Priya Nair' }));
    items.push(bankAccount('12', { name: 'bad row' }));
    const res = await t.http.post('/v1/batches').set(t.auth).send({ items });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const batchId = res.body.id as string;
    await eventually(async () => r.received.length >= 1, 'batch.completed', 30_000);
    await new Promise((res2) => setTimeout(res2, 800));
    assert.equal(r.received.length, 1, 'one event for the whole batch');
    const body = bodyOf(r.received[0]!);
    assert.equal(body.type, 'batch.completed');
    assert.equal(body.data.id, batchId);
    assert.equal(body.data.status, 'completed');
    assert.equal(body.data.counts.total, 13);
    assert.equal(body.data.counts.rejected, 1);
    assert.equal(body.data.counts.completed + body.data.counts.failed, 12);
    assert.equal(body.data.links.results, `/v1/batches/${batchId}/results`);
    const batch = await t.http.get(`/v1/batches/${batchId}`).set(t.auth);
    assert.equal(batch.body.status, 'completed');
  });

  it('a batch whose rows were all rejected completes at once and still reports batch.completed', T, async () => {
    const t = await tenantOn(rt);
    const r = await receiver();
    r.secrets.push((await t.endpoint(r.url, ['batch.completed'])).secret);
    const res = await t.http.post('/v1/batches').set(t.auth).send({ items: [bankAccount('12'), bankAccount('34')] });
    assert.equal(res.status, 202);
    await eventually(async () => r.received.length >= 1, 'batch.completed');
    assert.equal(bodyOf(r.received[0]!).data.counts.rejected, 2);
  });
});

describe('retries', () => {
  it('receiver down then up → delivered on a retry with the same webhook-id, every attempt logged', T, async () => {
    const t = await tenantOn(rt);
    const r = await receiver();
    r.secrets.push((await t.endpoint(r.url)).secret);
    r.setMode({ kind: 'status', status: 503, body: 'deploying' });
    await t.validate();
    await eventually(async () => r.received.length >= 2, 'two failed attempts');
    r.setMode({ kind: 'ok' });
    const [d] = await t.newestUntil('succeeded', 'delivery succeeded');
    const ids = new Set(r.received.map((x) => x.headers['webhook-id']));
    assert.equal(ids.size, 1, 'same webhook-id on every attempt');
    assert.ok(r.received.every((x) => x.verified), 'every attempt is signed afresh and verifies');
    const detail = await t.delivery(d!.id);
    assert.equal(detail.attempts, r.received.length);
    const log = [...detail.attempt_log].reverse();
    assert.deepEqual(log.slice(0, 2).map((a: any) => a.status_code), [503, 503]);
    assert.equal(log[0].response_body, 'deploying');
    assert.equal(log[log.length - 1].status_code, 200);
    assert.equal(detail.payload.type, 'validation.completed');
  });

  it('connection refused (receiver not listening yet) → retried until it listens', T, async () => {
    const t = await tenantOn(rt);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/hooks`;
    const ep = await t.endpoint(url);
    await t.validate();
    await eventually(async () => (await t.deliveries())[0]?.attempts >= 1, 'a refused attempt');
    const [first] = await t.deliveries();
    assert.equal(first!.last_error, 'connection_failed');
    const r = await startWebhookReceiver([ep.secret]);
    receivers.push(r);
    // The receiver listens on another port; point the endpoint at it, as a client fixing its DNS would.
    await t.http.patch(`/v1/webhook-endpoints/${ep.id}`).set(t.auth).send({ url: r.url }).expect(200);
    await eventually(async () => r.received.length >= 1, 'delivered after the fix');
    assert.ok(r.received[0]!.verified);
  });

  it('a slow receiver → the attempt times out, is recorded, and is retried', T, async () => {
    const t = await tenantOn(rt);
    const r = await receiver();
    r.secrets.push((await t.endpoint(r.url)).secret);
    r.setMode({ kind: 'slow', ms: 2500 }); // WEBHOOK_TIMEOUT_MS is 1000 in tests
    await t.validate();
    await eventually(async () => (await t.deliveries())[0]?.last_error === 'timeout', 'a timed-out attempt');
    r.setMode({ kind: 'ok' });
    const [d] = await t.newestUntil('succeeded', 'delivered after the timeout');
    const detail = await t.delivery(d!.id);
    const timedOut = detail.attempt_log.find((a: any) => a.error === 'timeout');
    assert.ok(timedOut, 'the timeout is in the attempt log');
    assert.equal(timedOut.status_code, null);
    assert.ok(timedOut.latency_ms >= 900 && timedOut.latency_ms < 2500, `latency ${timedOut.latency_ms}`);
  });

  it('Retry-After on a 429 is honoured', T, async () => {
    const t = await tenantOn(rt);
    const r = await receiver();
    r.secrets.push((await t.endpoint(r.url)).secret);
    r.setMode({ kind: 'status', status: 429, headers: { 'retry-after': '2' } });
    await t.validate();
    await eventually(async () => r.received.length >= 1, 'first attempt');
    r.setMode({ kind: 'ok' });
    await eventually(async () => r.received.length >= 2, 'second attempt');
    // The schedule says 300 ms; the receiver asked for 2 s.
    const gap = r.received[1]!.receivedAt - r.received[0]!.receivedAt;
    assert.ok(gap >= 1900, `retried after ${gap} ms`);
  });

  it('a redirect is not followed: 3xx is a failed attempt', T, async () => {
    const t = await tenantOn(rt);
    const target = await receiver();
    const r = await receiver();
    r.secrets.push((await t.endpoint(r.url)).secret);
    r.setMode({ kind: 'status', status: 302, headers: { location: target.url } });
    await t.validate();
    await eventually(async () => (await t.deliveries())[0]?.last_error === 'redirect', 'redirect recorded');
    assert.equal(target.received.length, 0);
  });

  it('the schedule runs out → the delivery is failed, and the endpoint stays enabled', T, async () => {
    const t = await tenantOn(rt);
    const r = await receiver();
    const ep = await t.endpoint(r.url);
    r.setMode({ kind: 'status', status: 500 });
    await t.validate();
    const [d] = await t.newestUntil('failed', 'delivery failed', 20_000);
    assert.equal(d!.attempts, 5, 'one attempt per entry of WEBHOOK_RETRY_SCHEDULE');
    assert.equal(r.received.length, 5);
    const endpoint = await t.http.get(`/v1/webhook-endpoints/${ep.id}`).set(t.auth);
    assert.equal(endpoint.body.enabled, true);
    assert.ok(endpoint.body.failing_since);
    // Re-sending enabled=true to an enabled endpoint must not restart its failure clock.
    const patched = await t.http.patch(`/v1/webhook-endpoints/${ep.id}`).set(t.auth).send({ enabled: true });
    assert.equal(patched.body.failing_since, endpoint.body.failing_since);
  });

  it('deleting an endpoint ends its pending deliveries; the log keeps them', T, async () => {
    const t = await tenantOn(rt);
    const r = await receiver();
    const ep = await t.endpoint(r.url);
    r.setMode({ kind: 'status', status: 500 });
    await t.validate();
    await eventually(async () => r.received.length >= 1, 'a failed attempt');
    await t.http.delete(`/v1/webhook-endpoints/${ep.id}`).set(t.auth).expect(200);
    // An attempt in flight at that moment finishes, but cannot bring the delivery back.
    const [d] = await t.newestUntil('failed', 'delivery ended', 3000);
    assert.equal(d!.last_error, 'endpoint_deleted');
    const seen = r.received.length;
    await new Promise((res) => setTimeout(res, 1200));
    assert.equal(r.received.length, seen, 'nothing more is sent to a deleted endpoint');
  });
});

describe('endpoint health', () => {
  it('410 Gone disables the endpoint and records endpoint.disabled; later events skip it', T, async () => {
    const t = await tenantOn(rt);
    const gone = await receiver();
    const watcher = await receiver();
    const ep = await t.endpoint(gone.url);
    watcher.secrets.push((await t.endpoint(watcher.url, ['endpoint.disabled'])).secret);
    gone.setMode({ kind: 'status', status: 410 });
    await t.validate();
    await eventually(async () => watcher.received.length >= 1, 'endpoint.disabled event');
    const event = bodyOf(watcher.received[0]!);
    assert.equal(event.type, 'endpoint.disabled');
    assert.equal(event.data.id, ep.id);
    assert.equal(event.data.reason, 'gone');
    const endpoint = await t.http.get(`/v1/webhook-endpoints/${ep.id}`).set(t.auth);
    assert.equal(endpoint.body.enabled, false);
    assert.equal(endpoint.body.disabled_reason, 'gone');
    assert.equal(gone.received.length, 1, 'a 410 is not retried');

    await t.validate();
    await new Promise((res) => setTimeout(res, 1000));
    assert.equal(gone.received.length, 1, 'a disabled endpoint receives nothing');
    const retry = await t.http.post(`/v1/webhook-deliveries/${(await t.deliveries(`?endpoint_id=${ep.id}`))[0]!.id}/retry`).set(t.auth);
    assert.equal(retry.status, 409);
    assert.equal(retry.body.error.code, 'webhook.endpoint_disabled');
  });

  it('an endpoint failing for longer than WEBHOOK_DISABLE_AFTER_MS is disabled', T, async () => {
    const { runtime, t } = await ownStack({ WEBHOOK_DISABLE_AFTER_MS: '1000', WEBHOOK_RETRY_SCHEDULE: '0,400ms,400ms,400ms,400ms,400ms,400ms' });
    const r = await receiver();
    const ep = await t.endpoint(r.url);
    r.setMode({ kind: 'status', status: 500 });
    await t.validate();
    await eventually(async () => (await t.http.get(`/v1/webhook-endpoints/${ep.id}`).set(t.auth)).body.enabled === false, 'disabled', 20_000);
    const endpoint = await t.http.get(`/v1/webhook-endpoints/${ep.id}`).set(t.auth);
    assert.equal(endpoint.body.disabled_reason, 'failing');
    const events = await runtime.db('webhook_events').where({ type: 'endpoint.disabled', object_id: ep.id });
    assert.equal(events.length, 1);
    // Re-enabling clears the failure clock.
    const enabled = await t.http.patch(`/v1/webhook-endpoints/${ep.id}`).set(t.auth).send({ enabled: true });
    assert.equal(enabled.body.enabled, true);
    assert.equal(enabled.body.failing_since, null);
  });

  it('a hanging endpoint of one tenant does not hold up another tenant', T, async () => {
    const { c, runtime, t: slowTenant } = await ownStack({ WEBHOOK_CONCURRENCY: '4', WEBHOOK_ENDPOINT_CONCURRENCY: '2', WEBHOOK_TIMEOUT_MS: '3000', SWEEPER_STUCK_AFTER_MS: '5000' });
    const fastTenant = await tenantOn(runtime, c);
    const slow = await receiver();
    const fast = await receiver();
    await slowTenant.endpoint(slow.url);
    fast.secrets.push((await fastTenant.endpoint(fast.url)).secret);
    slow.setMode({ kind: 'hang' });
    for (let i = 0; i < 12; i++) await slowTenant.validate();
    await eventually(async () => slow.received.length >= 2, 'the slow endpoint is being called');
    await fastTenant.validate();
    await eventually(async () => fast.received.length >= 1, 'the other tenant is delivered');
    // At most WEBHOOK_ENDPOINT_CONCURRENCY requests were ever open on the hanging endpoint, and its
    // backlog was still waiting when the other tenant's event arrived.
    assert.ok(slow.received.length <= 2, `${slow.received.length} concurrent requests to the hanging endpoint`);
    const pending = await runtime.db('webhook_deliveries').where({ tenant_id: slowTenant.tenantId, status: 'pending' }).count({ n: '*' });
    assert.ok(Number(pending[0]!.n) >= 10);
  });
});

describe('secret rotation', () => {
  it('during the overlap both signatures are sent and a receiver holding either secret verifies', T, async () => {
    const t = await tenantOn(rt);
    const r = await receiver();
    const ep = await t.endpoint(r.url);
    const rotated = await t.http.post(`/v1/webhook-endpoints/${ep.id}/rotate-secret`).set(t.auth).send({});
    assert.equal(rotated.status, 200);
    const fresh = rotated.body.secret as string;
    assert.notEqual(fresh, ep.secret);
    assert.ok(rotated.body.previous_secret_expires_at);
    const oldOnly = await receiver([ep.secret]);
    const newOnly = await receiver([fresh]);
    // Same endpoint URL cannot be two receivers; re-point the endpoint between deliveries instead.
    await t.http.patch(`/v1/webhook-endpoints/${ep.id}`).set(t.auth).send({ url: oldOnly.url }).expect(200);
    await t.validate();
    await eventually(async () => oldOnly.received.length >= 1, 'delivery to the old-secret receiver');
    await t.http.patch(`/v1/webhook-endpoints/${ep.id}`).set(t.auth).send({ url: newOnly.url }).expect(200);
    await t.validate();
    await eventually(async () => newOnly.received.length >= 1, 'delivery to the new-secret receiver');
    for (const got of [oldOnly.received[0]!, newOnly.received[0]!]) {
      const sigs = String(got.headers['webhook-signature']).split(' ');
      assert.equal(sigs.length, 2, 'two signatures during the overlap');
      assert.ok(sigs.every((s) => s.startsWith('v1,')));
      assert.ok(got.verified, 'verifies with the secret this receiver holds');
    }

    // Ending the overlap leaves one signature, by the new secret only.
    await t.http.post(`/v1/webhook-endpoints/${ep.id}/rotate-secret`).set(t.auth).send({ overlap_seconds: 0 }).expect(200);
    const latest = await receiver([]);
    await t.http.patch(`/v1/webhook-endpoints/${ep.id}`).set(t.auth).send({ url: latest.url }).expect(200);
    await t.validate();
    await eventually(async () => latest.received.length >= 1, 'delivery after the overlap ended');
    assert.equal(String(latest.received[0]!.headers['webhook-signature']).split(' ').length, 1);
  });
});

describe('manual retry and replay', () => {
  it('POST /retry redelivers a delivered event now, same webhook-id, logged as manual', T, async () => {
    const t = await tenantOn(rt);
    const r = await receiver();
    r.secrets.push((await t.endpoint(r.url)).secret);
    await t.validate();
    const [d] = await t.newestUntil('succeeded', 'first delivery');
    const res = await t.http.post(`/v1/webhook-deliveries/${d!.id}/retry`).set(t.auth);
    assert.equal(res.status, 202);
    assert.equal(res.body.status, 'pending');
    await eventually(async () => r.received.length >= 2, 'redelivery');
    assert.equal(r.received[1]!.headers['webhook-id'], r.received[0]!.headers['webhook-id']);
    assert.ok(r.received[1]!.verified);
    const detail = await eventually(async () => {
      const x = await t.delivery(d!.id);
      return x.status === 'succeeded' && x.attempts === 2 ? x : null;
    }, 'second attempt booked');
    assert.equal(detail.attempt_log[0].trigger, 'manual');
  });

  it('POST /replay redelivers every event since a time, including ones recorded while the endpoint was disabled', T, async () => {
    const t = await tenantOn(rt);
    const r = await receiver();
    const ep = await t.endpoint(r.url, ['validation.completed']);
    r.secrets.push(ep.secret);
    const before = new Date(Date.now() - 1000).toISOString();
    const v1 = await t.validate();
    await eventually(async () => r.received.length >= 1, 'first event');
    await t.http.patch(`/v1/webhook-endpoints/${ep.id}`).set(t.auth).send({ enabled: false }).expect(200);
    // A second endpoint keeps the event recorded while the first is disabled.
    const other = await receiver();
    await t.endpoint(other.url, ['validation.completed']);
    const v2 = await t.validate();
    await eventually(async () => other.received.length >= 1, 'event to the other endpoint');
    assert.equal(r.received.length, 1);

    const refused = await t.http.post(`/v1/webhook-endpoints/${ep.id}/replay`).set(t.auth).send({ since: before });
    assert.equal(refused.status, 409);
    await t.http.patch(`/v1/webhook-endpoints/${ep.id}`).set(t.auth).send({ enabled: true }).expect(200);
    const res = await t.http.post(`/v1/webhook-endpoints/${ep.id}/replay`).set(t.auth).send({ since: before });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.events, 2);
    assert.equal(res.body.deliveries_restarted, 1);
    assert.equal(res.body.deliveries_created, 1);
    await eventually(async () => r.received.length >= 3, 'replayed events');
    const got = r.received.slice(1).map((x) => bodyOf(x).data.id).sort();
    assert.deepEqual(got, [v1, v2].sort());
    assert.equal(r.received[1]!.headers['webhook-id'] === r.received[0]!.headers['webhook-id'] || r.received[2]!.headers['webhook-id'] === r.received[0]!.headers['webhook-id'], true, 'the replayed event keeps its webhook-id');
    assert.ok(r.received.every((x) => x.verified));
  });
});

describe('durability', () => {
  it('an event is never lost: Redis emptied before delivery → the sweeper delivers it from MySQL', T, async () => {
    const { c, t } = await ownStack({}, { ROLE: 'api' });
    const r = await receiver();
    r.secrets.push((await t.endpoint(r.url)).secret);
    // Record the event in MySQL by finishing a validation with a worker, then empty Redis before the
    // delivery job can run: stop the worker right after the validation is final.
    const worker = await c.start({ ROLE: 'worker', WEBHOOK_CONCURRENCY: '1' });
    r.setMode({ kind: 'hang' });
    const id = await t.validate();
    await eventually(async () => r.received.length >= 1, 'first attempt in flight');
    await worker.stop();
    await c.flushRedis();
    r.setMode({ kind: 'ok' });
    await c.start({ ROLE: 'worker' });
    await eventually(async () => r.received.filter((x) => bodyOf(x).data.id === id).length >= 2, 'delivered after Redis was emptied', 30_000);
    const ids = new Set(r.received.map((x) => x.headers['webhook-id']));
    assert.equal(ids.size, 1);
  });

  it('a worker killed mid-delivery → the event is still delivered, with the same webhook-id', T, async () => {
    const { c, t } = await ownStack({}, { ROLE: 'api' });
    const r = await receiver();
    r.secrets.push((await t.endpoint(r.url)).secret);
    r.setMode({ kind: 'hang' });
    const first = spawnWorkerProcess({ ...c.env, ROLE: 'worker', WEBHOOK_TIMEOUT_MS: '5000', SWEEPER_STUCK_AFTER_MS: '8000' });
    children.push(first);
    await first.ready();
    await t.validate();
    await eventually(async () => r.received.length >= 1, 'delivery in flight', 20_000);
    await first.kill('SIGKILL');
    r.setMode({ kind: 'ok' });
    const second = spawnWorkerProcess({ ...c.env, ROLE: 'worker', WEBHOOK_TIMEOUT_MS: '1000' });
    children.push(second);
    await second.ready();
    const [d] = await t.newestUntil('succeeded', 'delivered by the second worker', 50_000);
    assert.ok(r.received.length >= 2);
    assert.equal(new Set(r.received.map((x) => x.headers['webhook-id'])).size, 1, 'same webhook-id');
    assert.ok(r.received.at(-1)!.verified);
    assert.equal(d!.attempts, 1, 'the killed attempt was never booked; the delivered one is attempt 1');
    await second.kill('SIGTERM');
  });
});

describe('SSRF at delivery time', () => {
  it('a URL accepted earlier is refused when delivering if the address is no longer allowed', T, async () => {
    const { c, t } = await ownStack({}, { ROLE: 'api' });
    const r = await receiver();
    await t.endpoint(r.url);
    // The worker's policy does not allow loopback (as if the host now resolved inside the network).
    await c.start({ ROLE: 'worker', WEBHOOK_ALLOWED_NETWORKS: '' });
    await t.validate();
    const [d] = await t.newestUntil('failed', 'delivery refused');
    assert.equal(d!.last_error, 'blocked_address');
    assert.equal(d!.attempts, 1, 'a refused address is not retried');
    assert.equal(r.received.length, 0, 'nothing reached the address');
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.once('error', reject);
  });
}
