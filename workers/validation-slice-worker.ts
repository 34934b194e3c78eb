import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../src/platform/logger.js';
import { VALIDATION_SLICE_QUEUE, type ValidationSliceJobData } from '../src/platform/slice-queue.js';
import type { RetryPolicy } from '../src/validations/retry-policy.js';
import type { SliceProcessor } from '../src/validations/process-slice.js';
import { validationWorkerSettings } from './validation-worker.js';

export type ValidationSliceWorker = Worker<ValidationSliceJobData, void, 'validate-slice'>;

export interface ValidationSliceWorkerOptions {
  prefix: string;
  /** Slice jobs at once; their rows share the process's row limit (see sliceSlots). */
  slots: number;
  lockMs: number;
  stalledIntervalMs: number;
  retry: RetryPolicy;
}

/**
 * Slice jobs held at once for `concurrency` rows in flight: twice as many slices as fill the rows, so
 * a slice whose last rows wait on a slow partner call does not leave row capacity idle, and few enough
 * that a process takes only a few slices ahead of other tenants' rounds.
 */
export const sliceSlots = (concurrency: number, sliceRows: number): number => Math.max(2, Math.ceil((2 * concurrency) / sliceRows));

/** Thin BullMQ processor for slice jobs; the rows' decisions belong to process-slice.ts. */
export function startValidationSliceWorker(connection: Redis, processSlice: SliceProcessor, logger: Logger, opts: ValidationSliceWorkerOptions): ValidationSliceWorker {
  const worker = new Worker<ValidationSliceJobData, void, 'validate-slice'>(
    VALIDATION_SLICE_QUEUE,
    async (job: Job<ValidationSliceJobData, void, 'validate-slice'>) => {
      const outcome = await processSlice(job.data.validationIds, job.opts.priority ?? 1);
      logger.debug({ batchId: job.data.batchId, ...outcome }, 'validation slice done');
    },
    validationWorkerSettings(connection, { ...opts, concurrency: opts.slots }, { completed: 1000, failed: 10_000 }),
  );
  worker.on('failed', (job, err) => {
    if (job) logger.warn({ batchId: job.data.batchId, rows: job.data.validationIds.length, attemptsMade: job.attemptsMade, reason: err.message }, 'validation slice attempt failed');
  });
  worker.on('error', (err) => logger.error({ err }, 'validation slice worker error'));
  return worker;
}
