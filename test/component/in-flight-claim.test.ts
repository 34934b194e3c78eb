// A second job for a validation whose partner call is still in flight — BullMQ redelivering the job of a
// worker too starved to renew its lock, or a requeue — must not call the partner again: it waits until
// the first attempt ends (or its lease runs out), then finds the row final.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import type { Runtime } from '../../src/runtime.js';
import { bankAccount, createTestContext, eventually, type TestContext } from '../helpers/test-stack.js';

let ctx: TestContext;
let rt: Runtime;

before(async () => {
  // Calls take 1.5 s, well inside their 5 s deadline; the lease is the sweeper threshold here (10 s).
  ctx = await createTestContext({ PARTNER_CALL_TIMEOUT_MS: '5000', SWEEPER_STUCK_AFTER_MS: '10000', WORKER_CONCURRENCY: '4' });
  rt = await ctx.start();
});
after(() => ctx.close());

describe('a validation claimed by a job whose call is in flight', () => {
  it('a duplicate job waits for that attempt instead of calling the partner a second time', { timeout: 60_000 }, async () => {
    ctx.sim.provider('sandbox').setFaults({ latency: { kind: 'fixed', ms: 1500 } });
    const { apiKey } = await ctx.createTenant();
    const res = await ctx
      .http(rt)
      .post('/v1/validations')
      .set({ Authorization: `Bearer ${apiKey}` })
      .send(bankAccount(`${randomInt(10_000_000, 99_999_999)}4562`, { max_age: 0 }));
    assert.equal(res.status, 202);
    const id = res.body.id as string;
    // The first job has claimed the row and its partner call is under way.
    await eventually(async () => (await rt.db('validations').where({ id }).first('status')).status === 'processing', 'the claim', 20_000);
    await eventually(async () => ctx.sim.callsFor(id) >= 1, 'the partner call to start', 20_000);
    const duplicate = await rt.queue.add('validate', { validationId: id }, { jobId: `duplicate-${id}` });

    await eventually(async () => (await rt.db('validations').where({ id }).first('status')).status === 'completed', 'completion', 30_000);
    await eventually(async () => (await duplicate.getState()) === 'completed', 'the duplicate job to finish', 30_000);
    assert.equal(ctx.sim.callsFor(id), 1, 'the partner was called once');
    const row = await rt.db('validations').where({ id }).first('attempts');
    assert.equal(row.attempts, 1);
    ctx.sim.provider('sandbox').setFaults({ latency: { kind: 'fixed', ms: 0 } });
  });

  it('an attempt that ends without a final state frees the row at once for its retry', { timeout: 60_000 }, async () => {
    // 5555 answers 503 twice, then valid: the retries must not wait out a lease.
    const { apiKey } = await ctx.createTenant();
    const res = await ctx
      .http(rt)
      .post('/v1/validations')
      .set({ Authorization: `Bearer ${apiKey}` })
      .send(bankAccount(`${randomInt(10_000_000, 99_999_999)}5555`, { max_age: 0 }));
    const id = res.body.id as string;
    const started = Date.now();
    await eventually(async () => (await rt.db('validations').where({ id }).first('status')).status === 'completed', 'completion after two 503s', 30_000);
    // Two retries at 100–400 ms backoff; waiting out two 10 s leases would take 20 s.
    assert.ok(Date.now() - started < 9_000, `took ${Date.now() - started} ms`);
    assert.equal(ctx.sim.callsFor(id), 3);
  });
});
