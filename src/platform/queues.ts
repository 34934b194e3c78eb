import { Queue, type DefaultJobOptions, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { withTimeout } from './with-timeout.js';
import { jobPresence, type JobPresence } from './job-presence.js';

/** A producer's queue on the shared connection. Connection errors surface on the calls that fail; without a listener BullMQ prints each one. */
export function openQueue<Data, Name extends string>(name: string, connection: Redis, prefix: string, defaultJobOptions: DefaultJobOptions, onError: (err: Error) => void): Queue<Data, void, Name> {
  const queue = new Queue<Data, void, Name>(name, { connection, prefix, defaultJobOptions });
  queue.on('error', onError);
  return queue;
}

/** BullMQ ignores an add under the id of a finished job, so such jobs are removed before a re-add. */
export async function removeFinishedJobs(queue: Pick<Queue, 'remove'>, jobIds: readonly string[], presence: ReadonlyMap<string, JobPresence>): Promise<void> {
  await Promise.all(jobIds.filter((id) => presence.get(id) === 'finished').map((id) => queue.remove(id).catch(() => undefined)));
}

export const VALIDATION_QUEUE = 'validations';
/**
 * Batch rows that need a job of their own (handed off by their slice, or requeued by the sweeper):
 * apart from `validations`, so they never hold the worker slots single validations are fetched into.
 */
export const VALIDATION_ROW_QUEUE = 'validation-rows';

/**
 * Jobs carry ids only: the account number never leaves MySQL's encrypted column. `attemptsBefore`: the
 * attempts the row already had in its slice, so the backoff goes on from there.
 */
export interface ValidationJobData { validationId: string; attemptsBefore?: number }

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
  name: typeof VALIDATION_QUEUE | typeof VALIDATION_ROW_QUEUE = VALIDATION_QUEUE,
): ValidationQueue {
  return openQueue(name, connection, prefix, { attempts, backoff: { type: 'payval' } }, onError);
}

/**
 * No priority (0) puts the job on BullMQ's wait list, which workers empty before they take any
 * prioritized job: single validations. Batch rows carry a fair-share round (platform/fair-share.ts).
 */
export function validationJobOptions(validationId: string, priority = 0): JobsOptions {
  return priority > 0 ? { jobId: validationJobId(validationId), priority } : { jobId: validationJobId(validationId) };
}

/**
 * BullMQ waits for its connection to become ready before sending anything, whatever the client's
 * offline-queue setting, so a Redis that is down when the API starts would hang the request. The
 * timeout bounds that; the caller decides what a failed enqueue means (usually: the sweeper retries).
 * `priorities[i]` is the BullMQ priority of `ids[i]` (absent or 0: none, ahead of all bulk work).
 */
export async function enqueueValidations(queue: ValidationQueue, ids: readonly string[], timeoutMs = 2000, priorities?: readonly number[]): Promise<void> {
  const add: Promise<unknown> =
    ids.length === 1
      ? queue.add('validate', { validationId: ids[0]! }, validationJobOptions(ids[0]!, priorities?.[0]))
      : queue.addBulk(ids.map((id, i) => ({ name: 'validate' as const, data: { validationId: id }, opts: validationJobOptions(id, priorities?.[i]) })));
  await withTimeout(add, timeoutMs, 'enqueue timed out: Redis unavailable');
}

/** A batch row its slice job could not finish, given its own job (validations/process-slice.ts). */
export interface RowHandoff {
  validationId: string;
  delayMs: number;
  /** The slice's round, so the row stays among bulk work. */
  priority: number;
  /** The attempts this job may spend; absent: the queue's default. */
  attempts?: number;
  /** The attempts already spent in the slice (the backoff goes on from there). */
  attemptsBefore?: number;
}

/**
 * Adds the handed-off rows' jobs to the row queue. A finished job under the same id (an earlier
 * handoff of the row, before its slice was run again) would swallow the add, so it is removed first.
 */
