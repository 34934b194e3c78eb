import type { Redis } from 'ioredis';
import type { Db } from '../platform/db.js';
import type { Logger } from '../platform/logger.js';
import { jobPresence } from '../platform/job-presence.js';
import { batchFeedJobId, enqueueBatchFeed, type BatchFeedQueue } from '../platform/queues.js';
import { failUnfinishedUpload } from './batch-abort.js';
import type { BatchCompletion } from './batch-completion.js';

/** The API enqueues a feed right after the batch turns `processing`; give that enqueue time to land. */
const FEED_ENQUEUE_GRACE_MS = 5000;

const ABANDONED_MESSAGE = 'The upload stopped before every row was read.';

export const FEED_RESTARTED_MESSAGE = 'sweeper restarted a stalled batch feed';

/**
 * Batch duties of the sweeper leader:
 * - a batch whose feed job is gone (Redis emptied, enqueue failed after ingest, feed job failed for
 *   good) while its feed is unfinished gets a new feed job; the feeder resumes from its stored
 *   cursor. Judged by the feed job itself, not by the batch's `updated_at`: workers finishing the
 *   rows already fed keep that fresh, which used to hide a lost feed for as long as they ran;
 * - an upload stuck in `accepting` (the API process died mid-upload) is failed, with its rows;
 * - a batch whose rows are all final but which nobody completed (its completion check, run after the
 *   commit that finished its last counter shard, was lost with its worker) is completed.
 */
export function createBatchSweep(deps: { db: Db; redis: Redis; feedQueue: BatchFeedQueue; logger: Logger; abandonedAfterMs: number; completion: BatchCompletion }) {
  const { db, logger } = deps;

  async function restartLostFeeds(now = Date.now()): Promise<number> {
    const ids: string[] = await db('batches')
      .where({ status: 'processing' })
      .whereNull('feed_done_at')
      .where((w) => w.whereNotNull('feed_cursor').orWhere('updated_at', '<', new Date(now - FEED_ENQUEUE_GRACE_MS)))
      .orderBy('id')
      .limit(1000)
      .pluck('id');
    const presence = await jobPresence(deps.redis, deps.feedQueue, ids.map(batchFeedJobId));
    let restarted = 0;
    for (const batchId of ids) {
      const state = presence.get(batchFeedJobId(batchId));
      if (state === 'live') continue;
      if (state === 'finished') await deps.feedQueue.remove(batchFeedJobId(batchId)).catch(() => undefined);
      await enqueueBatchFeed(deps.feedQueue, batchId);
      restarted++;
      logger.warn({ batchId, feedJob: state }, FEED_RESTARTED_MESSAGE);
    }
    return restarted;
  }

  /** Fails uploads left in `accepting` for longer than abandonedAfterMs; returns how many it failed. */
  async function failAbandonedUploads(now = Date.now()): Promise<number> {
    const cutoff = new Date(now - deps.abandonedAfterMs);
    const abandoned: string[] = await db('batches')
      .where({ status: 'accepting' })
      .where('updated_at', '<', cutoff)
      .limit(100)
      .pluck('id');
    let failed = 0;
    for (const batchId of abandoned) {
      // The upload may have moved on (stored a chunk, or finished) since the query: then it is left alone.
      if (!(await failUnfinishedUpload(db, batchId, 'batch.upload_interrupted', ABANDONED_MESSAGE, { notUpdatedSince: cutoff }))) continue;
      failed++;
      logger.warn({ batchId }, 'sweeper failed an abandoned batch upload');
    }
    return failed;
  }

  return { restartLostFeeds, failAbandonedUploads, completeFinishedBatches: () => deps.completion.completeFinishedBatches() };
}

export type BatchSweep = ReturnType<typeof createBatchSweep>;
