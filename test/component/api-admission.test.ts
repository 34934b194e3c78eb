import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection } from 'mysql2/promise';
import type { Runtime } from '../../src/runtime.js';
import { bankAccount, createTestContext, eventually, type TestContext } from '../helpers/test-stack.js';
import { metric } from '../helpers/prom-text.js';

// The real API with one request slot: a POST held by a MySQL table lock keeps the slot, so the next
// request queues at admission and is shed with 503 service.busy once HTTP_QUEUE_TIMEOUT_MS passes.
let ctx: TestContext;
let rt: Runtime; // sheds after 400 ms
let patient: Runtime; // waits a minute
let key: string;
const auth = () => ({ Authorization: `Bearer ${key}` });
const gauges = async (on: Runtime = rt) => {
  const text = (await ctx.http(on).get('/metrics')).text;
  return {
    active: metric(text, 'payval_http_requests_active', { role: 'api' }),
    queued: metric(text, 'payval_http_requests_queued', { role: 'api' }),
    shed: metric(text, 'payval_http_requests_shed_total', { role: 'api' }),
  };
};

before(async () => {
  ctx = await createTestContext();
  rt = await ctx.start({ ROLE: 'api', HTTP_MAX_ACTIVE_REQUESTS: '1', HTTP_QUEUE_TIMEOUT_MS: '400' });
  patient = await ctx.start({ ROLE: 'api', HTTP_MAX_ACTIVE_REQUESTS: '1', HTTP_QUEUE_TIMEOUT_MS: '60000' });
  ({ apiKey: key } = await ctx.createTenant('Admission'));
});
after(() => ctx.close());

describe('API admission control', () => {
  it('queues requests past HTTP_MAX_ACTIVE_REQUESTS, sheds them after HTTP_QUEUE_TIMEOUT_MS, and never queues probes', async () => {
    // Warm the key cache, so the held POST below waits on the locked table and nothing else.
    for (const r of [rt, patient]) assert.equal((await ctx.http(r).get('/v1/validations').set(auth())).status, 200);
    const lock = await createConnection(ctx.config().database.url);
    try {
      await lock.query('LOCK TABLES validations WRITE');
      const held = ctx.http(rt).post('/v1/validations').set(auth()).send(bankAccount('123456789012')).then((r) => r);
      await eventually(async () => (await gauges()).active === 1, 'the POST to hold the only slot');

      const started = Date.now();
      const busy = await ctx.http(rt).get('/v1/validations').set(auth());
      assert.equal(busy.status, 503);
      assert.equal(busy.body.error.code, 'service.busy');
      assert.equal(busy.headers['retry-after'], '1');
      assert.ok(Date.now() - started >= 350, `shed after the queue timeout, not before (${Date.now() - started} ms)`);

      // Probes and metrics are answered ahead of the queue: a busy API is not a dead one.
      assert.equal((await ctx.http(rt).get('/healthz')).status, 200);
      assert.deepEqual(await gauges(), { active: 1, queued: 0, shed: 1 });

      // Within the queue timeout, a request that arrives while the slot is taken runs once it frees.
      const patientHeld = ctx.http(patient).post('/v1/validations').set(auth()).send(bankAccount('123456789022')).then((r) => r);
      await eventually(async () => (await gauges(patient)).active === 1, 'the second POST to hold the patient slot');
      const queued = ctx.http(patient).get('/v1/validations').set(auth()).then((r) => r);
      await eventually(async () => (await gauges(patient)).queued === 1, 'the GET to queue');
      await lock.query('UNLOCK TABLES');
      assert.equal((await held).status, 202);
      assert.equal((await patientHeld).status, 202);
      const served = await queued;
      assert.equal(served.status, 200);
      assert.equal(served.body.data.length, 2);
    } finally {
      await lock.end();
    }
    for (const r of [rt, patient]) {
      await eventually(async () => {
        const g = await gauges(r);
        return g.active === 0 && g.queued === 0;
      }, 'the slots to be free');
    }
  });
});
