import type { Defer, Trx } from '../platform/db.js';
import type { StatusChange, StatusChangeHook } from '../validations/status-change-hook.js';
import type { BatchCompletion } from './batch-completion.js';
import { moveShardDeltas, noMoves, type ShardDelta } from './batch-counter-store.js';
import { shardOf } from './counter-shard.js';
import type { RowBucket } from './batch-types.js';

/** Runs in the transaction that completed the batch (records its `batch.completed` event). */
export type BatchCompletedHook = (trx: Trx, batchId: string, defer: Defer) => Promise<void>;

/** Pure: a group's changes as net row moves per batch and shard (rows of other statuses are not counted). */
export function shardDeltas(changes: readonly StatusChange[]): Map<string, Map<number, ShardDelta>> {
  const byBatch = new Map<string, Map<number, ShardDelta>>();
  for (const { v, from, to } of changes) {
    if (!v.batchId || from === to) continue;
    const shards = byBatch.get(v.batchId) ?? new Map<number, ShardDelta>();
    byBatch.set(v.batchId, shards);
    const shard = shardOf(v.id);
    const d = shards.get(shard) ?? noMoves();
    shards.set(shard, d);
    d[from as RowBucket] -= v.batchRowCount;
    d[to as RowBucket] += v.batchRowCount;
  }
  return byBatch;
}

/**
 * Keeps a batch's per-row counts in step with its validations: a validation shared by k duplicate
 * rows moves k rows, on its own counter shard, in the worker's claim/finalise transaction, so counts
 * are exact and workers finishing other validations of the batch mostly lock other shard rows.
 *
 * A grouped transaction's changes (`many`) become one UPDATE per batch carrying every shard's net
 * moves (batch-counter-store.ts moveShardDeltas), batches in id order and shards in key order, so
 * concurrent groups never deadlock on the counter rows and a group pays one statement per batch, not
 * one per shard. When a shard became final, the batch is asked once, after commit, whether it is done.
 */
export function batchCountersHook(completion: Pick<BatchCompletion, 'completeIfFinished'>): StatusChangeHook {
  const many = async (trx: Trx, changes: readonly StatusChange[], defer: Defer): Promise<void> => {
    const byBatch = shardDeltas(changes);
    const now = new Date();
    for (const batchId of [...byBatch.keys()].sort()) {
      const finalShards = await moveShardDeltas(trx, batchId, byBatch.get(batchId)!, now);
      if (finalShards.length > 0) defer(async () => void (await completion.completeIfFinished(batchId)));
    }
  };
  const hook: StatusChangeHook = (trx, v, from, to, defer) => many(trx, [{ v, from, to }], defer);
  hook.many = many;
  return hook;
}
