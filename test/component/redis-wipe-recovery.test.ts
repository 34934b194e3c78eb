// Recovery after Redis is emptied (docs/decisions/0014-recovery-after-redis-loss.md): a wipe in the
// middle of a batch is noticed within seconds whatever SWEEPER_STUCK_AFTER_MS says, the lost jobs come
// back in pages of 1,000, the lost batch feed restarts, and every row ends final exactly once with one
// charge. Rows that workers are finishing — mid-call when Redis is wiped, or completing while a sweep
// looks at them — are neither requeued nor reported as lost.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import type { Runtime } from '../../src/runtime.js';
import { validationJobId } from '../../src/platform/queues.js';
import { jobPresence } from '../../src/platform/job-presence.js';
import { rowsInLiveSlices } from '../../src/platform/slice-index.js';
import { findBatchById } from '../../src/batches/batch-store.js';
import { sliceSlots } from '../../workers/validation-slice-worker.js';
import { createTestContext, eventually, bankAccount, type TestContext } from '../helpers/test-stack.js';
import { wipeRedisPrefix } from '../helpers/redis-wipe.js';

const T = { timeout: 180_000 };
const SWEEPER_REQUEUED = 'sweeper re-enqueued validations that had lost their job';

/** Distinct account numbers that avoid the sandbox's magic suffixes, so each is one plain valid answer. */
const accounts = (n: number): string[] => Array.from({ length: n }, (_, i) => `${randomInt(10_000_000, 99_999_999)}${String(i).padStart(5, '0')}19`);

type LogLine = { msg: string; time: number; [k: string]: unknown };
const logLines = (ctx: TestContext, msg: string): LogLine[] =>
  ctx.logs.lines.map((l) => JSON.parse(l) as LogLine).filter((l) => l.msg === msg);
const requeuedInWarnings = (ctx: TestContext): number => logLines(ctx, SWEEPER_REQUEUED).reduce((n, l) => n + Number(l.requeued), 0);

/** The id of the first recovery run whose pass started after `since`. */
const runStartedAfter = (ctx: TestContext, since: number): string | undefined =>
  logLines(ctx, 'recovery pass started: checking every unfinished validation for a job').find((l) => l.time >= since)?.run as string | undefined;

async function count(rt: Runtime, where: (q: ReturnType<Runtime['db']>) => unknown): Promise<number> {
  const q = rt.db('validations');
  where(q);
  const [r] = (await q.count({ n: '*' })) as Array<{ n: number | string }>;
  return Number(r?.n);
}

/** An API runtime, two worker runtimes and a tenant on a fresh context. */
async function stack(overrides: Record<string, string>) {
  const ctx = await createTestContext({
    // Ten minutes: only the marker can explain a recovery that starts within seconds.
    SWEEPER_STUCK_AFTER_MS: '600000',
    PARTNER_CALL_TIMEOUT_MS: '3000',
    ...overrides,
  });
  const api = await ctx.start({ ROLE: 'api' });
  const workers = [await ctx.start({ ROLE: 'worker' }), await ctx.start({ ROLE: 'worker' })];
  const { apiKey } = await ctx.createTenant('Wiped');
  ctx.sim.setLatency(15);
  const submit = async (n: number): Promise<string> => {
    const items = accounts(n).map((a) => bankAccount(a, { name: 'Priya Nair' }));
    const res = await ctx.http(api).post('/v1/batches').set('Authorization', `Bearer ${apiKey}`).send({ items });
    assert.equal(res.status, 202, res.text);
    return res.body.id as string;
  };
  const batchRow = async (id: string) => (await findBatchById(api.db, id))!;
  return { ctx, api, workers, submit, batchRow };
}

/** The batch completed, every row completed once and charged once. */
async function assertCompletedOnce(s: Awaited<ReturnType<typeof stack>>, batchId: string, n: number): Promise<void> {
  const done = await eventually(async () => {
    const b = await s.batchRow(batchId);
    return b.status === 'completed' ? b : undefined;
  }, 'the batch to complete', 150_000);
  assert.equal(done.completedRows, n);
  assert.equal(done.failedRows, 0);
  assert.ok(done.feedDoneAt, 'the feed never finished');
  const rows: Array<{ id: string; status: string }> = await s.api.db('validations').where({ batch_id: batchId }).select('id', 'status');
  assert.equal(rows.length, n);
  for (const r of rows) {
    assert.equal(r.status, 'completed');
    assert.equal(s.ctx.sim.chargesFor(r.id), 1, `validation ${r.id} charged ${s.ctx.sim.chargesFor(r.id)} times`);
  }
  assert.equal(s.ctx.sim.stats().referencesChargedMoreThanOnce, 0);
}

