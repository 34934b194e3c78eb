import { UnrecoverableError, Worker, type Job, type WorkerOptions } from 'bullmq';
import { parkJob } from './park-job.js';
import type { Redis } from 'ioredis';
import type { Logger } from '../src/platform/logger.js';
import { VALIDATION_QUEUE, type VALIDATION_ROW_QUEUE, type ValidationJobData } from '../src/platform/queues.js';
import { retryDelayMs, type RetryPolicy } from '../src/validations/retry-policy.js';
import type { ValidationProcessor } from '../src/validations/process-validation.js';
import type { AttemptGates } from '../src/platform/row-limiter.js';

export type ValidationWorker = Worker<ValidationJobData, void, 'validate'>;

export interface ValidationWorkerOptions {
  prefix: string;
  concurrency: number;
  lockMs: number;
  stalledIntervalMs: number;
  retry: RetryPolicy;
  /** Claim and partner-call places in this process, shared with the batch slices (platform/row-limiter.ts). */
  gates: AttemptGates;
  /**
   * VALIDATION_QUEUE: single validations, which go ahead of waiting batch rows for every place.
   * VALIDATION_ROW_QUEUE: batch rows with a job of their own, which wait their turn.
   */
  queueName: typeof VALIDATION_QUEUE | typeof VALIDATION_ROW_QUEUE;
}

/**
 * BullMQ's `payval` backoff: the retry policy, or a partner's later hint of when to try again. A
 * handed-off batch row counts the attempt its slice made (`attemptsBefore`), so its delays go on growing.
 */
export function payvalBackoff(retry: RetryPolicy) {
  return (attemptsMade: number, _type?: string, err?: Error, job?: { data?: unknown }): number => {
    const hinted = (err as { retryAfterMs?: number } | undefined)?.retryAfterMs;
    const before = Number((job?.data as { attemptsBefore?: unknown } | undefined)?.attemptsBefore ?? 0) || 0;
    const computed = retryDelayMs(attemptsMade + before, retry);
    return hinted ? Math.max(hinted, computed) : computed;
  };
}

/**
 * What every validation worker (per-row or slice) sets the same way. Lock and stall settings are
 * explicit so a BullMQ upgrade cannot silently change how fast a crashed worker's job is redelivered.
 */
export function validationWorkerSettings(
  connection: Redis,
  o: { prefix: string; concurrency: number; lockMs: number; stalledIntervalMs: number; retry: RetryPolicy },
  keep: { completed: number; failed: number },
): WorkerOptions {
  return {
    connection,
    prefix: o.prefix,
    concurrency: o.concurrency,
    lockDuration: o.lockMs,
    stalledInterval: o.stalledIntervalMs,
    maxStalledCount: 1,
    removeOnComplete: { age: 3600, count: keep.completed },
    removeOnFail: { age: 7 * 24 * 3600, count: keep.failed },
    settings: { backoffStrategy: payvalBackoff(o.retry) },
  };
}

/** Thin BullMQ processor: the use case owns the decisions. */
export function startValidationWorker(connection: Redis, processor: ValidationProcessor, logger: Logger, opts: ValidationWorkerOptions): ValidationWorker {
  const urgent = opts.queueName === VALIDATION_QUEUE;
  const stopping = (): boolean => Boolean(worker.closing);
  const worker = new Worker<ValidationJobData, void, 'validate'>(
    opts.queueName,
    async (job: Job<ValidationJobData, void, 'validate'>, token?: string) => {
      const attempts = job.opts.attempts ?? 1;
      const finalAttempt = job.attemptsMade + 1 >= attempts;
      const outcome = await opts.gates.run((places) => processor.process(job.data.validationId, { finalAttempt, places, stopping }), urgent);
      // Parked, not failed: waiting for a partner to recover (or a pending check, or another
      // validation's call of the same payee) never exhausts the retries.
      if (outcome.kind === 'wait') await parkJob(job, outcome.delayMs, token);
      logger.debug({ validationId: job.data.validationId, outcome: outcome.kind }, 'validation job done');
    },
    validationWorkerSettings(connection, opts, { completed: 10_000, failed: 50_000 }),
  );
  worker.on('failed', (job, err) => {
    if (!job) return;
    const level = err instanceof UnrecoverableError ? 'warn' : 'info';
    logger[level]({ validationId: job.data.validationId, attemptsMade: job.attemptsMade, reason: err.message }, 'validation job attempt failed');
  });
  worker.on('error', (err) => logger.error({ err }, 'validation worker error'));
  return worker;
}
