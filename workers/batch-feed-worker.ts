import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../src/platform/logger.js';
import { BATCH_FEED_QUEUE, type BatchFeedJobData } from '../src/platform/queues.js';
import { jittered } from '../src/platform/queue-backpressure.js';
import type { BatchFeeder } from '../src/batches/batch-feeder.js';
import { parkJob } from './park-job.js';

export type BatchFeedWorker = Worker<BatchFeedJobData, void, 'feed'>;

/** How long a feed without room stays parked before it asks again (jittered, so feeds take turns). */
const NO_ROOM_POLL_MS = 500;
/** A feed parked because its process is stopping: another process (or this one, restarted) resumes it. */
const STOPPING_PARK_MS = 1000;

/**
 * Thin processor around the batch feeder. A feed run never waits inside its job: when the queue has no
 * room for its tenant, when it has used its time slice, or when the worker is closing, the job is
 * parked in `delayed` (no attempt spent) and resumes from the batch's cursor. So two slots per process
 * serve any number of batches in turn, and closing the worker never waits for a queue to drain.
 */
export function startBatchFeedWorker(connection: Redis, feeder: BatchFeeder, logger: Logger, opts: { prefix: string; lockMs: number }): BatchFeedWorker {
  let closing = false;
  const worker = new Worker<BatchFeedJobData, void, 'feed'>(
    BATCH_FEED_QUEUE,
    async (job, token) => {
      const run = await feeder(job.data.batchId, {
        keepAlive: async () => {
          await job.updateProgress(Date.now());
        },
        stopping: () => closing,
      });
      if (run.outcome === 'done') return;
      const delayMs = closing ? STOPPING_PARK_MS : run.outcome === 'no-room' ? jittered(NO_ROOM_POLL_MS) : 0;
      await parkJob(job, delayMs, token);
    },
    { connection, prefix: opts.prefix, concurrency: 2, lockDuration: opts.lockMs, maxStalledCount: 2 },
  );
  worker.on('closing', () => {
    closing = true;
  });
  worker.on('failed', (job, err) => logger.warn({ batchId: job?.data.batchId, reason: err.message }, 'batch feed attempt failed'));
  worker.on('error', (err) => logger.error({ err }, 'batch feed worker error'));
  return worker;
}
