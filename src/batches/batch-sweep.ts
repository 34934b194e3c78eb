import type { Db } from '../platform/db.js';
import type { Logger } from '../platform/logger.js';
import { batchFeedJobId, enqueueBatchFeed, type BatchFeedQueue } from '../platform/queues.js';
import type { SweepTask } from '../validations/validation-sweeper.js';
import { failBatch, findStalledFeeds } from './batch-store.js';
import { abortBatchValidations } from './batch-abort.js';

const LIVE = new Set(['waiting', 'active', 'delayed', 'prioritized']);

/**
 * Batch duties of the sweeper:
 * - a batch whose feeder stopped (job lost with Redis, enqueue failed after ingest) gets a new feed
 *   job; the feeder resumes from its stored cursor;
 * - an upload stuck in `accepting` (the API process died mid-upload) is failed, with its rows.
 */
export function batchSweepTask(deps: { db: Db; feedQueue: BatchFeedQueue; logger: Logger; stuckAfterMs: number; abandonedAfterMs: number }): SweepTask {
  return async () => {
    for (const batchId of await findStalledFeeds(deps.db, new Date(Date.now() - deps.stuckAfterMs), 100)) {
      const job = await deps.feedQueue.getJob(batchFeedJobId(batchId));
      const state = job ? await job.getState() : 'missing';
      if (LIVE.has(state)) continue;
      if (job) await job.remove().catch(() => undefined);
      await enqueueBatchFeed(deps.feedQueue, batchId);
      deps.logger.warn({ batchId }, 'sweeper restarted a stalled batch feed');
    }
    const abandoned: string[] = await deps.db('batches')
      .where({ status: 'accepting' })
      .where('updated_at', '<', new Date(Date.now() - deps.abandonedAfterMs))
      .limit(100)
      .pluck('id');
    for (const batchId of abandoned) {
      await failBatch(deps.db, batchId, 'batch.upload_interrupted', 'The upload stopped before every row was read.');
      await abortBatchValidations(deps.db, batchId);
      deps.logger.warn({ batchId }, 'sweeper failed an abandoned batch upload');
    }
  };
}
