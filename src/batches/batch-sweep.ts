import type { Redis } from 'ioredis';
import type { Db } from '../platform/db.js';
import type { Logger } from '../platform/logger.js';
import { jobPresence } from '../platform/job-presence.js';
import { batchFeedJobId, enqueueBatchFeed, type BatchFeedQueue } from '../platform/queues.js';
import { failBatch } from './batch-store.js';
import { abortBatchValidations } from './batch-abort.js';

/** The API enqueues a feed right after the batch turns `processing`; give that enqueue time to land. */
const FEED_ENQUEUE_GRACE_MS = 5000;

export const FEED_RESTARTED_MESSAGE = 'sweeper restarted a stalled batch feed';

/**
 * Batch duties of the sweeper leader:
 * - a batch whose feed job is gone (Redis emptied, enqueue failed after ingest, feed job failed for
 *   good) while its feed is unfinished gets a new feed job; the feeder resumes from its stored
 *   cursor. Judged by the feed job itself, not by the batch's `updated_at`: workers finishing the
 *   rows already fed keep that fresh, which used to hide a lost feed for as long as they ran;
 * - an upload stuck in `accepting` (the API process died mid-upload) is failed, with its rows.
 */
export function createBatchSweep(deps: { db: Db; redis: Redis; feedQueue: BatchFeedQueue; logger: Logger; abandonedAfterMs: number }) {
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

  async function failAbandonedUploads(now = Date.now()): Promise<number> {
    const abandoned: string[] = await db('batches')
      .where({ status: 'accepting' })
      .where('updated_at', '<', new Date(now - deps.abandonedAfterMs))
      .limit(100)
      .pluck('id');
    for (const batchId of abandoned) {
      await failBatch(db, batchId, 'batch.upload_interrupted', 'The upload stopped before every row was read.');
      await abortBatchValidations(db, batchId);
      logger.warn({ batchId }, 'sweeper failed an abandoned batch upload');
    }
    return abandoned.length;
  }

  return { restartLostFeeds, failAbandonedUploads };
}

export type BatchSweep = ReturnType<typeof createBatchSweep>;