describe('Redis emptied in the middle of a batch', () => {
  it('is noticed within seconds, requeued in pages of 1,000, and every row ends final once with one charge', T, async (t) => {
    const s = await stack({});
    try {
      const { ctx, api, workers } = s;
      assert.equal(workers[0]!.config.sweeper.stuckAfterMs, 600_000);
      const batchId = await s.submit(6000);
      await eventually(async () => (await s.batchRow(batchId)).completedRows >= 1000, 'a thousand rows completed', 60_000);
      const deleted = await ctx.flushRedis();
      const wipedAt = Date.now();
      // Batch rows wait a slice (100 rows) per job: tens of slice jobs, not thousands of row jobs.
      assert.ok(deleted > 10, `only ${deleted} keys wiped`);
      assert.ok((await s.batchRow(batchId)).feedDoneAt, 'the whole batch should have been fed before the wipe');
      // The rows that lost their job: still queued, and no job in Redis, neither their own nor a slice's
      // (the rows of slices a worker holds in memory and has not claimed yet are among them).
      const queued: string[] = await api.db('validations').where({ batch_id: batchId, status: 'queued' }).pluck('id');
      const inSlices = await rowsInLiveSlices(ctx.redis, api.sliceQueue, queued.map((id) => ({ id, batchId })));
      const own = await jobPresence(ctx.redis, api.rowQueue, queued.map(validationJobId));
      const lost = queued.filter((id) => !inSlices.has(id) && own.get(validationJobId(id)) === 'missing').length;
      const unfinished = await count(api, (q) => q.where({ batch_id: batchId }).whereIn('status', ['queued', 'processing']));
      t.diagnostic(`wiped ${deleted} keys; ${lost} queued rows lost their job; ${unfinished} unfinished`);
      assert.ok(lost >= 1000, `only ${lost} rows were waiting when Redis was wiped`);

      await assertCompletedOnce(s, batchId, 6000);
      t.diagnostic(`batch completed ${((Date.now() - wipedAt) / 1000).toFixed(1)} s after the wipe`);

      // Noticed by the marker within seconds, not after SWEEPER_STUCK_AFTER_MS.
      const started = logLines(ctx, 'recovery pass started: checking every unfinished validation for a job').find((l) => l.time >= wipedAt);
      assert.ok(started, 'no recovery pass started');
      const delay = started.time - wipedAt;
      t.diagnostic(`first recovery pass ${delay} ms after the wipe`);
      assert.ok(delay < 15_000, `recovery started ${delay} ms after the wipe`);

      // In bulk: pages of 1,000 ids (one Redis round trip each to look for their jobs), few passes.
      const finished = await eventually(async () => logLines(ctx, 'recovery of lost validation jobs finished').find((l) => l.run === started.run), 'the recovery run to finish', 60_000);
      t.diagnostic(`recovery: ${JSON.stringify(finished)}`);
      const passes = Number(finished.passes);
      assert.ok(passes >= 1 && passes <= 3, `${passes} passes`);
      // Per pass, each scope (this batch's processing rows, then its queued rows) takes ceil(rows / 1000) pages.
      assert.ok(Number(finished.pages) <= passes * (Math.ceil(unfinished / 1000) + 1), `${finished.pages} pages for ${unfinished} rows`);

      // Counted: exactly the rows that had no job, less those a worker had taken just before the wipe
      // (each worker holds the rows of the slices it has taken: its slice slots × the slice size).
      const requeued = Number(finished.requeued);
      const cfg = workers[0]!.config;
      const inMemory = workers.length * sliceSlots(cfg.worker.concurrency, cfg.batches.fairSliceRows) * cfg.batches.fairSliceRows;
      t.diagnostic(`requeued ${requeued} of ${lost} lost`);
      assert.ok(requeued <= lost && requeued >= lost - inMemory, `requeued ${requeued}, lost ${lost}`);
      assert.equal(requeuedInWarnings(ctx), requeued, 'a lost-job warning counted rows the recovery did not requeue');
    } finally {
      await s.ctx.close();
    }
  });

  it('restarts a batch feed lost with it at once, and rows below the feed cursor get their jobs back', T, async (t) => {
    // A small window keeps the feeder mid-way through the batch when Redis goes.
    const s = await stack({ BATCH_FEED_MAX_WAITING: '1000' });
    try {
      const { ctx } = s;
      const batchId = await s.submit(4000);
      await eventually(async () => (await s.batchRow(batchId)).completedRows >= 500, '500 rows completed', 60_000);
      await ctx.flushRedis();
      const wipedAt = Date.now();
      const atWipe = await s.batchRow(batchId);
      assert.equal(atWipe.feedDoneAt, null, 'the feeder should still have been feeding');
      t.diagnostic(`feed cursor at the wipe: ${atWipe.feedCursor}; ${atWipe.completedRows} rows complete`);

      await assertCompletedOnce(s, batchId, 4000);
      const restart = logLines(ctx, 'sweeper restarted a stalled batch feed').find((l) => l.batchId === batchId && l.time >= wipedAt);
      assert.ok(restart, 'the lost feed was never restarted by the sweeper');
      t.diagnostic(`feed restarted ${restart.time - wipedAt} ms after the wipe`);
      assert.ok(restart.time - wipedAt < 15_000, `the feed restarted ${restart.time - wipedAt} ms after the wipe`);
      const run = runStartedAfter(ctx, wipedAt);
      const finished = await eventually(async () => logLines(ctx, 'recovery of lost validation jobs finished').find((l) => l.run === run), 'the recovery run to finish', 60_000);
      assert.ok(Number(finished.requeued) > 0, 'no fed row below the cursor was requeued');
    } finally {
      await s.ctx.close();
    }
  });
});

