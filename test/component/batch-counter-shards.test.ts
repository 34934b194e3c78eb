import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import type { Runtime } from '../../src/runtime.js';
import type { Db } from '../../src/platform/db.js';
import { batchCountersHook } from '../../src/batches/batch-counters.js';
import { createBatchCompletion } from '../../src/batches/batch-completion.js';
import { findBatchById } from '../../src/batches/batch-store.js';
import { COUNTER_SHARDS, shardOf } from '../../src/batches/counter-shard.js';
import { lockValidation } from '../../src/validations/validation-store.js';
import { createTestContext, eventually, type TestContext } from '../helpers/test-stack.js';
import { spawnWorkerProcess, type WorkerProcess } from '../helpers/worker-process.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

// Issue 12, "no hot row": a batch's counts live on 16 counter-shard rows (docs/decisions/0023).
// Here: exact counts and one `completed` with several worker processes racing on one batch, no row
// updated by every validation, and a batch whose completion check was lost completed by the sweeper.

const T = { timeout: 240_000 };
const children: WorkerProcess[] = [];
let ctx: TestContext;
let api: Runtime;
let receiver: WebhookReceiver;
let auth: { Authorization: string };

before(async () => {
  ctx = await createTestContext();
  api = await ctx.start({ ROLE: 'api' });
  const t = await ctx.createTenant('Shards');
  auth = { Authorization: `Bearer ${t.apiKey}` };
  // A batch's webhook_url is signed with the tenant's default secret.
  const rotated = await ctx.http(api).post('/v1/webhook-secret/rotate').set(auth).send({});
  assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
  receiver = await startWebhookReceiver([rotated.body.secret as string]);
});
after(async () => {
  await Promise.all(children.map((c) => c.kill('SIGKILL')));
  await receiver.close();
  await ctx.close();
});

/** A 14-digit account number ending in `suffix` (the sandbox decides the outcome from the last 4). */
const account = (suffix: string) => `${randomInt(1_000_000, 9_999_999)}${randomInt(100, 999)}${suffix}`;

async function upload(lines: string[]): Promise<string> {
  const res = await ctx
    .http(api)
    .post(`/v1/batches?webhook_url=${encodeURIComponent(receiver.url)}`)
    .set(auth)
    .set('Content-Type', 'text/csv')
    .send(['account_number,ifsc,reference_id', ...lines].join('\n') + '\n');
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return res.body.id as string;
}

/** Per shard and bucket, the rows the batch's validations stand for, computed by MySQL (CRC32(id) % 16). */
async function countsFromValidations(db: Db, batchId: string): Promise<Map<number, Record<string, number>>> {
  const rows: Array<{ shard: number; status: string; n: string | number }> = await db('validations')
    .where({ batch_id: batchId })
    .groupByRaw(`CRC32(id) % ${COUNTER_SHARDS}, status`)
    .select(db.raw(`CRC32(id) % ${COUNTER_SHARDS} AS shard`), 'status', db.raw('SUM(batch_row_count) AS n'));
  const out = new Map<number, Record<string, number>>();
  for (const r of rows) {
    const s = out.get(Number(r.shard)) ?? { expected: 0, queued: 0, processing: 0, completed: 0, failed: 0 };
    s[r.status] = Number(r.n);
    s.expected! += Number(r.n);
    out.set(Number(r.shard), s);
  }
  return out;
}

async function shardRows(db: Db, batchId: string) {
  return (await db('batch_counter_shards').where({ batch_id: batchId }).orderBy('shard')) as Array<Record<string, number>>;
}

const batchCompletedEvents = async (batchId: string) =>
  Number((await api.db('webhook_events').where({ type: 'batch.completed', object_id: batchId }).count({ n: '*' }))[0]!.n);

/**
 * Counts every UPDATE of a `batches` row and of each counter-shard row (triggers in this test's own
 * database), to show which rows the workers write how often.
 */
async function countRowUpdates(db: Db): Promise<void> {
  await db.raw('CREATE TABLE row_updates (tbl VARCHAR(16) NOT NULL, row_key VARCHAR(48) NOT NULL, n INT NOT NULL, PRIMARY KEY (tbl, row_key))');
  await db.raw(
    "CREATE TRIGGER batches_updates AFTER UPDATE ON batches FOR EACH ROW INSERT INTO row_updates VALUES ('batches', NEW.id, 1) ON DUPLICATE KEY UPDATE n = n + 1",
  );
  await db.raw(
    "CREATE TRIGGER shard_updates AFTER UPDATE ON batch_counter_shards FOR EACH ROW INSERT INTO row_updates VALUES ('shard', CONCAT(NEW.batch_id, ':', NEW.shard), 1) ON DUPLICATE KEY UPDATE n = n + 1",
  );
}

