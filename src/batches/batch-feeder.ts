import type { Db } from '../platform/db.js';
import type { Logger } from '../platform/logger.js';
import { enqueueValidations, type ValidationQueue } from '../platform/queues.js';
import { waitForQueueRoom } from '../platform/queue-backpressure.js';
import { advanceFeed, findBatchById } from './batch-store.js';

/**
 * Enqueues a batch's validations after its upload finished, 1,000 per `addBulk`, resuming from the
 * cursor stored on the batch (so a feeder killed half-way, or re-run by the sweeper, neither skips
 * nor doubles work: job ids are deterministic). When the queue already holds `maxWaiting` jobs it
 * waits, bounding Redis memory for million-row batches.
 */
export function createBatchFeeder(deps: { db: Db; queue: ValidationQueue; logger: Logger; maxWaiting: number; pageSize?: number }) {
  const pageSize = deps.pageSize ?? 1000;

  return async function feed(batchId: string, keepAlive: () => Promise<void> = async () => undefined): Promise<number> {
    const batch = await findBatchById(deps.db, batchId);
    if (!batch || batch.status !== 'processing' || batch.feedDoneAt) return 0;
    let cursor = batch.feedCursor;
    let fed = 0;
    for (;;) {
      const q = deps.db('validations').where('batch_id', batchId).orderBy('id').limit(pageSize).pluck('id');
      if (cursor) q.where('id', '>', cursor);
      const ids: string[] = await q;
      if (ids.length === 0) break;
      await waitForQueueRoom(deps.queue, deps.maxWaiting, keepAlive);
      await enqueueValidations(deps.queue, ids, 10_000);
      cursor = ids[ids.length - 1]!;
      fed += ids.length;
      await advanceFeed(deps.db, batchId, cursor, false);
      await keepAlive();
    }
    await advanceFeed(deps.db, batchId, cursor, true);
    deps.logger.info({ batchId, fed }, 'batch fed to the validation queue');
    return fed;
  };
}

export type BatchFeeder = ReturnType<typeof createBatchFeeder>;
