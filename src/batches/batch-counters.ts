import type { Logger } from '../platform/logger.js';
import type { StatusChangeHook } from '../validations/process-validation.js';
import { moveBatchRows } from './batch-store.js';

/**
 * Keeps a batch's per-row counts in step with its validations: a validation shared by k duplicate
 * rows moves k rows. Runs in the worker's claim/finalise transaction (the batch row is locked by the
 * UPDATE until commit), so counts are exact however many workers finish rows at once.
 */
export function batchCountersHook(logger: Logger): StatusChangeHook {
  return async (trx, v, from, to) => {
    if (!v.batchId || from === to) return;
    const completed = await moveBatchRows(trx, v.batchId, from, to, v.batchRowCount);
    if (completed) logger.info({ batchId: v.batchId }, 'batch completed');
  };
}
