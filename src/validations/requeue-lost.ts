import type { Redis } from 'ioredis';
import type { Db } from '../platform/db.js';
import { jobPresence, type JobPresence } from '../platform/job-presence.js';
import { enqueueValidations, removeFinishedJobs, validationJobId, type ValidationQueue } from '../platform/queues.js';
import { createFairShare } from '../platform/fair-share-redis.js';
import { rowsInLiveSlices } from '../platform/slice-index.js';
import type { ValidationSliceQueue } from '../platform/slice-queue.js';
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

export interface RequeueDeps {
  db: Db;
  redis: Redis;
  /** Single validations' jobs. */
  queue: ValidationQueue;
  /** Where batch rows wait, a slice job per fair-share slice (platform/slice-queue.ts). */
  sliceQueue: ValidationSliceQueue;
  /** Batch rows' own jobs (handed off by their slice, or requeued). */
  rowQueue: ValidationQueue;
}

/** The batch of each row of `ids` that belongs to one (a batch row's job may be its slice's). */
async function batchRowsOf(db: Db, ids: readonly string[]): Promise<Array<{ id: string; batchId: string }>> {
  const rows = await db('validations').whereIn('id', ids).whereNotNull('batch_id').select('id', 'batch_id');
  return rows.map((r) => ({ id: r.id as string, batchId: r.batch_id as string }));
}

/** Adds jobs for `ids` to `queue`, first removing finished jobs under the same ids (BullMQ would ignore the add). */
async function requeueInto(queue: ValidationQueue, ids: readonly string[], presence: Map<string, JobPresence>, priority?: number): Promise<void> {
  if (ids.length === 0) return;
  await removeFinishedJobs(queue, ids.map(validationJobId), presence);
  await enqueueValidations(queue, ids, 10_000, priority === undefined ? undefined : ids.map(() => priority));
}

/**
 * Gives a job to each row of `ids` that has none. Redis is asked about the whole page in a few
 * pipelined round trips: first for the slice jobs holding its batch rows, then for the other rows'
 * own jobs. Only
 * the rows with neither are read again from MySQL, *after* Redis was asked. A worker commits a row's
 * final state before BullMQ records its job as finished, and a slice hands a row it could not finish
 * to the row's own job before the slice job finishes, so a row that is still unfinished at that
 * second read was not merely being finished: those, and only those, are requeued and counted.
 * Requeued jobs keep their place: single validations on the wait list of their queue (no priority),
 * batch rows in the row queue at the round bulk work is at, so they neither jump ahead of single
 * validations nor fall behind the backlog they were part of.
 */
export async function requeueLost(deps: RequeueDeps, ids: readonly string[], when: Eligibility): Promise<RequeueOutcome> {
  if (ids.length === 0) return NO_REQUEUE;
  const batchRows = await batchRowsOf(deps.db, ids);
  const inSlices = await rowsInLiveSlices(deps.redis, deps.sliceQueue, batchRows);
  const outside = ids.filter((id) => !inSlices.has(id));
  const jobIds = outside.map(validationJobId);
  // Both queues for every row: a batch row enqueued before slices existed has its job in `validations`.
  const [inQueue, inRowQueue] = await Promise.all([jobPresence(deps.redis, deps.queue, jobIds), jobPresence(deps.redis, deps.rowQueue, jobIds)]);
  const suspects = outside.filter((_, i) => inQueue.get(jobIds[i]!) !== 'live' && inRowQueue.get(jobIds[i]!) !== 'live');
  const rows = await readUnfinished(deps.db, suspects);
  const { ready, deferredQueued, deferredProcessing } = splitEligible(rows, when);
  const inBatch = new Set(batchRows.map((r) => r.id));
  const readyRows = ready.filter((id) => inBatch.has(id));
  await requeueInto(deps.queue, ready.filter((id) => !inBatch.has(id)), inQueue);
  if (readyRows.length > 0) await requeueInto(deps.rowQueue, readyRows, inRowQueue, await createFairShare(deps.redis, deps.sliceQueue).headRound());
  return { checked: ids.length, requeued: ready.length, deferredQueued, deferredProcessing };
}
