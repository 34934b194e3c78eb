import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { withTimeout } from './with-timeout.js';

export const VALIDATION_QUEUE = 'validations';

/** Jobs carry ids only: the account number never leaves MySQL's encrypted column. */
export interface ValidationJobData { validationId: string }

/**
 * Deterministic, so a repeated enqueue (API retry, sweeper) of a live job is a no-op. BullMQ refuses ':'
 * in custom ids, hence the dash.
 */
export const validationJobId = (validationId: string): string => `validation-${validationId}`;

export type ValidationQueue = Queue<ValidationJobData, void, 'validate'>;

export function createValidationQueue(
  connection: Redis,
  prefix: string,
  attempts: number,
  onError: (err: Error) => void = () => undefined,
): ValidationQueue {
  const queue = new Queue<ValidationJobData, void, 'validate'>(VALIDATION_QUEUE, {
    connection,
    prefix,
    defaultJobOptions: { attempts, backoff: { type: 'payval' } },
  });
  // Connection errors surface on the calls that fail; without a listener BullMQ prints each one.
  queue.on('error', onError);
  return queue;
}

export function validationJobOptions(validationId: string): JobsOptions {
  return { jobId: validationJobId(validationId) };
}

/**
 * BullMQ waits for its connection to become ready before sending anything, whatever the client's
 * offline-queue setting, so a Redis that is down when the API starts would hang the request. The
 * timeout bounds that; the caller decides what a failed enqueue means (usually: the sweeper retries).
 */
export async function enqueueValidations(queue: ValidationQueue, ids: readonly string[], timeoutMs = 2000): Promise<void> {
  const add: Promise<unknown> =
    ids.length === 1
      ? queue.add('validate', { validationId: ids[0]! }, validationJobOptions(ids[0]!))
      : queue.addBulk(ids.map((id) => ({ name: 'validate' as const, data: { validationId: id }, opts: validationJobOptions(id) })));
  await withTimeout(add, timeoutMs, 'enqueue timed out: Redis unavailable');
}

export const BATCH_FEED_QUEUE = 'batch-feeds';
export interface BatchFeedJobData { batchId: string }
export type BatchFeedQueue = Queue<BatchFeedJobData, void, 'feed'>;
export const batchFeedJobId = (batchId: string): string => `batch-feed-${batchId}`;

export function createBatchFeedQueue(connection: Redis, prefix: string, onError: (err: Error) => void = () => undefined): BatchFeedQueue {
  const queue = new Queue<BatchFeedJobData, void, 'feed'>(BATCH_FEED_QUEUE, {
    connection,
    prefix,
    defaultJobOptions: { attempts: 10, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: { age: 3600 }, removeOnFail: { age: 7 * 86400 } },
  });
  queue.on('error', onError);
  return queue;
}

/** Bounded like enqueueValidations: a down Redis must not hang the upload's response. */
export async function enqueueBatchFeed(queue: BatchFeedQueue, batchId: string, timeoutMs = 2000): Promise<void> {
  await withTimeout(queue.add('feed', { batchId }, { jobId: batchFeedJobId(batchId) }), timeoutMs, 'enqueue timed out: Redis unavailable');
}
