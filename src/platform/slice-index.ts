import type { Redis } from 'ioredis';
import { jobPresence, type JobPresence } from './job-presence.js';
import { sliceJobId, type Slice, type ValidationSliceQueue } from './slice-queue.js';

/**
 * Which slice job holds a batch row. The sweeper must tell a row whose job is lost from one that waits
 * in a live slice, and a row id alone does not name its slice. Each batch keeps a sorted set of its
 * slices, members `firstId/lastId` at score 0 (so ordered by first id): the slice holding a row is
 * the last member at or before it. Written before the slice jobs are added, so a live slice job is
 * always indexed; it expires with the batch's rows long finished, and goes with Redis when Redis is lost.
 */
type IndexQueue = Pick<ValidationSliceQueue, 'qualifiedName' | 'toKey' | 'keys'>;

export const sliceIndexKey = (queue: Pick<ValidationSliceQueue, 'qualifiedName'>, batchId: string): string => `${queue.qualifiedName}:index:${batchId}`;

/** Ids are fixed-length `prefix_ULID` strings, all below '~' (0x7e). */
const AFTER_ANY_ID = '~';

export async function recordSlices(redis: Redis, queue: IndexQueue, slices: readonly Slice[], ttlSeconds = 8 * 86_400): Promise<void> {
  if (slices.length === 0) return;
  const pipeline = redis.pipeline();
  const keys = new Set<string>();
  for (const s of slices) {
    const key = sliceIndexKey(queue, s.batchId);
    keys.add(key);
    pipeline.zadd(key, 0, `${s.ids[0]!}/${s.ids[s.ids.length - 1]!}`);
  }
  for (const key of keys) pipeline.expire(key, ttlSeconds);
  const replies = (await pipeline.exec()) ?? [];
  for (const [err] of replies) if (err) throw err;
}

/** The slice job id holding each batch row, for rows whose batch indexed one that covers them. */
export async function slicesOf(redis: Redis, queue: IndexQueue, rows: ReadonlyArray<{ id: string; batchId: string }>): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (rows.length === 0) return out;
  const pipeline = redis.pipeline();
  for (const r of rows) pipeline.zrevrangebylex(sliceIndexKey(queue, r.batchId), `[${r.id}/${AFTER_ANY_ID}`, '-', 'LIMIT', 0, 1);
  const replies = (await pipeline.exec()) ?? [];
  rows.forEach((r, i) => {
    const reply = replies[i];
    if (!reply || reply[0]) throw reply?.[0] ?? new Error('Redis pipeline returned too few replies');
    const member = (reply[1] as string[])[0];
    if (!member) return;
    const [first, last] = member.split('/') as [string, string];
    if (first <= r.id && r.id <= last) out.set(r.id, sliceJobId(r.batchId, first));
  });
  return out;
}

/** Batch rows whose slice job is live (waiting, prioritized, active or delayed for a retry). */
export async function rowsInLiveSlices(redis: Redis, queue: IndexQueue, rows: ReadonlyArray<{ id: string; batchId: string }>): Promise<Set<string>> {
  const slices = await slicesOf(redis, queue, rows);
  const presence: Map<string, JobPresence> = await jobPresence(redis, queue, [...new Set(slices.values())]);
  return new Set([...slices].filter(([, job]) => presence.get(job) === 'live').map(([row]) => row));
}
