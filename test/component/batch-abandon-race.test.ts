import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import knex, { type Knex } from 'knex';
import type { Runtime } from '../../src/runtime.js';
import type { Logger } from '../../src/platform/logger.js';
import { createRedis } from '../../src/platform/redis.js';
import { createBatchFeedQueue, enqueueBatchFeed, type BatchFeedQueue } from '../../src/platform/queues.js';
import { createIdempotencyStore } from '../../src/platform/idempotency.js';
import { createFieldCipher } from '../../src/platform/field-cipher.js';
import { createBlindIndexer } from '../../src/platform/blind-index.js';
import { newId } from '../../src/platform/ids.js';
import { createTenantSettings } from '../../src/tenants/tenant-settings.js';
import { createBatchService } from '../../src/batches/batch-service.js';
import { createBatchIngestor, type IngestItem } from '../../src/batches/batch-ingestor.js';
import { createBatchSweep } from '../../src/batches/batch-sweep.js';
import { activateBatch, findBatchById, insertBatch } from '../../src/batches/batch-store.js';
import { createBatchCompletion } from '../../src/batches/batch-completion.js';
import { createTestContext, eventually, type TestContext } from '../helpers/test-stack.js';

// A batch activated while its upload is being given up on (issue 11 review). The API's abandon() and
// the sweeper's abandoned-upload pass used to fail the batch's queued rows even when failing the batch
// itself changed nothing because it was already `processing`: its rows were gone from under the feeder,
// its counters never moved again, and it stayed `processing` for ever. Now they fail the rows only when
// they failed the batch; here the batch's rows are still validated and the batch completes.

const ROWS = 20;

let ctx: TestContext;
let api: Runtime;
let tenantId: string;
let keyId: string;
let redis: Redis;
let feedQueue: BatchFeedQueue;

before(async () => {
  ctx = await createTestContext();
  api = await ctx.start({ ROLE: 'api' });
  ({ tenantId, keyId } = await ctx.createTenant('Abandon race'));
  redis = createRedis(ctx.env.REDIS_URL!, 'worker', 'abandon-race');
  feedQueue = createBatchFeedQueue(redis, ctx.env.QUEUE_PREFIX!);
});
after(async () => {
  await feedQueue.close().catch(() => undefined);
  await redis.quit().catch(() => undefined);
  await ctx.close();
});

function deps() {
  const config = ctx.config();
  return {
    db: api.db,
    cipher: createFieldCipher({ keys: config.crypto.keys, activeKeyId: config.crypto.activeKeyId }),
    blindIndex: createBlindIndexer(config.crypto.blindIndexKey),
    idempotency: createIdempotencyStore(api.db, { ...config.idempotency, cipher: api.cipher }),
    settings: createTenantSettings(api.db, { reuseMaxAgeSeconds: 0, nameMatch: config.nameMatch, retentionDays: config.retention.defaultDays }),
    feedQueue,
    maxRows: 1000,
  };
}

/** Bank-account rows the sandbox answers at once (no magic ending). */
async function* payees(): AsyncGenerator<IngestItem> {
  const run = randomBytes(2).readUInt16BE(0) % 9000 + 1000;
  for (let i = 0; i < ROWS; i++) {
    yield { row: i + 2, ok: true, payee: { type: 'bank_account', bank_account: { account_number: `7${run}${String(i).padStart(4, '0')}27`, ifsc: 'HDFC0000001' } }, referenceId: null };
  }
}

async function validationsOf(batchId: string): Promise<Array<{ status: string; failure_code: string | null }>> {
  return api.db('validations').where({ batch_id: batchId }).select('status', 'failure_code');
}

let workers: Runtime | null = null;
/** Workers (feeder and validation) start once the race has been run, so nothing is validated before. */
async function assertCompletes(batchId: string): Promise<void> {
  // Its own sweeper must not find the uploads these tests age by an hour before their sweep runs.
  workers ??= await ctx.start({ ROLE: 'worker', BATCH_UPLOAD_ABANDONED_MS: String(86_400_000) });
  const batch = await eventually(
    async () => {
      const b = await findBatchById(api.db, batchId);
      return b?.status === 'completed' ? b : null;
    },
    'the batch to complete',
    60_000,
  );
  assert.equal(batch.completedRows + batch.failedRows, ROWS);
  const rows = await validationsOf(batchId);
  assert.equal(rows.length, ROWS);
  assert.ok(rows.every((v) => v.status === 'completed'), JSON.stringify(rows.filter((v) => v.status !== 'completed')));
}

