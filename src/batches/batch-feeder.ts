import type { Db } from '../platform/db.js';
import type { Logger } from '../platform/logger.js';
import type { Redis } from 'ioredis';
import type { Queue } from 'bullmq';
import { heldCount } from '../platform/queue-backpressure.js';
import { slicePriority, sliceCount } from '../platform/fair-share.js';
import { cutSlices, enqueueSlices, type ValidationSliceQueue } from '../platform/slice-queue.js';
import { recordSlices } from '../platform/slice-index.js';
import type { FairShare } from '../platform/fair-share-redis.js';
import { advanceFeed, findBatchById } from './batch-store.js';

/**
 * How a feed run ended. `done`: every row has a job (or the batch needs none). `no-room`: the queue
 * is full and this tenant already has work queued past the head round: come back later. `yielded`:
 * the run used its time slice, or the process is stopping; the rest is for a later run.
 */
export type FeedOutcome = 'done' | 'no-room' | 'yielded';

export interface FeedRunOptions {
  /** Runs after every page (the job's progress). */
  keepAlive?: () => Promise<void>;
  /** True once the process is stopping: the run ends at the next page. */
  stopping?: () => boolean;
}

export interface BatchFeederDeps {
  db: Db;
  /** The producer connection, for the slice index. */
  redis: Redis;
  sliceQueue: ValidationSliceQueue;
  /** Fair-share rounds on the slice queue's prioritized set. */
  fairShare: FairShare;
  /**
   * The row queue (batch rows handed off by their slices, or requeued). What it holds counts against
   * `maxWaiting` too: during a partner outage every fed row parks there as a delayed job of its own, so
   * without this the feeder would move a whole batch into Redis, a job per row.
   */
  rowQueue: Pick<Queue, 'getJobCountByTypes'>;
  logger: Logger;
  /** BATCH_FEED_MAX_WAITING: queued rows (in queued slices) past which a backlogged tenant waits. */
  maxWaiting: number;
  /** Rows per fair-share round and per slice job (BATCH_FAIR_SLICE_ROWS): one tenant's turn between other tenants' turns. */
  sliceRows: number;
  pageSize?: number;
  /** How long one run may feed before it gives its slot to the next feed (several batches, few slots). */
  runMs?: number;
}

/**
 * Enqueues a batch's validations after its upload finished, a page of 1,000 ids at a time, resuming
 * from the cursor stored on the batch (so a run that stops half-way, or a feed re-run by the sweeper,
 * neither skips nor doubles work: job ids are deterministic). Each page is cut into slices of
 * `sliceRows`, one slice job each (slice-queue.ts), and each slice gets the tenant's next fair-share
 * round as its BullMQ priority, so tenants' batches interleave slice by slice. A run
 * never waits inside its job: without room, or after `runMs`, it returns and the feed job is parked
 * (batch-feed-worker.ts), so a few feed slots serve any number of batches in turn.
 */
export function createBatchFeeder(deps: BatchFeederDeps) {
  const pageSize = deps.pageSize ?? 1000;
  const runMs = deps.runMs ?? 1000;
  // The fair-share script counts jobs, and a job here is a slice.
  const maxWaitingSlices = Math.max(1, Math.ceil(deps.maxWaiting / deps.sliceRows));

  return async function feed(batchId: string, opts: FeedRunOptions = {}): Promise<{ outcome: FeedOutcome; fed: number }> {
    const batch = await findBatchById(deps.db, batchId);
    if (!batch || batch.status !== 'processing' || batch.feedDoneAt) return { outcome: 'done', fed: 0 };
    const until = Date.now() + runMs;
    let cursor = batch.feedCursor;
    let fed = 0;
    for (;;) {
      if (opts.stopping?.() || (fed > 0 && Date.now() >= until)) return { outcome: 'yielded', fed };
      const q = deps.db('validations').where('batch_id', batchId).orderBy('id').limit(pageSize).pluck('id');
      if (cursor) q.where('id', '>', cursor);
      const ids: string[] = await q;
      if (ids.length === 0) break;
      if ((await heldCount(deps.rowQueue)) >= deps.maxWaiting) return { outcome: 'no-room', fed };
      const plan = await deps.fairShare.reserve(batch.tenantId, sliceCount(ids.length, deps.sliceRows), maxWaitingSlices);
      if (!plan) return { outcome: 'no-room', fed };
      const slices = cutSlices(batchId, ids, deps.sliceRows, (k) => slicePriority(plan, k));
      // Indexed before they exist, so the sweeper never sees a live slice it cannot find (slice-index.ts).
      await recordSlices(deps.redis, deps.sliceQueue, slices);
      await enqueueSlices(deps.sliceQueue, slices);
      cursor = ids[ids.length - 1]!;
      fed += ids.length;
      await advanceFeed(deps.db, batchId, cursor, false);
      await opts.keepAlive?.();
    }
    await advanceFeed(deps.db, batchId, cursor, true);
    deps.logger.info({ batchId, fed }, 'batch fed to the validation queue');
    return { outcome: 'done', fed };
  };
}

export type BatchFeeder = ReturnType<typeof createBatchFeeder>;
