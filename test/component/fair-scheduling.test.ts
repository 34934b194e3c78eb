// Fair scheduling (issue 12, decision 0024) on the real stack: while tenant A's batch backlogs a
// worker of small concurrency, tenant B's single validations skip the whole backlog and tenant C's
// 100-row batch is interleaved with A's instead of waiting behind it. Bounds are on how many of A's
// rows finish meanwhile (an ordering), not on times. And a lost job requeued by the sweeper or after a
// Redis loss keeps its place: a batch row in the prioritized set, a single validation on the wait list.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import type { Runtime } from '../../src/runtime.js';
import { validationJobId } from '../../src/platform/queues.js';
import { enqueueSlices } from '../../src/platform/slice-queue.js';
import { requeueLost } from '../../src/validations/requeue-lost.js';
import { createTestContext, eventually, bankAccount, type TestContext } from '../helpers/test-stack.js';
import { wipeRedisPrefix } from '../helpers/redis-wipe.js';

const T = { timeout: 240_000 };
const A_ROWS = 4000;
const CONCURRENCY = 2;

/** Distinct account numbers that avoid the sandbox's magic suffixes: each is one plain valid answer. */
const accounts = (n: number): string[] => {
  const stem = randomInt(1_000_000, 9_999_999);
  return Array.from({ length: n }, (_, i) => `${stem}${String(i).padStart(6, '0')}19`);
};

async function finished(rt: Runtime, where: Record<string, unknown>): Promise<number> {
  const [r] = (await rt.db('validations').where(where).whereIn('status', ['completed', 'failed']).count({ n: '*' })) as Array<{ n: number | string }>;
  return Number(r?.n);
}

describe('fair scheduling while one tenant has a large backlog', () => {
  let ctx: TestContext;
  let api: Runtime;
  const keys: Record<'a' | 'b' | 'c', string> = { a: '', b: '', c: '' };
  before(async () => {
    // The smallest queue bound: A's feed keeps the queue full, so C's feed gets in only through the
    // room kept for a tenant with nothing queued past the current round, and A's feed parks while full.
    ctx = await createTestContext({ BREAKER_VOLUME_THRESHOLD: '1000', BATCH_FEED_MAX_WAITING: '1000' });
    api = await ctx.start({ ROLE: 'api' });
    await ctx.start({ ROLE: 'worker', WORKER_CONCURRENCY: String(CONCURRENCY) });
    for (const t of ['a', 'b', 'c'] as const) keys[t] = (await ctx.createTenant(`Tenant ${t.toUpperCase()}`)).apiKey;
    ctx.sim.setLatency(15);
  });
  after(async () => {
    const started = Date.now();
    await ctx.close();
    // Thousands of A's jobs are still queued: closing must not wait for them.
    assert.ok(Date.now() - started < 60_000, `closing the stack took ${Date.now() - started} ms`);
  });

  const batch = async (key: string, n: number): Promise<string> => {
    const items = accounts(n).map((a) => bankAccount(a, { name: 'Priya Nair' }));
    const res = await ctx.http(api).post('/v1/batches').set('Authorization', `Bearer ${key}`).send({ items });
    assert.equal(res.status, 202, res.text);
    return res.body.id as string;
  };

  it('single validations skip A’s backlog, and C’s 100-row batch completes long before A’s', T, async (t) => {
    const batchA = await batch(keys.a, A_ROWS);
    await eventually(async () => (await finished(api, { batch_id: batchA })) >= 100, 'A to be under way', 60_000);
    const aDone = () => finished(api, { batch_id: batchA });

    for (const account of accounts(5)) {
      const before = await aDone();
      const res = await ctx.http(api).post('/v1/validations').set('Authorization', `Bearer ${keys.b}`).send(bankAccount(account));
      assert.equal(res.status, 202, res.text);
      const id = res.body.id as string;
      await eventually(async () => (await finished(api, { id })) === 1, `B's single ${id} to be final`, 60_000);
      const meanwhile = (await aDone()) - before;
      t.diagnostic(`B's single final after ${meanwhile} of A's rows`);
      // Behind A's backlog it would have waited for thousands of rows; ahead of it, for the few in progress.
      assert.ok(meanwhile <= 300, `${meanwhile} of A's rows finished while B's single waited`);
      assert.ok(A_ROWS - (await aDone()) >= 1000, 'A had (almost) drained: the test proves nothing');
    }

    const batchC = await batch(keys.c, 100);
    await eventually(async () => (await api.db('batches').where({ id: batchC }).first('feed_done_at'))?.feed_done_at, "C's feed", 60_000);
    const aAtFeed = await aDone();
    const a = await api.db('batches').where({ id: batchA }).first('feed_done_at');
    assert.equal(a?.feed_done_at, null, "A's feed should still be waiting for room: the test proves nothing about room");
    const c = await eventually(async () => {
      const row = await api.db('batches').where({ id: batchC }).first('status', 'completed_at', 'created_at');
      return row?.status === 'completed' ? row : undefined;
    }, "C's batch to complete", 120_000);
    const aAtC = await aDone();
    t.diagnostic(`C completed ${new Date(c.completed_at).getTime() - new Date(c.created_at).getTime()} ms after its upload; A finished ${aAtC - aAtFeed} rows meanwhile, ${A_ROWS - aAtC} left`);
    // C's one slice is placed at the round A is at: behind at most A's current slice (100 rows) and the jobs in progress.
    assert.ok(aAtC - aAtFeed <= 400, `${aAtC - aAtFeed} of A's rows finished while C's 100 rows waited`);
    assert.ok(A_ROWS - aAtC >= 1000, `A had only ${A_ROWS - aAtC} rows left when C completed`);
  });
});

