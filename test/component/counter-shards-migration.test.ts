// The counter-shard migration on a database that already has batches in every state: finished ones
// keep their counts, unfinished ones are re-counted per shard from their validations (so the moves
// still to come land on rows that hold them), the reads return what the old columns said, and the
// migration goes down and up again cleanly.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createDb, dropDatabase, ensureDatabase, type Db } from '../../src/platform/db.js';
import { findBatchById } from '../../src/batches/batch-store.js';
import { moveShardRows } from '../../src/batches/batch-counter-store.js';
import { COUNTER_SHARDS, shardOf } from '../../src/batches/counter-shard.js';

const MYSQL_BASE = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
const MIGRATION = '20261129000001_batch_counter_shards.ts';
const url = `${MYSQL_BASE}/payval_test_${randomBytes(5).toString('hex')}`;
let db: Db;

const nameOf = (m: unknown): string => (typeof m === 'string' ? m : ((m as { file?: string; name?: string }).file ?? (m as { name: string }).name));

async function upTo(name: string): Promise<void> {
  for (;;) {
    const [, pending] = (await db.migrate.list()) as [unknown[], unknown[]];
    const next = pending[0];
    assert.ok(next, `${name} is not pending`);
    if (nameOf(next) === name.replace(/\.ts$/, '') || nameOf(next) === name) return;
    await db.migrate.up();
  }
}

type Bucket = 'queued' | 'processing' | 'completed' | 'failed';
/** The running batch's validations: [id, status, rows]. */
const RUNNING: Array<[string, Bucket, number]> = [
  ['val_run_01', 'completed', 2],
  ['val_run_02', 'failed', 1],
  ['val_run_03', 'processing', 1],
  ...Array.from({ length: 12 }, (_, i): [string, Bucket, number] => [`val_run_q${String(i).padStart(2, '0')}`, 'queued', 1 + (i % 2)]),
];
const rowsIn = (b: Bucket) => RUNNING.filter(([, s]) => s === b).reduce((n, [, , r]) => n + r, 0);
const OLD = {
  bat_done: { status: 'completed', accepted_rows: 5, queued_rows: 0, processing_rows: 0, completed_rows: 4, failed_rows: 1 },
  bat_aborted: { status: 'failed', accepted_rows: 3, queued_rows: 0, processing_rows: 0, completed_rows: 0, failed_rows: 3 },
  bat_run: { status: 'processing', accepted_rows: RUNNING.reduce((n, [, , r]) => n + r, 0), queued_rows: rowsIn('queued'), processing_rows: rowsIn('processing'), completed_rows: rowsIn('completed'), failed_rows: rowsIn('failed') },
  bat_upload: { status: 'accepting', accepted_rows: 4, queued_rows: 0, processing_rows: 0, completed_rows: 0, failed_rows: 0 },
};

before(async () => {
  await ensureDatabase(url);
  db = createDb(url, 2);
  await upTo(MIGRATION);
  const now = new Date();
  await db('tenants').insert({ id: 'ten_old', name: 'Old', status: 'active', created_at: now });
  for (const [id, b] of Object.entries(OLD)) {
    await db('batches').insert({ id, tenant_id: 'ten_old', source: 'csv', total_rows: b.accepted_rows, created_at: now, updated_at: now, ...b });
  }
  const validation = (id: string, batchId: string, status: Bucket, rows: number) => ({
    id, tenant_id: 'ten_old', type: 'vpa', rail: 'UPI', status, vpa: 'a@okaxis', account_blind_index: id.padEnd(64, '0'), attempts: 0,
    batch_id: batchId, batch_row_count: rows, created_at: now, updated_at: now,
  });
  await db('validations').insert([
    ...RUNNING.map(([id, status, rows]) => validation(id, 'bat_run', status, rows)),
    ...['val_up_1', 'val_up_2', 'val_up_3'].map((id, i) => validation(id, 'bat_upload', 'queued', i === 0 ? 2 : 1)),
  ]);
});

after(async () => {
  await db?.destroy();
  await dropDatabase(url).catch(() => undefined);
});

