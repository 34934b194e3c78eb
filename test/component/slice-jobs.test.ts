// Batch rows in slice jobs (decision 0027) on the real stack: a batch costs one BullMQ job per slice of
// 100 rows; a row its slice cannot finish (a partner failing it twice) is handed to a job of its own
// and still ends completed, charged once; and the sweeper tells rows waiting in a live slice from
// rows whose slice is gone, requeuing only the latter.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import type { Runtime } from '../../src/runtime.js';
import { enqueueHandoffs, validationJobId } from '../../src/platform/queues.js';
import { sliceJobId } from '../../src/platform/slice-queue.js';
import { createFairShare } from '../../src/platform/fair-share-redis.js';
import { createBatchFeeder } from '../../src/batches/batch-feeder.js';
import { requeueLost } from '../../src/validations/requeue-lost.js';
import { findBatchById } from '../../src/batches/batch-store.js';
import { createTestContext, eventually, bankAccount, type TestContext } from '../helpers/test-stack.js';
import { defaultClaimsAhead } from '../../src/platform/row-limiter.js';

const T = { timeout: 180_000 };
const SLICE = 100;

/** Distinct plain accounts; `flaky` ones end in 5555 (the sandbox fails their first two calls with 503). */
const accounts = (n: number, flaky = 0): string[] => {
  const stem = randomInt(1_000_000, 9_999_999);
  return Array.from({ length: n }, (_, i) => `${stem}${String(i).padStart(5, '0')}${i < flaky ? '5555' : '19'}`);
};

async function submit(ctx: TestContext, api: Runtime, apiKey: string, list: string[]): Promise<string> {
  const res = await ctx.http(api).post('/v1/batches').set('Authorization', `Bearer ${apiKey}`).send({ items: list.map((a) => bankAccount(a, { name: 'Priya Nair' })) });
  assert.equal(res.status, 202, res.text);
  return res.body.id as string;
}

/** A feeder run by hand on an API-only stack, so the slices it adds stay queued. */
const handFeeder = (sCtx: TestContext, sApi: Runtime, maxWaiting: number) =>
  createBatchFeeder({
    db: sApi.db, redis: sCtx.redis, sliceQueue: sApi.sliceQueue, rowQueue: sApi.rowQueue, fairShare: createFairShare(sCtx.redis, sApi.sliceQueue), logger: sCtx.logger, maxWaiting, sliceRows: SLICE,
    // No time slice: on a slow machine a page could take longer than the default second and yield.
    runMs: Number.POSITIVE_INFINITY,
  });

