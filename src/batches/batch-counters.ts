import type { Defer, Trx } from '../platform/db.js';
import type { StatusChangeHook } from '../validations/process-validation.js';
import type { BatchCompletion } from './batch-completion.js';
import { moveShardRows } from './batch-counter-store.js';
import { shardOf } from './counter-shard.js';

/** Runs in the transaction that completed the batch (records its `batch.completed` event). */
export type BatchCompletedHook = (trx: Trx, batchId: string, defer: Defer) => Promise<void>;

/**
 * Keeps a batch's per-row counts in step with its validations: a validation shared by k duplicate
 * rows moves k rows, on its own counter shard, in the worker's claim/finalise transaction, so counts
 * are exact and workers finishing other validations of the batch mostly lock other shard rows. The move
 * that makes its shard final asks, once committed, whether the whole batch is done.
 */
export function batchCountersHook(completion: Pick<BatchCompletion, 'completeIfFinished'>): StatusChangeHook {
  return async (trx, v, from, to, defer) => {
    const batchId = v.batchId;
    if (!batchId || from === to) return;
    const shardFinal = await moveShardRows(trx, batchId, shardOf(v.id), from, to, v.batchRowCount, new Date());
    if (shardFinal) defer(async () => void (await completion.completeIfFinished(batchId)));
  };
}
