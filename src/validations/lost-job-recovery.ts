import type { Logger } from '../platform/logger.js';
import { waitForQueueRoom } from '../platform/queue-backpressure.js';
import { requeueLost, type RequeueDeps } from './requeue-lost.js';
import { nextUnfinishedPage, SCAN_START } from './unfinished-scan.js';
import type { RecoveryState, SaveResult, SweeperCoordination } from './sweeper-coordination.js';

export const SWEEPER_REQUEUED_MESSAGE = 'sweeper re-enqueued validations that had lost their job';

export interface LostJobRecoveryDeps extends RequeueDeps {
  coordination: SweeperCoordination;
  logger: Logger;
  /** The batch feeder's bound (BATCH_FEED_MAX_WAITING): recovery waits for room the same way. */
  maxWaiting: number;
  pageSize: number;
  /** See Eligibility in requeue-lost.ts. */
  queuedGraceMs: number;
  inFlightMs: number;
  /** Restarts batch feeds whose feed job is gone; run at the start of every pass. */
  restartLostFeeds: () => Promise<number>;
  /** Passes that may end with rows still too recent; past this the periodic stale sweep takes over. */
  maxPasses?: number;
  /** True once the sweeper is stopping: a pass waiting for room hands over (its cursor is saved). */
  stopping?: () => boolean;
}

class LeadershipLost extends Error {
  constructor(readonly result: SaveResult | 'stopping') {
    super(`recovery stopped: ${result}`);
  }
}

/**
 * Runs a pending recovery run (sweeper-coordination.ts) on the leader: restarts lost batch feeds,
 * then walks every unfinished validation in keyset order, a page of `pageSize` ids at a time, and
 * gives a job to each one that has none (requeue-lost.ts), waiting whenever the queue is as full
 * as the batch feeder lets it get. Progress is saved in Redis after every page, so a leader that dies
 * mid-pass is replaced by one that resumes. Rows too recent to requeue safely are counted; a later
 * pass (when they are old enough) looks at them again.
 */
export function createLostJobRecovery(deps: LostJobRecoveryDeps) {
  const { coordination, logger } = deps;
  const maxPasses = deps.maxPasses ?? 5;

  async function save(state: RecoveryState): Promise<void> {
    const result = await coordination.save(state);
    if (result !== 'saved') throw new LeadershipLost(result);
  }

  async function runPass(start: RecoveryState): Promise<RecoveryState> {
    let s = start;
    if (!s.cursor) {
      const feeds = await deps.restartLostFeeds();
      s = { ...s, cursor: SCAN_START, passes: s.passes + 1, deferredQueued: 0, deferredProcessing: 0 };
      await save(s);
      logger.info({ run: s.run, reason: s.reason, pass: s.passes, feedsRestarted: feeds }, 'recovery pass started: checking every unfinished validation for a job');
    }
    while (s.cursor) {
      const page = await nextUnfinishedPage(deps.db, s.cursor, deps.pageSize);
      const current = s;
      let out = { checked: 0, requeued: 0, deferredQueued: 0, deferredProcessing: 0 };
      if (page.ids.length > 0) {
        await waitForQueueRoom([deps.queue, deps.rowQueue], deps.maxWaiting, async () => {
          // With the workers closed the queue never drains: a stopping process must not wait for it.
          if (deps.stopping?.()) throw new LeadershipLost('stopping');
          await save(current);
        });
        const now = Date.now();
        out = await requeueLost(deps, page.ids, { queuedBefore: new Date(now - deps.queuedGraceMs), processingBefore: new Date(now - deps.inFlightMs) });
      }
      s = {
        ...s,
        cursor: page.next,
        pages: s.pages + (page.ids.length > 0 ? 1 : 0),
        checked: s.checked + out.checked,
        requeued: s.requeued + out.requeued,
        deferredQueued: s.deferredQueued + out.deferredQueued,
        deferredProcessing: s.deferredProcessing + out.deferredProcessing,
      };
      if (s.cursor) await save(s);
    }
    return s;
  }

  /** Ends the run, or schedules another pass for the rows that were too recent. */
  async function endPass(s: RecoveryState): Promise<void> {
    const deferred = s.deferredQueued + s.deferredProcessing;
    if (deferred > 0 && s.passes < maxPasses) {
      const waitMs = s.deferredProcessing > 0 ? deps.inFlightMs : deps.queuedGraceMs;
      await save({ ...s, cursor: null, notBefore: Date.now() + waitMs });
      logger.info({ run: s.run, pass: s.passes, deferredQueued: s.deferredQueued, deferredProcessing: s.deferredProcessing, nextInMs: waitMs }, 'recovery pass done; rows too recent to requeue are checked again later');
      return;
    }
    const result = await coordination.finish(s);
    if (result !== 'saved') throw new LeadershipLost(result);
    const summary = { run: s.run, reason: s.reason, requeued: s.requeued, scanned: s.checked, pages: s.pages, passes: s.passes, seconds: (Date.now() - s.requestedAt) / 1000, source: 'recovery' };
    if (s.requeued > 0) logger.warn(summary, SWEEPER_REQUEUED_MESSAGE);
    logger.info({ ...summary, deferredLeft: deferred }, 'recovery of lost validation jobs finished');
  }

  return {
    /** Runs the pending pass if one is due; false when there was nothing to do. */
    async runDue(now = Date.now()): Promise<boolean> {
      const state = await coordination.read();
      if (!state || now < state.notBefore) return false;
      try {
        await endPass(await runPass(state));
      } catch (err) {
        if (!(err instanceof LeadershipLost)) throw err;
        logger.info({ run: state.run, result: err.result }, 'recovery pass handed over (another leader, or a newer Redis loss)');
      }
      return true;
    },
  };
}

export type LostJobRecovery = ReturnType<typeof createLostJobRecovery>;