export async function enqueueHandoffs(redis: Redis, rowQueue: ValidationQueue, items: readonly RowHandoff[], timeoutMs = 10_000): Promise<void> {
  if (items.length === 0) return;
  const run = async (): Promise<void> => {
    const jobIds = items.map((h) => validationJobId(h.validationId));
    await removeFinishedJobs(rowQueue, jobIds, await jobPresence(redis, rowQueue, jobIds));
    const jobs = items.map((h) => ({
      name: 'validate' as const,
      data: h.attemptsBefore ? { validationId: h.validationId, attemptsBefore: h.attemptsBefore } : { validationId: h.validationId },
      opts: { ...validationJobOptions(h.validationId, Math.max(1, h.priority)), delay: Math.max(0, Math.round(h.delayMs)), ...(h.attempts ? { attempts: h.attempts } : {}) },
    }));
    await rowQueue.addBulk(jobs);
  };
  await withTimeout(run(), timeoutMs, 'enqueue timed out: Redis unavailable');
}

export const BATCH_FEED_QUEUE = 'batch-feeds';
export interface BatchFeedJobData { batchId: string }
export type BatchFeedQueue = Queue<BatchFeedJobData, void, 'feed'>;
export const batchFeedJobId = (batchId: string): string => `batch-feed-${batchId}`;

export function createBatchFeedQueue(connection: Redis, prefix: string, onError: (err: Error) => void = () => undefined): BatchFeedQueue {
  return openQueue(BATCH_FEED_QUEUE, connection, prefix, { attempts: 10, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: { age: 3600 }, removeOnFail: { age: 7 * 86400 } }, onError);
}

/** Bounded like enqueueValidations: a down Redis must not hang the upload's response. */
export async function enqueueBatchFeed(queue: BatchFeedQueue, batchId: string, timeoutMs = 2000): Promise<void> {
  await withTimeout(queue.add('feed', { batchId }, { jobId: batchFeedJobId(batchId) }), timeoutMs, 'enqueue timed out: Redis unavailable');
}

export const WEBHOOK_QUEUE = 'webhooks';
/** One job per attempt of a delivery; the delivery row in MySQL decides whether it is still due. */
export interface WebhookJobData { deliveryId: string; attempt: number }
export type WebhookQueue = Queue<WebhookJobData, void, 'deliver'>;
export const webhookJobId = (deliveryId: string, attempt: number): string => `webhook-${deliveryId}-${attempt}`;

export function createWebhookQueue(connection: Redis, prefix: string, onError: (err: Error) => void = () => undefined): WebhookQueue {
  // BullMQ's own retries only cover infrastructure errors (MySQL down); the delivery schedule lives in MySQL.
  return openQueue(WEBHOOK_QUEUE, connection, prefix, { attempts: 5, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: { age: 3600, count: 10_000 }, removeOnFail: { age: 7 * 86400 } }, onError);
}

export interface WebhookEnqueue { deliveryId: string; attempt: number; delayMs?: number }

/** The normal path: attempt numbers only grow, so a fresh id cannot collide with a finished job. */
export async function enqueueWebhookAttempts(queue: WebhookQueue, items: readonly WebhookEnqueue[], timeoutMs = 2000): Promise<void> {
  if (items.length === 0) return;
  const jobs = items.map((i) => ({
    name: 'deliver' as const,
    data: { deliveryId: i.deliveryId, attempt: i.attempt },
    opts: { jobId: webhookJobId(i.deliveryId, i.attempt), ...(i.delayMs ? { delay: Math.max(0, Math.round(i.delayMs)) } : {}) },
  }));
  await withTimeout(queue.addBulk(jobs), timeoutMs, 'enqueue timed out: Redis unavailable');
}

/**
 * For manual retries, replays and the sweeper: a job for this attempt may already exist. A delayed
 * one is brought forward, a finished one is replaced, a live one is left alone.
 */
export async function enqueueWebhookAttemptNow(queue: WebhookQueue, deliveryId: string, attempt: number, timeoutMs = 2000): Promise<'added' | 'promoted' | 'live'> {
  const run = async (): Promise<'added' | 'promoted' | 'live'> => {
    const job = await queue.getJob(webhookJobId(deliveryId, attempt));
    if (job) {
      const state = await job.getState();
      if (state === 'delayed') {
        await job.promote();
        return 'promoted';
      }
      if (state !== 'completed' && state !== 'failed' && state !== 'unknown') return 'live';
      await job.remove().catch(() => undefined);
    }
    await queue.add('deliver', { deliveryId, attempt }, { jobId: webhookJobId(deliveryId, attempt) });
    return 'added';
  };
  return withTimeout(run(), timeoutMs, 'enqueue timed out: Redis unavailable');
}