describe('rows that workers are finishing', () => {
  it('are not reported as lost again: with two worker processes sweeping, each lost row is requeued and counted once', T, async (t) => {
    const ctx = await createTestContext();
    try {
      const api = await ctx.start({ ROLE: 'api' });
      const { apiKey } = await ctx.createTenant('Racing');
      const created: string[] = [];
      const all = accounts(600);
      for (let i = 0; i < all.length; i += 50) {
        const bodies = all.slice(i, i + 50).map((a) => bankAccount(a));
        const replies = await Promise.all(bodies.map((b) => ctx.http(api).post('/v1/validations').set('Authorization', `Bearer ${apiKey}`).send(b)));
        for (const r of replies) {
          assert.equal(r.status, 202, r.text);
          created.push(r.body.id as string);
        }
      }
      // Every job lost, and every row stale as far as any sweeper can tell. No worker holds any of them.
      await ctx.flushRedis();
      await api.db('validations').whereIn('id', created).update({ updated_at: new Date(Date.now() - 3_600_000) });
      ctx.sim.setLatency(5);
      await ctx.start({ ROLE: 'worker' });
      await ctx.start({ ROLE: 'worker' });
      await eventually(async () => (await count(api, (q) => q.whereIn('id', created).where('status', 'completed'))) === created.length, 'every validation to complete', 120_000);
      // Give both sweepers time to look again at rows whose new jobs have just completed.
      await new Promise((r) => setTimeout(r, 3000));
      for (const id of created) assert.equal(ctx.sim.callsFor(id), 1, `validation ${id} called ${ctx.sim.callsFor(id)} times`);
      const warned = logLines(ctx, SWEEPER_REQUEUED);
      t.diagnostic(`lost-job warnings: ${warned.length}, rows counted: ${requeuedInWarnings(ctx)} of ${created.length}`);
      assert.equal(requeuedInWarnings(ctx), created.length, 'rows counted as lost more than once, or rows that were being finished counted as lost');
      assert.ok(warned.length <= 10, `${warned.length} warnings for one loss: log a summary, not rows`);
    } finally {
      await ctx.close();
    }
  });

  it('are neither called twice nor requeued when Redis is wiped mid-call', T, async () => {
    // Calls outlast the recovery's first pass (about 3 s after the wipe) by a wide margin.
    const ctx = await createTestContext({ SWEEPER_STUCK_AFTER_MS: '600000', PARTNER_CALL_TIMEOUT_MS: '12000' });
    try {
      const api = await ctx.start({ ROLE: 'api' });
      const worker = await ctx.start({ ROLE: 'worker' });
      const { apiKey } = await ctx.createTenant('MidCall');
      ctx.sim.setLatency(8000);
      const ids: string[] = [];
      for (const a of accounts(6)) {
        const r = await ctx.http(api).post('/v1/validations').set('Authorization', `Bearer ${apiKey}`).send(bankAccount(a));
        assert.equal(r.status, 202, r.text);
        ids.push(r.body.id as string);
      }
      await eventually(async () => ids.every((id) => ctx.sim.callsFor(id) === 1), 'every partner call to be in flight', 30_000);
      // Let the first tick write the marker, so that the wipe is what the sweeper notices.
      await eventually(async () => (await ctx.redis.exists(`${ctx.env.QUEUE_PREFIX}:sweeper:epoch`)) === 1, 'the sweeper marker');
      const wipedAt = Date.now();
      await ctx.flushRedis();
      for (const id of ids) assert.equal(await worker.queue.getJob(validationJobId(id)), undefined);

      await eventually(async () => (await count(api, (q) => q.whereIn('id', ids).where('status', 'completed'))) === ids.length, 'the in-flight rows to complete', 60_000);
      // The run the wipe started left the rows alone (a live worker holds them), looked again once
      // they were older than the longest attempt, found them final, and ended.
      const run = await eventually(async () => runStartedAfter(ctx, wipedAt), 'a recovery run after the wipe', 30_000);
      const deferred = logLines(ctx, 'recovery pass done; rows too recent to requeue are checked again later').find((l) => l.run === run);
      assert.ok(deferred && Number(deferred.deferredProcessing) === ids.length, `the in-flight rows were not deferred: ${JSON.stringify(deferred)}`);
      const finished = await eventually(async () => logLines(ctx, 'recovery of lost validation jobs finished').find((l) => l.run === run), 'the recovery run to finish', 60_000);
      assert.equal(Number(finished.requeued), 0);
      for (const id of ids) {
        assert.equal(ctx.sim.callsFor(id), 1, 'a row mid-call was called again');
        const row = await api.db('validations').where({ id }).first();
        assert.equal(Number(row.attempts), 1);
      }
      assert.equal(logLines(ctx, SWEEPER_REQUEUED).length, 0);
    } finally {
      await ctx.close();
    }
  });
});

