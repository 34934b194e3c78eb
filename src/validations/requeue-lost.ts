import type { Redis } from 'ioredis';
import type { Db } from '../platform/db.js';
import { jobPresence } from '../platform/job-presence.js';
import { enqueueValidations, validationJobId, type ValidationQueue } from '../platform/queues.js';
import { createFairShare } from '../platform/fair-share-redis.js';
import { readUnfinished, type UnfinishedRow } from './unfinished-scan.js';

/**
 * When a row without a job may be given one. A `queued` row must be older than the API's own
 * enqueue (which follows its commit by up to 2 s); a `processing` row must be older than the longest
 * attempt a live worker could still be running on it (after a Redis wipe the worker keeps its job in
 * memory and finishes the row) — a second job then would call the partner a second time.
 */
export interface Eligibility {
  queuedBefore: Date;
  processingBefore: Date;
}

export interface RequeueOutcome {
  checked: number;
  /** Rows that really had no job: still unfinished after their job was seen missing or finished. */
  requeued: number;
  /** Rows without a job that were too recent to requeue yet (a later pass looks again). */
  deferredQueued: number;
  deferredProcessing: number;
}

export const NO_REQUEUE: RequeueOutcome = { checked: 0, requeued: 0, deferredQueued: 0, deferredProcessing: 0 };

export function addOutcomes(a: RequeueOutcome, b: RequeueOutcome): RequeueOutcome {
  return {
    checked: a.checked + b.checked,
    requeued: a.requeued + b.requeued,
    deferredQueued: a.deferredQueued + b.deferredQueued,
    deferredProcessing: a.deferredProcessing + b.deferredProcessing,
  };
}

/** Pure: which of the still-unfinished rows to requeue now, and how many wait for a later pass. */
export function splitEligible(rows: readonly UnfinishedRow[], when: Eligibility): { ready: string[]; deferredQueued: number; deferredProcessing: number } {
  const ready: string[] = [];
  let deferredQueued = 0;
  let deferredProcessing = 0;
  for (const row of rows) {
    const before = row.status === 'queued' ? when.queuedBefore : when.processingBefore;
    if (row.updatedAt.getTime() < before.getTime()) ready.push(row.id);
    else if (row.status === 'queued') deferredQueued++;
    else deferredProcessing++;
  }
  return { ready, deferredQueued, deferredProcessing };
}

/**
 * Requeued jobs keep their place: single validations go on the wait list (no priority), batch rows
 * into the prioritized set at the round the workers are at, so they neither jump ahead of single
 * validations nor fall behind the backlog they were part of.
 */
async function requeuePriorities(deps: { redis: Redis; queue: ValidationQueue }, rows: readonly UnfinishedRow[], ready: readonly string[]): Promise<number[] | undefined> {
  const inBatch = new Set(rows.filter((r) => r.batchId !== null).map((r) => r.id));
  if (!ready.some((id) => inBatch.has(id))) return undefined;
  const head = await createFairShare(deps.redis, deps.queue).headRound();
  return ready.map((id) => (inBatch.has(id) ? head : 0));
}

/**
 * Gives a job to each row of `ids` that has none. Redis is asked about the whole page in one round
 * trip; only the rows whose job is missing or finished are read again from MySQL, *after* Redis was
 * asked. A worker commits a row's final state before BullMQ records its job as finished, so a row
 * that is still unfinished at that second read was not merely being finished: those, and only
 * those, are requeued and counted, with one `addBulk`.
 */
export async function requeueLost(deps: { db: Db; redis: Redis; queue: ValidationQueue }, ids: readonly string[], when: Eligibility): Promise<RequeueOutcome> {
  if (ids.length === 0) return NO_REQUEUE;
  const jobIds = ids.map(validationJobId);
  const presence = await jobPresence(deps.redis, deps.queue, jobIds);
  const suspects = ids.filter((_, i) => presence.get(jobIds[i]!) !== 'live');
  const rows = await readUnfinished(deps.db, suspects);
  const { ready, deferredQueued, deferredProcessing } = splitEligible(rows, when);
  // A finished job under the same id would swallow the add (BullMQ ignores an existing id), so clear it first.
  for (const id of ready) {
    if (presence.get(validationJobId(id)) === 'finished') await deps.queue.remove(validationJobId(id)).catch(() => undefined);
  }
  if (ready.length > 0) await enqueueValidations(deps.queue, ready, 10_000, await requeuePriorities(deps, rows, ready));
  return { checked: ids.length, requeued: ready.length, deferredQueued, deferredProcessing };
}
