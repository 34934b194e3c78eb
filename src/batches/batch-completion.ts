import { withTransactionThen, type Db } from '../platform/db.js';
import type { Logger } from '../platform/logger.js';
import type { BatchCompletedHook } from './batch-counters.js';
import { finishedProcessingBatches, shardTotals } from './batch-counter-store.js';

/** Counts this still after the last move leave a finished `processing` batch to the sweeper: its own check was lost. */
const LOST_CHECK_QUIET_MS = 5000;

/**
 * Completes a batch once every accepted row is final — exactly once, with its `batch.completed` event
 * recorded in the completing transaction (docs/decisions/0023).
 *
 * `completeIfFinished` runs after the commit of each move that made a counter shard final (at most
 * one per shard), and from the sweeper. It locks the batch row by primary key, so checks of one batch
 * take turns and the status test and update are decided once; its sums are a consistent read of the
 * shard rows taken after that, which includes every commit that ran its check before it. The check
 * after the last shard's commit therefore sees every shard final. No worker holds a shard row while
 * waiting for the batch row, so the two locks never wait on each other in a cycle.
 */
export function createBatchCompletion(deps: { db: Db; logger: Logger; onCompleted?: BatchCompletedHook }) {
  const { db, logger } = deps;

  async function completeIfFinished(batchId: string): Promise<boolean> {
    return withTransactionThen(
      db,
      async (trx, defer) => {
        const batch = await trx('batches').where({ id: batchId }).forUpdate().first('status', 'accepted_rows');
        if (batch?.status !== 'processing') return false;
        const t = await shardTotals(trx, batchId);
        const accepted = Number(batch.accepted_rows);
        if (t.completed + t.failed !== accepted || t.expected !== accepted) return false;
        const now = new Date();
        await trx('batches').where({ id: batchId }).update({ status: 'completed', completed_at: now, updated_at: now });
        logger.info({ batchId }, 'batch completed');
        await deps.onCompleted?.(trx, batchId, defer);
        return true;
      },
      (err) => logger.warn({ err, batchId }, 'after-commit task failed'),
    );
  }

  /**
   * Sweeper duty: completes `processing` batches whose rows are all final but which nobody completed
   * (a worker died between committing a shard's last move and running the check). Returns how many.
   */
  async function completeFinishedBatches(now = Date.now(), limit = 100): Promise<number> {
    let completed = 0;
    for (const batchId of await finishedProcessingBatches(db, new Date(now - LOST_CHECK_QUIET_MS), limit)) {
      if (!(await completeIfFinished(batchId))) continue;
      completed++;
      logger.warn({ batchId }, 'sweeper completed a batch whose completion check was lost');
    }
    return completed;
  }

  return { completeIfFinished, completeFinishedBatches };
}

export type BatchCompletion = ReturnType<typeof createBatchCompletion>;
