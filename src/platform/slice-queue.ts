import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { withTimeout } from './with-timeout.js';
import { openQueue } from './queues.js';

/**
 * Batch rows travel as slices: one BullMQ job per fair-share slice of a batch (BATCH_FAIR_SLICE_ROWS
 * rows, 100 by default) instead of one job per row, so a row costs Redis about a hundredth of a job.
 * A slice job carries ids only, like every job. See docs/decisions/0027-batch-rows-in-slice-jobs.md.
 */
export const VALIDATION_SLICE_QUEUE = 'validation-slices';

export interface ValidationSliceJobData {
  batchId: string;
  /** The slice's validation ids, in id order. */
  validationIds: string[];
}

export type ValidationSliceQueue = Queue<ValidationSliceJobData, void, 'validate-slice'>;

/** Deterministic, so a page fed again after a crash adds nothing new. */
export const sliceJobId = (batchId: string, firstValidationId: string): string => `slice-${batchId}-${firstValidationId}`;

export function createValidationSliceQueue(connection: Redis, prefix: string, attempts: number, onError: (err: Error) => void = () => undefined): ValidationSliceQueue {
  return openQueue(VALIDATION_SLICE_QUEUE, connection, prefix, { attempts, backoff: { type: 'payval' } }, onError);
}

export interface Slice {
  batchId: string;
  ids: readonly string[];
  /** Its fair-share round (platform/fair-share.ts): always ≥ 1, so slices are prioritized jobs. */
  priority: number;
}

/** Cuts a page of a batch's ids (in id order) into slices of `sliceRows`, slice k at `priorities(k)`. */
export function cutSlices(batchId: string, ids: readonly string[], sliceRows: number, priorityOf: (k: number) => number): Slice[] {
  const out: Slice[] = [];
  for (let k = 0; k * sliceRows < ids.length; k++) out.push({ batchId, ids: ids.slice(k * sliceRows, (k + 1) * sliceRows), priority: priorityOf(k) });
  return out;
}

/** One `addBulk` for the slices; bounded like the other enqueues, so a down Redis cannot hang a feed. */
export async function enqueueSlices(queue: ValidationSliceQueue, slices: readonly Slice[], timeoutMs = 10_000): Promise<void> {
  if (slices.length === 0) return;
  const jobs = slices.map((s) => ({
    name: 'validate-slice' as const,
    data: { batchId: s.batchId, validationIds: [...s.ids] },
    opts: { jobId: sliceJobId(s.batchId, s.ids[0]!), priority: Math.max(1, s.priority) },
  }));
  await withTimeout(queue.addBulk(jobs), timeoutMs, 'enqueue timed out: Redis unavailable');
}
