import type { Logger } from '../platform/logger.js';
import type { Defer, Trx } from '../platform/db.js';
import type { StatusChange, StatusChangeHook } from '../validations/status-change-hook.js';
import { moveBatchRows } from './batch-store.js';

/** Runs in the transaction that completed the batch (records its `batch.completed` event). */
export type BatchCompletedHook = (trx: Trx, batchId: string, defer: Defer) => Promise<void>;

/**
 * Keeps a batch's per-row counts in step with its validations: a validation shared by k duplicate
 * rows moves k rows. Runs in the worker's claim/finalise transaction (the batch row is locked by the
 * UPDATE until commit), so counts are exact however many workers finish rows at once.
 */
export function batchCountersHook(logger: Logger, onCompleted?: BatchCompletedHook): StatusChangeHook {
  const move = async (trx: Trx, batchId: string, from: StatusChange['from'], to: StatusChange['to'], rows: number, defer: Defer) => {
    if (!(await moveBatchRows(trx, batchId, from, to, rows))) return;
    logger.info({ batchId }, 'batch completed');
    await onCompleted?.(trx, batchId, defer);
  };
  const hook: StatusChangeHook = async (trx, v, from, to, defer) => {
    if (!v.batchId || from === to) return;
    await move(trx, v.batchId, from, to, v.batchRowCount, defer);
  };
  // A group's changes as one move per batch and transition, batches in id order: one UPDATE where the
  // group has many rows of a batch, and the same lock order in every group.
  hook.many = async (trx, changes, defer) => {
    const moves = new Map<string, { batchId: string; from: StatusChange['from']; to: StatusChange['to']; rows: number }>();
    for (const { v, from, to } of changes) {
      if (!v.batchId || from === to) continue;
      const key = `${v.batchId}\u0000${from}\u0000${to}`;
      const m = moves.get(key) ?? { batchId: v.batchId, from, to, rows: 0 };
      m.rows += v.batchRowCount;
      moves.set(key, m);
    }
    const ordered = [...moves.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, m]) => m);
    for (const m of ordered) await move(trx, m.batchId, m.from, m.to, m.rows, defer);
  };
  return hook;
}
