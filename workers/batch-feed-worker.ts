import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../src/platform/logger.js';
import { BATCH_FEED_QUEUE, type BatchFeedJobData } from '../src/platform/queues.js';
import type { BatchFeeder } from '../src/batches/batch-feeder.js';

export type BatchFeedWorker = Worker<BatchFeedJobData, void, 'feed'>;

/** Thin processor around the batch feeder; two feeds at a time per process is plenty. */
export function startBatchFeedWorker(connection: Redis, feeder: BatchFeeder, logger: Logger, opts: { prefix: string; lockMs: number }): BatchFeedWorker {
  const worker = new Worker<BatchFeedJobData, void, 'feed'>(
    BATCH_FEED_QUEUE,
    async (job) => {
      await feeder(job.data.batchId, async () => {
        await job.updateProgress(Date.now());
      });
    },
    { connection, prefix: opts.prefix, concurrency: 2, lockDuration: opts.lockMs, maxStalledCount: 2 },
  );
  worker.on('failed', (job, err) => logger.warn({ batchId: job?.data.batchId, reason: err.message }, 'batch feed attempt failed'));
  worker.on('error', (err) => logger.error({ err }, 'batch feed worker error'));
  return worker;
}
