import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';

export const VALIDATION_QUEUE = 'validations';

/** Jobs carry ids only: the account number never leaves MySQL's encrypted column. */
export interface ValidationJobData { validationId: string }

/**
 * Deterministic, so a repeated enqueue (API retry, sweeper) of a live job is a no-op. BullMQ refuses ':'
 * in custom ids, hence the dash.
 */
export const validationJobId = (validationId: string): string => `validation-${validationId}`;

export type ValidationQueue = Queue<ValidationJobData, void, 'validate'>;

export function createValidationQueue(connection: Redis, prefix: string, attempts: number): ValidationQueue {
  return new Queue<ValidationJobData, void, 'validate'>(VALIDATION_QUEUE, {
    connection,
    prefix,
    defaultJobOptions: { attempts, backoff: { type: 'payval' } },
  });
}

export function validationJobOptions(validationId: string): JobsOptions {
  return { jobId: validationJobId(validationId) };
}

export async function enqueueValidations(queue: ValidationQueue, ids: readonly string[]): Promise<void> {
  if (ids.length === 1) {
    await queue.add('validate', { validationId: ids[0]! }, validationJobOptions(ids[0]!));
    return;
  }
  await queue.addBulk(ids.map((id) => ({ name: 'validate' as const, data: { validationId: id }, opts: validationJobOptions(id) })));
}