describe('a Redis that lost the queue but kept the marker (restored from an old snapshot)', () => {
  it('is noticed by the queue sitting idle while MySQL holds unfinished rows, long before SWEEPER_STUCK_AFTER_MS', T, async (t) => {
    const ctx = await createTestContext({ SWEEPER_STUCK_AFTER_MS: '600000' });
    try {
      const api = await ctx.start({ ROLE: 'api' });
      const { apiKey } = await ctx.createTenant('Restored');
      // A worker writes the marker (a first start runs one recovery pass), then stops: the
      // validations below are queued with nobody consuming them.
      const first = await ctx.start({ ROLE: 'worker' });
      await eventually(async () => logLines(ctx, 'recovery of lost validation jobs finished').length > 0, 'the first start\'s recovery run to end');
      await first.stop();
      const ids: string[] = [];
      for (const a of accounts(10)) {
        const r = await ctx.http(api).post('/v1/validations').set('Authorization', `Bearer ${apiKey}`).send(bankAccount(a));
        assert.equal(r.status, 202, r.text);
        ids.push(r.body.id as string);
      }
      // Only the validation queue goes; the marker stays, as in a Redis restored from a snapshot.
      await wipeRedisPrefix(ctx.redis, `${ctx.env.QUEUE_PREFIX}:validations`);
      assert.equal(await ctx.redis.exists(`${ctx.env.QUEUE_PREFIX}:sweeper:epoch`), 1, 'the marker should survive');
      for (const id of ids) assert.equal(await api.queue.getJob(validationJobId(id)), undefined);

      const startedAt = Date.now();
      await ctx.start({ ROLE: 'worker' });
      await eventually(async () => (await count(api, (q) => q.whereIn('id', ids).where('status', 'completed'))) === ids.length, 'the lost validations to complete', 60_000);
      t.diagnostic(`recovered ${Date.now() - startedAt} ms after the worker started`);
      const run = logLines(ctx, 'recovery pass started: checking every unfinished validation for a job').find((l) => l.time >= startedAt);
      assert.equal(run?.reason, 'queue-idle', 'the recovery was not triggered by the idle queue');
      assert.equal(logLines(ctx, 'Redis lost its data (sweeper marker missing): recovering every unfinished validation from MySQL').filter((l) => l.time >= startedAt).length, 0);
      for (const id of ids) assert.equal(ctx.sim.callsFor(id), 1);
    } finally {
      await ctx.close();
    }
  });
});