describe('requeued jobs keep their place', () => {
  let ctx: TestContext;
  let api: Runtime;
  before(async () => {
    ctx = await createTestContext();
    api = await ctx.start({ ROLE: 'api' });
  });
  after(() => ctx.close());

  it('a requeued batch row goes to the row queue at the round bulk work is at, a requeued single to the wait list', T, async () => {
    const { apiKey } = await ctx.createTenant('Requeued');
    const auth = { Authorization: `Bearer ${apiKey}` };
    const single = await ctx.http(api).post('/v1/validations').set(auth).send(bankAccount(accounts(1)[0]!));
    assert.equal(single.status, 202, single.text);
    const items = accounts(3).map((a) => bankAccount(a));
    const res = await ctx.http(api).post('/v1/batches').set(auth).send({ items });
    assert.equal(res.status, 202, res.text);
    const rows: string[] = await api.db('validations').where({ batch_id: res.body.id }).pluck('id');
    assert.equal(rows.length, 3);

    // Redis loses the validation jobs; another tenant's bulk work (slices) is at round 7.
    await wipeRedisPrefix(ctx.redis, `${ctx.env.QUEUE_PREFIX}:validations`);
    await enqueueSlices(api.sliceQueue, [{ batchId: 'other', ids: ['other-a'], priority: 7 }, { batchId: 'other', ids: ['other-b'], priority: 9 }]);
    const future = new Date(Date.now() + 60_000);
    const ids = [single.body.id as string, ...rows];
    const out = await requeueLost({ db: api.db, redis: ctx.redis, queue: api.queue, sliceQueue: api.sliceQueue, rowQueue: api.rowQueue }, ids, { queuedBefore: future, processingBefore: future });
    assert.equal(out.requeued, 4);

    const single_ = await api.queue.getJob(validationJobId(ids[0]!));
    assert.equal(await single_?.getState(), 'waiting');
    assert.ok(!single_?.opts.priority, 'a single validation was requeued with a priority');
    assert.equal(await api.rowQueue.getJob(validationJobId(ids[0]!)), undefined, 'a single validation went to the batch rows’ queue');
    for (const id of rows) {
      assert.equal(await api.queue.getJob(validationJobId(id)), undefined, `batch row ${id} took a single validation’s place`);
      const job = await api.rowQueue.getJob(validationJobId(id));
      assert.equal(await job?.getState(), 'prioritized', `batch row ${id}`);
      assert.equal(job?.priority, 7, `batch row ${id} requeued at round ${job?.priority}`);
    }
  });
});
