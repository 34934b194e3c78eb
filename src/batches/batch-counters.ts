import type { Logger } from '../platform/logger.js';
import type { Defer, Trx } from '../platform/db.js';
import type { StatusChangeHook } from '../validations/process-validation.js';
import { moveBatchRows } from './batch-store.js';

/** Runs in the transaction that completed the batch (records its `batch.completed` event). */
export type BatchCompletedHook = (trx: Trx, batchId: string, defer: Defer) => Promise<void>;

/**
 * Keeps a batch's per-row counts in step with its validations: a validation shared by k duplicate
 * rows moves k rows. Runs in the worker's claim/finalise transaction (the batch row is locked by the
 * UPDATE until commit), so counts are exact however many workers finish rows at once.
 */
export function batchCountersHook(logger: Logger, onCompleted?: BatchCompletedHook): StatusChangeHook {
  return async (trx, v, from, to, defer) => {
    if (!v.batchId || from === to) return;
    const completed = await moveBatchRows(trx, v.batchId, from, to, v.batchRowCount);
    if (!completed) return;
    logger.info({ batchId: v.batchId }, 'batch completed');
    await onCompleted?.(trx, v.batchId, defer);
  };
}