describe('a batch activated while its upload is given up on', () => {
  it('the API: an error after activation leaves the activated batch and its rows alone', async () => {
    // Stands in for anything that throws once the batch is activated (a connection lost after COMMIT).
    const logger = Object.create(ctx.logger) as Logger;
    logger.info = ((obj: unknown, msg?: string) => {
      if (msg === 'batch ingested') throw new Error('connection lost after the commit');
      ctx.logger.info(obj as object, msg);
    }) as Logger['info'];
    const service = createBatchService({ ...deps(), logger });
    await assert.rejects(
      service.ingest({ tenantId, keyId, mode: 'test', actor: `api_key:${keyId}` }, 'csv', { referenceId: null, metadata: null }, payees(), { requestId: 'req_abandon_race' }),
      /connection lost after the commit/,
    );
    const batch = await api.db('batches').where({ tenant_id: tenantId }).orderBy('id', 'desc').first();
    assert.equal(batch.status, 'processing');
    assert.deepEqual(
      (await validationsOf(batch.id)).filter((v) => v.status !== 'queued'),
      [],
      'the activated batch\'s rows were failed',
    );
    await assertCompletes(batch.id);
  });

  it('the sweeper: a batch activated between its query and its update is left alone', async () => {
    const batchId = await storedUpload();
    const swept = await whileTheSweeperWaits(batchId, Date.now() + 3_600_000, async (trx) => {
      assert.equal(await activateBatch(trx, batchId), 'processing');
    });
    assert.equal((await api.db('batches').where({ id: batchId }).first()).status, 'processing');
    assert.deepEqual((await validationsOf(batchId)).filter((v) => v.status !== 'queued'), [], 'the activated batch\'s rows were failed');
    assert.equal(swept, 0, 'the sweeper reported failing a batch it did not fail');
    await enqueueBatchFeed(feedQueue, batchId);
    await assertCompletes(batchId);
  });

  it('the sweeper: an upload that stores rows between its query and its update is not failed', async () => {
    const batchId = await storedUpload();
    await api.db('batches').where({ id: batchId }).update({ updated_at: new Date(Date.now() - 3_600_000) });
    // As the ingestor's next chunk does: the batch's counters move and updated_at with them.
    const swept = await whileTheSweeperWaits(batchId, Date.now(), async (trx) => {
      await trx('batches').where({ id: batchId }).update({ updated_at: new Date() });
    });
    assert.equal(swept, 0);
    assert.equal((await api.db('batches').where({ id: batchId }).first()).status, 'accepting');
    assert.deepEqual((await validationsOf(batchId)).filter((v) => v.status !== 'queued'), [], 'the live upload\'s rows were failed');
    assert.equal(await activateBatch(api.db, batchId), 'processing');
    await enqueueBatchFeed(feedQueue, batchId);
    await assertCompletes(batchId);
  });
});

/** A batch still `accepting`, with ROWS stored rows: an upload not yet activated. */
async function storedUpload(): Promise<string> {
  const batchId = newId('bat');
  await insertBatch(api.db, api.cipher, { id: batchId, tenantId, livemode: false, source: 'csv', referenceId: null, metadata: null });
  const ingestor = createBatchIngestor(deps(), { id: batchId, tenantId, livemode: false, maxAgeSeconds: 0 }, { maxRows: 1000, fieldToColumn: (f) => f });
  for await (const item of payees()) await ingestor.add(item);
  await ingestor.finish();
  return batchId;
}

/**
 * Runs the sweeper's abandoned-upload pass at `now` with the batch row locked, so the sweeper (which
 * has already read the batch as abandoned) waits to lock it while `meanwhile` changes the batch the way
 * a live upload would; then lets it go on. Returns how many uploads the sweeper says it failed.
 */
async function whileTheSweeperWaits(batchId: string, now: number, meanwhile: (trx: Knex.Transaction) => Promise<void>): Promise<number> {
  const completion = createBatchCompletion({ db: api.db, logger: ctx.logger });
  const sweep = createBatchSweep({ db: api.db, redis, feedQueue, logger: ctx.logger, abandonedAfterMs: 10_000, completion });
  const locker = knex({ client: 'mysql2', connection: ctx.env.DATABASE_URL!, pool: { min: 1, max: 1 } });
  try {
    const trx = await locker.transaction();
    await trx('batches').where({ id: batchId }).forUpdate().first();
    const swept = sweep.failAbandonedUploads(now);
    await eventually(async () => {
      // Its locking read of the batch (or, in a plain conditional UPDATE, that UPDATE).
      const [rows] = await api.db.raw(
        "SELECT COUNT(*) AS n FROM information_schema.processlist WHERE id <> CONNECTION_ID() AND (info LIKE 'select `status`, `updated_at` from `batches`%for update' OR info LIKE 'update `batches`%batch.upload_interrupted%')",
      );
      return Number(rows[0].n) > 0;
    }, 'the sweeper to wait on the batch row');
    await meanwhile(trx);
    await trx.commit();
    return await swept;
  } finally {
    await locker.destroy();
  }
}
