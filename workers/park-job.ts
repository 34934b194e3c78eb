import { DelayedError, type Job } from 'bullmq';

/**
 * Parks the job for `delayMs` without spending one of its attempts: moving it to `delayed` leaves
 * attemptsMade untouched, and the DelayedError tells BullMQ the processor has already moved it.
 */
export async function parkJob(job: Job, delayMs: number, token: string | undefined): Promise<never> {
  await job.moveToDelayed(Date.now() + delayMs, token);
  throw new DelayedError();
}
