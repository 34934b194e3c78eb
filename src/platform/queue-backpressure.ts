import type { Queue } from 'bullmq';

/**
 * Jobs waiting to be taken: the wait list (single validations) plus the prioritized set (batch rows).
 * BullMQ's getWaitingCount counts the wait list only.
 */
export const queuedCount = (queue: Pick<Queue, 'getJobCountByTypes'>): Promise<number> => queue.getJobCountByTypes('waiting', 'prioritized');

/** Jobs a queue holds that are not running: queued, and parked until later (delayed). */
export const heldCount = (queue: Pick<Queue, 'getJobCountByTypes'>): Promise<number> => queue.getJobCountByTypes('waiting', 'prioritized', 'delayed');

/**
 * Waits while `queues` hold more than `maxWaiting` queued jobs, so whoever enqueues in bulk (recovery
 * after a Redis loss) keeps Redis holding a window of the backlog, not all of it. The batch feeder
 * does not wait here: it asks fair-share-redis.ts for room and yields its slot while there is none.
 * `keepAlive` runs about once a poll while waiting (a lease); if it throws, the wait ends with that
 * error. Polls are jittered so that several waiters do not stay in lock-step.
 */
export async function waitForQueueRoom(
  queues: ReadonlyArray<Pick<Queue, 'getJobCountByTypes'>>,
  maxWaiting: number,
  keepAlive: () => Promise<void> = async () => undefined,
  pollMs = 1000,
): Promise<void> {
  const queued = async () => (await Promise.all(queues.map(queuedCount))).reduce((a, b) => a + b, 0);
  while ((await queued()) > maxWaiting) {
    await keepAlive();
    await new Promise((r) => setTimeout(r, jittered(pollMs)));
  }
}

/** A delay between half and one and a half times `ms`. */
export const jittered = (ms: number): number => Math.round(ms * (0.5 + Math.random()));
