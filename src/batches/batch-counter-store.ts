// A batch's row counts, kept on COUNTER_SHARDS rows of `batch_counter_shards` so workers finishing
// rows of one batch do not all wait on one row lock (docs/decisions/0023). Counts are input rows: a
// validation shared by k duplicate rows counts k, on the shard of its id (counter-shard.ts).

import type { Knex } from 'knex';
import type { Db, Trx } from '../platform/db.js';
import type { RowBucket } from './batch-types.js';
import { COUNTER_SHARDS } from './counter-shard.js';

const TABLE = 'batch_counter_shards';

/** Every batch has all its shard rows from the start, so a move always has a row to land on. */
export async function createCounterShards(trx: Db | Trx, batchId: string, now: Date): Promise<void> {
  await trx(TABLE).insert(Array.from({ length: COUNTER_SHARDS }, (_, shard) => ({ batch_id: batchId, shard, updated_at: now })));
}

/** One ingest chunk's accepted rows, per shard, added to `expected`: one statement for the whole chunk. */
export async function addExpectedRows(trx: Trx, batchId: string, perShard: ReadonlyMap<number, number>, now: Date): Promise<void> {
  const touched = [...perShard].filter(([, rows]) => rows > 0);
  if (touched.length === 0) return;
  const cases = touched.map(() => 'WHEN ? THEN ?').join(' ');
  await trx(TABLE)
    .where('batch_id', batchId)
    .whereIn('shard', touched.map(([shard]) => shard))
    .update({ expected: trx.raw(`expected + CASE shard ${cases} ELSE 0 END`, touched.flat()), updated_at: now });
}

/** Activation: every accepted row is queued. */
export async function queueExpectedRows(trx: Trx, batchId: string, now: Date): Promise<void> {
  await trx(TABLE).where('batch_id', batchId).update({ queued: trx.raw('expected'), updated_at: now });
}

/** An upload that never finished: its stored rows were never fed, so all of them count as failed. */
export async function failExpectedRows(trx: Trx, batchId: string, now: Date): Promise<void> {
  await trx(TABLE).where('batch_id', batchId).update({ failed: trx.raw('expected'), queued: 0, processing: 0, completed: 0, updated_at: now });
}

/**
 * Moves `rows` rows of one shard from one bucket to another, in the transaction that changes the
 * validation; the shard row stays locked until it commits. Returns true when this move made the
 * shard final (completed + failed = expected). One move as moveShardDeltas writes a group's.
 */
export async function moveShardRows(trx: Trx, batchId: string, shard: number, from: RowBucket, to: RowBucket, rows: number, now: Date): Promise<boolean> {
  if (from === to || rows === 0) return false;
  const delta = noMoves();
  delta[from] -= rows;
  delta[to] += rows;
  return (await moveShardDeltas(trx, batchId, new Map([[shard, delta]]), now)).includes(shard);
}

/** Net row moves of one shard in one transaction, per bucket (negative: rows left the bucket). */
export type ShardDelta = Record<RowBucket, number>;

export const noMoves = (): ShardDelta => ({ queued: 0, processing: 0, completed: 0, failed: 0 });

const BUCKETS: readonly RowBucket[] = ['queued', 'processing', 'completed', 'failed'];

/**
 * Every move of one batch in a grouped transaction as one UPDATE: each bucket column takes its shard's
 * net delta through `CASE shard`. The statement locks the shard rows in primary-key order, the order
 * every group takes them in. Returns the shards this transaction made final (completed + failed =
 * expected after rows moved into a final bucket): final buckets never shrink, so exactly one
 * transaction sees each shard become final, as with moveShardRows.
 */