const shardsOf = async (batchId: string) => (await db('batch_counter_shards').where({ batch_id: batchId }).orderBy('shard')) as Array<Record<string, number>>;
const columnsOf = async (table: string): Promise<string[]> => Object.keys(await db(table).columnInfo());

describe('the counter-shard migration', () => {
  it('gives every batch its 16 shard rows, with the counts the old columns had', async () => {
    await db.migrate.up();
    assert.ok(!(await columnsOf('batches')).includes('queued_rows'));
    for (const [id, old] of Object.entries(OLD)) {
      assert.equal((await shardsOf(id)).length, COUNTER_SHARDS, id);
      const b = (await findBatchById(db, id))!;
      assert.deepEqual(
        { queued: b.queuedRows, processing: b.processingRows, completed: b.completedRows, failed: b.failedRows },
        { queued: old.queued_rows, processing: old.processing_rows, completed: old.completed_rows, failed: old.failed_rows },
        id,
      );
    }
    const done = await shardsOf('bat_done');
    assert.deepEqual([Number(done[0]!.expected), Number(done[0]!.completed), Number(done[0]!.failed)], [5, 4, 1]);
    assert.ok(done.slice(1).every((s) => Number(s.expected) === 0));
  });

  it('re-counts an unfinished batch per shard (MySQL\'s CRC32 = shardOf), so its remaining moves land', async () => {
    const want = new Map<number, Record<string, number>>();
    for (const [id, status, rows] of RUNNING) {
      const s = want.get(shardOf(id)) ?? { expected: 0, queued: 0, processing: 0, completed: 0, failed: 0 };
      s.expected! += rows;
      s[status]! += rows;
      want.set(shardOf(id), s);
    }
    for (const s of await shardsOf('bat_run')) {
      const { shard, expected, queued, processing, completed, failed } = s;
      assert.deepEqual(
        { expected: Number(expected), queued: Number(queued), processing: Number(processing), completed: Number(completed), failed: Number(failed) },
        want.get(Number(shard)) ?? { expected: 0, queued: 0, processing: 0, completed: 0, failed: 0 },
        `shard ${shard}`,
      );
    }
    // An upload still accepting: its rows are expected, none queued until activation.
    const upload = await shardsOf('bat_upload');
    assert.equal(upload.reduce((n, s) => n + Number(s.expected), 0), 4);
    assert.equal(upload.reduce((n, s) => n + Number(s.queued), 0), 0);
    assert.equal(Number(upload[shardOf('val_up_1')]!.expected) >= 2, true);
    // Every row of the running batch can still move (an unsigned column would refuse a move from a bucket that lacks it).
    const undo = new Error('undo the moves');
    await db.transaction(async (trx) => {
      for (const [id, status, rows] of RUNNING) {
        if (status === 'queued') await moveShardRows(trx, 'bat_run', shardOf(id), 'queued', 'processing', rows, new Date());
        if (status === 'queued' || status === 'processing') await moveShardRows(trx, 'bat_run', shardOf(id), 'processing', 'completed', rows, new Date());
      }
      const b = (await findBatchById(trx, 'bat_run'))!;
      assert.deepEqual([b.queuedRows, b.processingRows, b.completedRows + b.failedRows], [0, 0, OLD.bat_run.accepted_rows]);
      throw undo;
    }).catch((err: unknown) => {
      if (err !== undo) throw err;
    });
  });

  it('goes down (the sums back on the batch row) and up again', async () => {
    await db.migrate.down();
    for (const [id, old] of Object.entries(OLD)) {
      const row = await db('batches').where({ id }).first('queued_rows', 'processing_rows', 'completed_rows', 'failed_rows');
      assert.deepEqual(
        [row.queued_rows, row.processing_rows, row.completed_rows, row.failed_rows].map(Number),
        [old.queued_rows, old.processing_rows, old.completed_rows, old.failed_rows],
        id,
      );
    }
    assert.ok(!(await db.schema.hasTable('batch_counter_shards')));
    await db.migrate.up();
    assert.equal((await shardsOf('bat_run')).length, COUNTER_SHARDS);
  });
});
