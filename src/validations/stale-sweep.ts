import type { Logger } from '../platform/logger.js';
import { addOutcomes, NO_REQUEUE, requeueLost, type RequeueDeps, type RequeueOutcome } from './requeue-lost.js';
import { nextUnfinishedPage, SCAN_START, type ScanCursor } from './unfinished-scan.js';
import { SWEEPER_REQUEUED_MESSAGE } from './lost-job-recovery.js';

/**
 * The periodic safety net, for losses nothing announces: an enqueue that failed after its commit,
 * a job BullMQ failed as stalled after two worker crashes, a Redis restored from an old snapshot.
 * Each sweep looks at up to `maxPages` pages of rows untouched for `stuckAfterMs` (processing rows
 * first) and continues where the previous sweep stopped, wrapping around at the end.
 */
export function createStaleSweep(deps: RequeueDeps & { logger: Logger; stuckAfterMs: number; pageSize: number; maxPages?: number }) {
  const maxPages = deps.maxPages ?? 10;
  let cursor: ScanCursor = SCAN_START;

  return async function sweepStale(now = Date.now()): Promise<RequeueOutcome> {
    const cutoff = new Date(now - deps.stuckAfterMs);
    let total = NO_REQUEUE;
    for (let i = 0; i < maxPages; i++) {
      const page = await nextUnfinishedPage(deps.db, cursor, deps.pageSize, cutoff);
      total = addOutcomes(total, await requeueLost(deps, page.ids, { queuedBefore: cutoff, processingBefore: cutoff }));
      cursor = page.next ?? SCAN_START;
      if (!page.next) break;
    }
    if (total.requeued > 0) deps.logger.warn({ requeued: total.requeued, scanned: total.checked, source: 'stale' }, SWEEPER_REQUEUED_MESSAGE);
    return total;
  };
}
