import type { Db } from '../platform/db.js';
import type { Logger } from '../platform/logger.js';
import type { IdempotencyStore } from '../platform/idempotency.js';
import { enqueueValidations, validationJobId, type ValidationQueue } from '../platform/queues.js';
import { findStaleUnfinished, touchValidation, type StaleCursor } from './validation-store.js';

const LIVE_JOB_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

/** Extra duties run on every sweep (batch feeds, abandoned uploads), kept outside this component. */
export type SweepTask = () => Promise<void>;

/**
 * MySQL is the source of truth, Redis is not: a row still `queued`/`processing` long after it was
 * last touched has lost its job (Redis flushed or restarted, enqueue failed after commit, or BullMQ
 * failed the job as stalled after two worker crashes). The sweeper gives such rows a fresh job.
 * It is safe to run in every worker process: job ids are deterministic, so racing sweepers converge.
 */
export function createValidationSweeper(deps: {
  db: Db;
  queue: ValidationQueue;
  idempotency: IdempotencyStore;
  logger: Logger;
  intervalMs: number;
  stuckAfterMs: number;
  batchSize: number;
  tasks?: SweepTask[];
}) {
  const { db, queue, logger } = deps;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;
  // Where the previous sweep stopped; a short page means the scan reached the end and starts over.
  let cursor: StaleCursor | null = null;

  async function sweepOnce(): Promise<{ requeued: number; alive: number }> {
    const stale = await findStaleUnfinished(db, new Date(Date.now() - deps.stuckAfterMs), deps.batchSize, cursor);
    const last = stale[stale.length - 1];
    cursor = stale.length === deps.batchSize && last ? { updatedAt: last.updatedAt, id: last.id } : null;
    let requeued = 0;
    let alive = 0;
    for (const row of stale) {
      const job = await queue.getJob(validationJobId(row.id));
      const state = job ? await job.getState() : 'missing';
      if (LIVE_JOB_STATES.has(state)) {
        alive++;
        continue;
      }
      // A finished job under the same id would swallow the new add, so clear it first.
      if (job) await job.remove().catch(() => undefined);
      await enqueueValidations(queue, [row.id]);
      // Restart the clock so the next sweep does not pick the row again before its job has run.
      await touchValidation(db, row.id);
      requeued++;
    }
    if (requeued) logger.warn({ requeued, scanned: stale.length }, 'sweeper re-enqueued validations that had lost their job');
    await deps.idempotency.purgeExpired();
    for (const task of deps.tasks ?? []) await task();
    return { requeued, alive };
  }

  return {
    sweepOnce,
    start(): void {
      if (timer) return;
      const tick = () => {
        running = sweepOnce()
          .catch((err) => logger.warn({ err }, 'sweep failed; will retry'))
          .finally(() => {
            running = null;
            if (timer) timer = setTimeout(tick, deps.intervalMs);
          });
      };
      timer = setTimeout(tick, deps.intervalMs);
    },
    async stop(): Promise<void> {
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
    },
  };
}

export type ValidationSweeper = ReturnType<typeof createValidationSweeper>;
