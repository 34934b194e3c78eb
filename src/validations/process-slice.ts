// One slice job: the rows of a batch's fair-share slice, each through the same attempt a row's own job
// runs (process-validation.ts), through the process's claim and partner-call places. A row the slice
// cannot finish now — parked (partner outage, rate limit, pending answer, another call of the same
// payee), failed retryably, or not started when the process stops — is handed to a job of its own in
// the row queue, which waits, retries and backs off as any validation's job does. See
// docs/decisions/0027-batch-rows-in-slice-jobs.md.

import type { Logger } from '../platform/logger.js';
import type { RowHandoff } from '../platform/queues.js';
import type { AttemptGates, AttemptPlaces } from '../platform/row-limiter.js';
import { retryDelayMs, type RetryPolicy } from './retry-policy.js';
import type { ValidationProcessor } from './process-validation.js';

export interface SliceProcessorDeps {
  processor: Pick<ValidationProcessor, 'process'>;
  /** Gives rows their own jobs in the row queue (enqueueHandoffs in platform/queues.ts). */
  handOff: (rows: readonly RowHandoff[]) => Promise<void>;
  /** True once the slice worker is closing: rows not started yet, or claimed but not at a partner yet, are handed off at once. */
  closing: () => boolean;
  /** Claim and partner-call places in this process (WORKER_CONCURRENCY), shared by the slices and the per-row jobs. */
  gates: AttemptGates;
  /** JOB_ATTEMPTS: a row's attempts in all, the slice's counting as the first. */
  attempts: number;
  retry: RetryPolicy;
  logger: Logger;
}

export interface SliceOutcome {
  rows: number;
  handedOff: number;
}

export function createSliceProcessor(deps: SliceProcessorDeps) {
  const { processor, logger } = deps;
  // The slice is a row's first attempt: with a single attempt allowed, a retryable failure is final.
  const finalAttempt = deps.attempts <= 1;

  async function runRow(id: string, priority: number, places: AttemptPlaces): Promise<RowHandoff | null> {
    // A stopping process finishes the rows it has started and gives the others back: the slice then
    // ends within one partner call, not after every row of it.
    if (deps.closing()) return { validationId: id, delayMs: 0, priority };
    try {
      const outcome = await processor.process(id, { finalAttempt, places, stopping: deps.closing });
      // Parking spends no attempt, as it does for a row's own job.
      return outcome.kind === 'wait' ? { validationId: id, delayMs: outcome.delayMs, priority } : null;
    } catch (err) {
      const hinted = (err as { retryAfterMs?: number }).retryAfterMs;
      const delayMs = Math.max(hinted ?? 0, retryDelayMs(1, deps.retry));
      logger.info({ validationId: id, reason: (err as Error).message, delayMs }, 'batch row attempt failed; retrying it in a job of its own');
      return { validationId: id, delayMs, priority, attempts: deps.attempts - 1, attemptsBefore: 1 };
    }
  }

  /**
   * Runs every row of the slice and hands off the unfinished ones as they come, those of one
   * event-loop turn in one enqueue, so a parked row's wait starts when it parks, not when the slice's
   * slowest row ends. The slice ends only after every handoff is enqueued, and throws when one
   * cannot be: the slice job is then retried, and its finished rows are skipped.
   */
  return async function processSlice(ids: readonly string[], priority: number): Promise<SliceOutcome> {
    let pending: RowHandoff[] = [];
    let scheduled = false;
    let handedOff = 0;
    const enqueued: Array<Promise<void>> = [];
    const flush = (): void => {
      scheduled = false;
      if (pending.length === 0) return;
      const sent = deps.handOff(pending);
      pending = [];
      // Awaited below with the others; marked handled now so an early failure is not reported as unhandled.
      sent.catch(() => undefined);
      enqueued.push(sent);
    };
    const handOffSoon = (h: RowHandoff): void => {
      pending.push(h);
      handedOff++;
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    };
    await Promise.all(
      ids.map((id) =>
        deps.gates.run(async (places) => {
          const h = await runRow(id, priority, places);
          if (h) handOffSoon(h);
        }),
      ),
    );
    flush();
    await Promise.all(enqueued);
    return { rows: ids.length, handedOff };
  };
}

export type SliceProcessor = ReturnType<typeof createSliceProcessor>;
