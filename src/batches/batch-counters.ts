import type { Defer, Trx } from '../platform/db.js';
import type { StatusChange, StatusChangeHook } from '../validations/status-change-hook.js';
import type { BatchCompletion } from './batch-completion.js';
import { moveShardRows } from './batch-counter-store.js';
import { shardOf } from './counter-shard.js';

/** Runs in the transaction that completed the batch (records its `batch.completed` event). */
export type BatchCompletedHook = (trx: Trx, batchId: string, defer: Defer) => Promise<void>;

interface ShardMove { batchId: string; shard: number; from: StatusChange['from']; to: StatusChange['to']; rows: number }

/**
 * Keeps a batch's per-row counts in step with its validations: a validation shared by k duplicate
 * rows moves k rows, on its own counter shard, in the worker's claim/finalise transaction, so counts
 * are exact and workers finishing other validations of the batch mostly lock other shard rows. The move
 * that makes its shard final asks, once committed, whether the whole batch is done.
 *
 * A grouped transaction's changes (`many`) become one move per batch, shard and transition, taken in
 * (batch, shard) order: one UPDATE where the group has many rows of a shard, and the same lock order
 * in every group, so concurrent groups never deadlock on the counter rows.
 */
export function batchCountersHook(completion: Pick<BatchCompletion, 'completeIfFinished'>): StatusChangeHook {
  const move = async (trx: Trx, m: ShardMove, now: Date, defer: Defer) => {
    const shardFinal = await moveShardRows(trx, m.batchId, m.shard, m.from, m.to, m.rows, now);
    if (shardFinal) defer(async () => void (await completion.completeIfFinished(m.batchId)));
  };
  const hook: StatusChangeHook = async (trx, v, from, to, defer) => {
    if (!v.batchId || from === to) return;
    await move(trx, { batchId: v.batchId, shard: shardOf(v.id), from, to, rows: v.batchRowCount }, new Date(), defer);
  };
  hook.many = async (trx, changes, defer) => {
    const moves = new Map<string, ShardMove>();
    for (const { v, from, to } of changes) {
      if (!v.batchId || from === to) continue;
      const shard = shardOf(v.id);
      const key = `${v.batchId}\u0000${String(shard).padStart(3, '0')}\u0000${from}\u0000${to}`;
      const m = moves.get(key) ?? { batchId: v.batchId, shard, from, to, rows: 0 };
      m.rows += v.batchRowCount;
      moves.set(key, m);
    }
    const now = new Date();
    const ordered = [...moves.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [, m] of ordered) await move(trx, m, now, defer);
  };
  return hook;
}