export async function moveShardDeltas(trx: Trx, batchId: string, deltas: ReadonlyMap<number, ShardDelta>, now: Date): Promise<number[]> {
  const shards = [...deltas.keys()].sort((a, b) => a - b);
  const sets: string[] = [];
  const bindings: Knex.RawBinding[] = [];
  for (const bucket of BUCKETS) {
    const moved = shards.filter((shard) => deltas.get(shard)![bucket] !== 0);
    if (moved.length === 0) continue;
    sets.push(`${bucket} = ${bucket} + CASE shard ${moved.map(() => 'WHEN ? THEN ?').join(' ')} ELSE 0 END`);
    for (const shard of moved) bindings.push(shard, deltas.get(shard)![bucket]);
  }
  if (sets.length === 0) return [];
  const marks = shards.map(() => '?').join(', ');
  const [result] = (await trx.raw(`UPDATE ${TABLE} SET ${sets.join(', ')}, updated_at = ? WHERE batch_id = ? AND shard IN (${marks})`, [
    ...bindings,
    now,
    batchId,
    ...shards,
  ])) as unknown as [{ affectedRows: number }];
  // Not a count to lose quietly: the rollback keeps the validations' statuses in step with their counts.
  if (result.affectedRows !== shards.length) throw new Error(`batch ${batchId} is missing counter shards`);
  const finalIn = shards.filter((shard) => deltas.get(shard)!.completed + deltas.get(shard)!.failed > 0);
  if (finalIn.length === 0) return [];
  const [rows] = (await trx.raw(`SELECT shard FROM ${TABLE} WHERE batch_id = ? AND shard IN (${finalIn.map(() => '?').join(', ')}) AND completed + failed = expected`, [
    batchId,
    ...finalIn,
  ])) as unknown as [Array<{ shard: number }>];
  return rows.map((r) => Number(r.shard));
}

export interface ShardTotals { expected: number; queued: number; processing: number; completed: number; failed: number }

/** The batch's counts: a consistent (non-locking) read of its shard rows. */
export async function shardTotals(q: Db | Trx, batchId: string): Promise<ShardTotals> {
  const r = await sums(q).where('batch_id', batchId).first();
  return { expected: Number(r?.expected ?? 0), queued: Number(r?.queued ?? 0), processing: Number(r?.processing ?? 0), completed: Number(r?.completed ?? 0), failed: Number(r?.failed ?? 0) };
}

function sums(q: Db | Trx) {
  return q(TABLE).select(
    q.raw('SUM(expected) AS expected'),
    q.raw('SUM(queued) AS queued'),
    q.raw('SUM(processing) AS processing'),
    q.raw('SUM(completed) AS completed'),
    q.raw('SUM(failed) AS failed'),
  );
}

/**
 * The per-batch sums as a derived table for `ids`, aliased `s` (batch_id, queued_rows, processing_rows,
 * completed_rows, failed_rows, counts_updated_at), to LEFT JOIN onto `batches`: read with the batch row
 * in one statement, so a view's counts and status come from one snapshot.
 */
export function countsFor(q: Db | Trx, ids: readonly string[]): Knex.QueryBuilder {
  return q(TABLE)
    .whereIn('batch_id', ids)
    .groupBy('batch_id')
    .select(
      'batch_id',
      q.raw('SUM(queued) AS queued_rows'),
      q.raw('SUM(processing) AS processing_rows'),
      q.raw('SUM(completed) AS completed_rows'),
      q.raw('SUM(failed) AS failed_rows'),
      q.raw('MAX(updated_at) AS counts_updated_at'),
    )
    .as('s');
}

/**
 * `processing` batches whose every accepted row is final and whose counts have not moved for
 * `quietMs`: their completion check was lost (a crash between a shard's commit and the check). Cost:
 * one pass over the processing batches' shard rows (16 each), by primary key.
 */
export async function finishedProcessingBatches(db: Db, quietSince: Date, limit: number): Promise<string[]> {
  const rows: Array<{ batch_id: string }> = await db(`${TABLE} as s`)
    .join('batches as b', 'b.id', 's.batch_id')
    .where('b.status', 'processing')
    .groupBy('s.batch_id')
    .havingRaw('SUM(s.completed + s.failed) = MAX(b.accepted_rows) AND SUM(s.queued + s.processing) = 0 AND MAX(s.updated_at) < ?', [quietSince])
    .orderBy('s.batch_id')
    .limit(limit)
    .select('s.batch_id');
  return rows.map((r) => r.batch_id);
}
