import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/**
 * What BullMQ holds for a job id: `missing` (no job: Redis emptied, or the enqueue never happened),
 * `finished` (completed or failed: a new add under the same id would be ignored as a duplicate), or
 * `live` (waiting, active, delayed or prioritized).
 */
export type JobPresence = 'live' | 'missing' | 'finished';

/**
 * Looks up many job ids in one pipelined round trip (EXISTS on the job hash, ZSCORE in the completed
 * and failed sets), where `getJob` + `getState` cost two round trips per job and scan the wait list.
 * A job hash outside every list and set counts as live: that only happens when keys are deleted one
 * by one while workers run; an emptied Redis (FLUSHDB, restart, failover to an empty replica) loses
 * keys all at once.
 */
export async function jobPresence(redis: Redis, queue: Pick<Queue, 'toKey' | 'keys'>, jobIds: readonly string[]): Promise<Map<string, JobPresence>> {
  const out = new Map<string, JobPresence>();
  if (jobIds.length === 0) return out;
  const pipeline = redis.pipeline();
  for (const id of jobIds) {
    pipeline.exists(queue.toKey(id));
    pipeline.zscore(queue.keys.completed!, id);
    pipeline.zscore(queue.keys.failed!, id);
  }
  const replies = (await pipeline.exec()) ?? [];
  jobIds.forEach((id, i) => {
    const [exists, completed, failed] = [replies[3 * i], replies[3 * i + 1], replies[3 * i + 2]];
    for (const reply of [exists, completed, failed]) if (!reply || reply[0]) throw reply?.[0] ?? new Error('Redis pipeline returned too few replies');
    if (Number(exists![1]) === 0) out.set(id, 'missing');
    else out.set(id, completed![1] !== null || failed![1] !== null ? 'finished' : 'live');
  });
  return out;
}