describe('batch counter shards', () => {
  it('two worker processes on one batch: exact counts at every read, shard by shard, and one batch.completed', T, async (t) => {
    await countRowUpdates(api.db);
    const lines: string[] = [];
    const unique = 3000;
    const accounts: string[] = [];
    for (let i = 0; i < unique; i++) {
      // Mostly quick answers; every 250th a sandbox timeout (1111), which fails after its attempts.
      const a = account(i % 250 === 7 ? '1111' : String(6000 + (i % 3000)).padStart(4, '0'));
      accounts.push(a);
      lines.push(`${a},HDFC0000001,r-${i}`);
    }
    for (let i = 0; i < 300; i++) lines.push(`${accounts[i * 9]!},HDFC0000001,dup-${i}`); // rows sharing a validation
    const accepted = lines.length;
    const batchId = await upload(lines);
    const atUpload = await findBatchById(api.db, batchId);
    assert.equal(atUpload!.queuedRows, accepted);
    assert.deepEqual(
      (await shardRows(api.db, batchId)).map((s) => Number(s.queued)),
      (await shardRows(api.db, batchId)).map((s) => Number(s.expected)),
      'activation queued every shard\'s expected rows',
    );

    // The breaker and partner timeouts are not under test: a busy machine must not turn quick answers into failures.
    const env = { ...ctx.env, ROLE: 'worker', WORKER_CONCURRENCY: '32', BREAKER_VOLUME_THRESHOLD: '10000', PARTNER_CALL_TIMEOUT_MS: '1000', LOG_LEVEL: 'info' };
    for (let i = 0; i < 2; i++) children.push(spawnWorkerProcess(env));
    await Promise.all(children.map((c) => c.ready()));

    let reads = 0;
    const final = await eventually(
      async () => {
        const res = await ctx.http(api).get(`/v1/batches/${batchId}`).set(auth);
        assert.equal(res.status, 200);
        const c = res.body.counts;
        reads++;
        assert.equal(c.total, c.rejected + c.queued + c.processing + c.completed + c.failed, JSON.stringify(c));
        return res.body.status === 'completed' ? res.body : undefined;
      },
      'the batch to complete',
      200_000,
    );
    assert.ok(reads > 1);
    const hangingRows = lines.filter((l) => l.split(',')[0]!.endsWith('1111')).length;
    const rowsIn = async (status: string) => Number((await api.db('validations').where({ batch_id: batchId, status }).sum({ n: 'batch_row_count' }))[0]!.n ?? 0);
    const failedRows = await rowsIn('failed');
    assert.ok(failedRows >= hangingRows, `${failedRows} failed rows, ${hangingRows} of them hang at the partner`);
    assert.deepEqual(final.counts, { total: accepted, skipped: 0, rejected: 0, queued: 0, processing: 0, completed: await rowsIn('completed'), failed: failedRows });
    assert.equal(final.counts.completed + final.counts.failed, accepted);

    // Each shard row holds exactly the rows of the validations that hash to it (MySQL's CRC32 = shardOf).
    const truth = await countsFromValidations(api.db, batchId);
    const shards = await shardRows(api.db, batchId);
    assert.equal(shards.length, COUNTER_SHARDS);
    for (const s of shards) {
      const t = truth.get(Number(s.shard)) ?? { expected: 0, completed: 0, failed: 0 };
      assert.deepEqual(
        { expected: Number(s.expected), queued: Number(s.queued), processing: Number(s.processing), completed: Number(s.completed), failed: Number(s.failed) },
        { expected: t.expected, queued: 0, processing: 0, completed: t.completed ?? 0, failed: t.failed ?? 0 },
        `shard ${s.shard}`,
      );
    }
    const some: Array<{ id: string }> = await api.db('validations').where({ batch_id: batchId }).limit(50).select('id');
    for (const v of some) {
      const [[row]] = await api.db.raw(`SELECT CRC32(?) % ${COUNTER_SHARDS} AS shard`, [v.id]);
      assert.equal(Number(row.shard), shardOf(v.id));
    }

    // Exactly once: one completion, one event, delivered once with the final counts.
    assert.equal(await batchCompletedEvents(batchId), 1);
    const delivered = await eventually(async () => receiver.received.find((r) => r.body.includes(batchId)), 'the batch.completed delivery', 30_000);
    assert.deepEqual(JSON.parse(delivered.body).data.counts, final.counts);
    const completedLogs = children.flatMap((c) => c.output().split('\n')).filter((l) => l.includes('"msg":"batch completed"') && l.includes(batchId));
    assert.equal(completedLogs.length, 1, 'the batch was completed more than once');

    // No hot row: the batch row is written per chunk and per feed page, not per validation; each shard
    // row carries about 1/16 of the moves (at most 2 per validation, claim and finalise; fewer when a
    // worker commits several jobs' claims or finals together, which moves a shard's rows in one UPDATE).
    const updates: Array<{ tbl: string; row_key: string; n: number }> = await api.db('row_updates').select();
    const batchUpdates = updates.find((u) => u.tbl === 'batches' && u.row_key === batchId)?.n ?? 0;
    const shardUpdates = updates.filter((u) => u.tbl === 'shard' && u.row_key.startsWith(`${batchId}:`)).map((u) => Number(u.n));
    const moves = shardUpdates.reduce((a, b) => a + b, 0);
    t.diagnostic(`updates of the batch row: ${batchUpdates}; of its shard rows: ${shardUpdates.join(' ')} (${unique} validations, ${reads} reads)`);
    // Ingest chunks, activation, feed pages and the completion: about ten here, 2 × 3,000 + 1 before.
    assert.ok(batchUpdates <= 60, `the batch row was updated ${batchUpdates} times for ${unique} validations`);
    assert.equal(shardUpdates.length, COUNTER_SHARDS);
    assert.ok(moves > 0 && moves <= 2 * unique, `${moves} shard updates for ${unique} validations`);
    assert.ok(Math.max(...shardUpdates) < moves / 8, `one shard row took ${Math.max(...shardUpdates)} of ${moves} updates`);
  });

  it('a finished batch whose completion check was lost (worker died after the commit) is completed by the sweeper, once', T, async () => {
    for (const c of children.splice(0)) await c.kill('SIGKILL');
    const lines = Array.from({ length: 40 }, (_, i) => `${account(String(6100 + i))},HDFC0000001,lost-${i}`);
    const batchId = await upload(lines);
    // Every row finished through the real status hook, but the work it defers to after the commit (the
    // completion check) is dropped, as when the process dies right after COMMIT.
    const dropped: Array<() => Promise<void>> = [];
    const hook = batchCountersHook(createBatchCompletion({ db: api.db, logger: ctx.logger }));
    const ids: string[] = await api.db('validations').where({ batch_id: batchId }).pluck('id');
    for (const id of ids) {
      await api.db.transaction(async (trx) => {
        const v = (await lockValidation(trx, api.cipher, id))!;
        const now = new Date();
        await trx('validations').where({ id }).update({ status: 'failed', failure_code: 'partner.unavailable', completed_at: now, updated_at: now });
        await hook(trx, v, 'queued', 'processing', (task) => dropped.push(task));
        await hook(trx, v, 'processing', 'failed', (task) => dropped.push(task));
      });
    }
    assert.ok(dropped.length >= 1 && dropped.length <= COUNTER_SHARDS, `${dropped.length} checks deferred`);
    const stuck = (await findBatchById(api.db, batchId))!;
    assert.equal(stuck.status, 'processing');
    assert.deepEqual([stuck.queuedRows, stuck.processingRows, stuck.failedRows], [0, 0, 40]);
    assert.equal(await batchCompletedEvents(batchId), 0);

    // A worker's sweeper (leader) finds it once its counts have been still for a few seconds.
    const worker = await ctx.start({ ROLE: 'worker' });
    const done = await eventually(async () => {
      const b = await findBatchById(api.db, batchId);
      return b?.status === 'completed' ? b : undefined;
    }, 'the sweeper to complete the batch', 60_000);
    assert.ok(done.completedAt);
    assert.deepEqual([done.completedRows, done.failedRows], [0, 40]);
    assert.equal(await batchCompletedEvents(batchId), 1);
    const swept = ctx.logs.lines.filter((l) => l.includes('sweeper completed a batch whose completion check was lost') && l.includes(batchId));
    assert.equal(swept.length, 1);
    // Later sweeps, and a late check from the dead worker, change nothing.
    await new Promise((r) => setTimeout(r, 1000));
    for (const task of dropped) await task();
    assert.equal(await batchCompletedEvents(batchId), 1);
    assert.equal(ctx.logs.lines.filter((l) => l.includes('"msg":"batch completed"') && l.includes(batchId)).length, 1);
    await worker.stop();
    ctx.runtimes.splice(ctx.runtimes.indexOf(worker), 1);
  });
});
