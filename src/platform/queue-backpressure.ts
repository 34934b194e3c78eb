import type { Queue } from 'bullmq';

/**
 * Waits while `queue` holds more than `maxWaiting` waiting jobs, so whoever enqueues in bulk (the
 * batch feeder, recovery after a Redis loss) keeps Redis holding a window of the backlog, not all of
 * it. `keepAlive` runs about once a second while waiting (a job's progress, a lease); if it throws,
 * the wait ends with that error.
 */
export async function waitForQueueRoom(
  queue: Pick<Queue, 'getWaitingCount'>,
  maxWaiting: number,
  keepAlive: () => Promise<void> = async () => undefined,
  pollMs = 1000,
): Promise<void> {
  while ((await queue.getWaitingCount()) > maxWaiting) {
    await keepAlive();
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