describe('batch rows in slice jobs', () => {
  let ctx: TestContext;
  let api: Runtime;
  let apiKey: string;
  let worker: Runtime;
  before(async () => {
    ctx = await createTestContext({ BATCH_FAIR_SLICE_ROWS: String(SLICE), BREAKER_VOLUME_THRESHOLD: '1000', RETRY_BASE_MS: '100', RETRY_MAX_MS: '300' });
    api = await ctx.start({ ROLE: 'api' });
    worker = await ctx.start({ ROLE: 'worker' });
    ({ apiKey } = await ctx.createTenant('Sliced'));
  });
  after(() => ctx.close());

  it('runs a batch as one job per slice, hands the rows it cannot finish to their own jobs, and completes every row once', T, async (t) => {
    const n = 250;
    const flaky = 6;
    const batchId = await submit(ctx, api, apiKey, accounts(n, flaky));
    const done = await eventually(async () => {
      const b = await findBatchById(api.db, batchId);
      return b?.status === 'completed' ? b : undefined;
    }, 'the batch to complete', 120_000);
    assert.equal(done.completedRows, n);
    assert.equal(done.failedRows, 0);

    const rows: Array<{ id: string; status: string; account_last4: string }> = await api.db('validations').where({ batch_id: batchId }).orderBy('id').select('id', 'status', 'account_last4');
    assert.equal(rows.length, n);
    for (const r of rows) {
      assert.equal(r.status, 'completed', `row ${r.id}`);
      assert.equal(ctx.sim.chargesFor(r.id), 1, `row ${r.id} charged ${ctx.sim.chargesFor(r.id)} times`);
    }

    // Three slices of 100, 100 and 50 rows, named after their first rows.
    const slices = await api.sliceQueue.getJobs(['completed']);
    const expected = [0, 100, 200].map((i) => sliceJobId(batchId, rows[i]!.id));
    assert.deepEqual(slices.map((j) => j.id).sort(), expected.sort());
    assert.deepEqual(slices.map((j) => j.data.validationIds.length).sort((a, b) => a - b), [50, 100, 100]);

    // Only the flaky rows got a job of their own, every one of them did, in the row queue (where they
    // cannot take the worker slots single validations are fetched into).
    const flakyIds = rows.filter((r) => r.account_last4 === '5555').map((r) => r.id).sort();
    assert.equal(flakyIds.length, flaky);
    const states = ['completed', 'failed', 'delayed', 'prioritized', 'waiting', 'active'] as const;
    const ownJobs = (await api.rowQueue.getJobs([...states])).map((j) => j.id!).sort();
    t.diagnostic(`${ownJobs.length} rows handed off to their own jobs`);
    assert.deepEqual(ownJobs, flakyIds.map(validationJobId));
    assert.equal((await api.queue.getJobs([...states])).length, 0, 'a batch row had a job in the single validations’ queue');
  });

  it('keeps a slow batch’s partner calls within WORKER_CONCURRENCY, claims half as many ahead, and reports them', T, async () => {
    const gauge = async (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'm').exec(await worker.metrics.metrics())?.[1] ?? Number.NaN);
    const places = worker.config.worker.concurrency;
    const ahead = defaultClaimsAhead(places);
    ctx.sim.setLatency(150);
    try {
      const batchId = await submit(ctx, api, apiKey, accounts(2 * SLICE));
      let calls = 0;
      let atPartner = 0;
      let inFlight = 0;
      let sawWaiting = false;
      await eventually(async () => {
        calls = Math.max(calls, await gauge('payval_worker_partner_calls_in_flight'));
        atPartner = Math.max(atPartner, ctx.sim.inFlight());
        inFlight = Math.max(inFlight, await gauge('payval_worker_validations_in_flight'));
        sawWaiting ||= (await gauge('payval_worker_validations_waiting')) > 0;
        return (await findBatchById(api.db, batchId))?.status === 'completed';
      }, 'the slow batch to complete', 120_000);
      // Two slices (200 rows) taken at once: `places` at the partner, `ahead` more claimed, the rest waiting.
      assert.equal(calls, places, `at most ${calls} partner calls of ${places} places`);
      assert.ok(atPartner <= places, `${atPartner} calls at the partner at once, ${places} places`);
      assert.equal(inFlight, places + ahead, `${inFlight} in flight, ${places} call and ${ahead} claim places`);
      assert.ok(sawWaiting, 'the slices’ other rows never waited for a place');
      assert.equal(await gauge('payval_worker_validations_in_flight'), 0);
      assert.equal(await gauge('payval_worker_partner_calls_in_flight'), 0);
    } finally {
      ctx.sim.setLatency(0);
    }
  });

  it('requeues a batch row only when no live slice holds it', T, async () => {
    // Fed by hand through an API-only stack, so the slices stay queued.
    const sCtx = await createTestContext({ BATCH_FAIR_SLICE_ROWS: String(SLICE) });
    try {
      const sApi = await sCtx.start({ ROLE: 'api' });
      const { apiKey: key } = await sCtx.createTenant('Swept');
      const batchId = await submit(sCtx, sApi, key, accounts(230));
      const redis = sCtx.redis;
      const feeder = handFeeder(sCtx, sApi, 200_000);
      assert.deepEqual(await feeder(batchId), { outcome: 'done', fed: 230 });
      const ids: string[] = await sApi.db('validations').where({ batch_id: batchId }).orderBy('id').pluck('id');
      const deps = { db: sApi.db, redis, queue: sApi.queue, sliceQueue: sApi.sliceQueue, rowQueue: sApi.rowQueue };
      const future = new Date(Date.now() + 60_000);
      const when = { queuedBefore: future, processingBefore: future };

      // Every row waits in a live slice: nothing to requeue, no job of its own.
      assert.equal((await requeueLost(deps, ids, when)).requeued, 0);
      assert.equal((await sApi.rowQueue.getJobs(['prioritized', 'waiting'])).length, 0);
      const jobs = await sApi.sliceQueue.getJobs(['prioritized']);
      assert.equal(jobs.length, 3);
      assert.ok(jobs.every((j) => (j.priority ?? 0) >= 1), 'slices are prioritized at their rounds');

      // The middle slice is lost: exactly its rows get their own jobs, among bulk work (a priority).
      await sApi.sliceQueue.remove(sliceJobId(batchId, ids[100]!));
      const out = await requeueLost(deps, ids, when);
      assert.equal(out.requeued, 100);
      const own = await sApi.rowQueue.getJobs(['prioritized', 'waiting']);
      assert.deepEqual(own.map((j) => j.id).sort(), ids.slice(100, 200).map(validationJobId).sort());
      assert.ok(own.every((j) => (j.priority ?? 0) >= 1), 'a requeued batch row must stay behind single validations');
      assert.equal((await sApi.queue.getJobs(['prioritized', 'waiting'])).length, 0, 'a batch row was requeued among single validations');
      // Asked again, the requeued rows have their jobs: nothing more.
      assert.equal((await requeueLost(deps, ids, when)).requeued, 0);

      // A handoff under the id of a finished job of the row replaces it (BullMQ would ignore the add).
      const row = ids[150]!;
      const old = await sApi.rowQueue.getJob(validationJobId(row));
      await old!.remove();
      await sApi.rowQueue.add('validate', { validationId: row }, { jobId: validationJobId(row) });
      // Recorded as failed the way BullMQ keeps a failed job: its hash, and its id in the failed set only.
      await redis.lrem(sApi.rowQueue.keys.wait!, 0, validationJobId(row));
      await redis.zadd(sApi.rowQueue.keys.failed!, Date.now(), validationJobId(row));
      await enqueueHandoffs(redis, sApi.rowQueue, [{ validationId: row, delayMs: 60_000, priority: 3 }]);
      assert.equal(await (await sApi.rowQueue.getJob(validationJobId(row)))?.getState(), 'delayed');
    } finally {
      await sCtx.close();
    }
  });

  it('stops feeding while the row queue holds maxWaiting parked rows, and goes on once they are gone', T, async () => {
    // During a partner outage every fed row parks in the row queue as a job of its own; the feeder must
    // not move the whole batch into Redis that way.
    const sCtx = await createTestContext({ BATCH_FAIR_SLICE_ROWS: String(SLICE) });
    try {
      const sApi = await sCtx.start({ ROLE: 'api' });
      const { apiKey: key } = await sCtx.createTenant('Parked');
      const batchId = await submit(sCtx, sApi, key, accounts(150));
      const redis = sCtx.redis;
      const maxWaiting = 1000;
      const feeder = handFeeder(sCtx, sApi, maxWaiting);
      const parked = Array.from({ length: maxWaiting }, (_, i) => ({ validationId: `val_PARKED${String(i).padStart(20, '0')}`, delayMs: 600_000, priority: 1 }));
      await enqueueHandoffs(redis, sApi.rowQueue, parked);
      assert.deepEqual(await feeder(batchId), { outcome: 'no-room', fed: 0 });
      assert.equal(await sApi.sliceQueue.count(), 0, 'a slice was fed past the bound');
      assert.equal((await findBatchById(sApi.db, batchId))?.feedCursor ?? null, null);

      // One parked row fewer than the bound: room again, and the whole batch is fed.
      await sApi.rowQueue.remove(validationJobId(parked[0]!.validationId));
      assert.deepEqual(await feeder(batchId), { outcome: 'done', fed: 150 });
      assert.equal((await sApi.sliceQueue.getJobs(['prioritized'])).length, 2);
    } finally {
      await sCtx.close();
    }
  });
});
