import type { Redis } from 'ioredis';
import type { Db } from '../platform/db.js';
import type { Logger } from '../platform/logger.js';
import type { IdempotencyStore } from '../platform/idempotency.js';
import type { ValidationQueue } from '../platform/queues.js';
import type { ValidationSliceQueue } from '../platform/slice-queue.js';
import { createSweeperCoordination } from './sweeper-coordination.js';
import { createLostJobRecovery } from './lost-job-recovery.js';
import { createStaleSweep } from './stale-sweep.js';
import { anyUnfinishedUntouchedSince } from './unfinished-scan.js';
import { guardedLoop } from '../platform/guarded-loop.js';

/** Extra duties run on every sweep in every process (webhook deliveries), kept outside this component. */
export type SweepTask = () => Promise<void>;

/** A queued row younger than this may still be getting its job from the API (enqueue timeout 2 s). */
const QUEUED_GRACE_MS = 5000;
/** After a loss is noticed, a worker that had just taken a job commits its claim well within this. */
const SETTLE_MS = 2000;
const RECOVERY_PAGE_SIZE = 1000;

export const REDIS_LOST_MESSAGE = 'Redis lost its data (sweeper marker missing): recovering every unfinished validation from MySQL';

/**
 * The longest a live worker may still be working on a row it claimed: one attempt tries each enabled
 * partner at most once, each call bounded by its timeout, plus margin for MySQL. A `processing` row
 * older than this whose job is gone has nobody working on it.
 */
export function inFlightBoundMs(partnerCallTimeoutsMs: readonly number[], stuckAfterMs: number): number {
  return Math.min(stuckAfterMs, partnerCallTimeoutsMs.reduce((a, b) => a + b, 0) + 5000);
}

export interface SweeperDeps {
  db: Db;
  /** The producer connection (fail-fast); BullMQ's queue shares it. */
  redis: Redis;
  queue: ValidationQueue;
  /** Batch rows wait here in slice jobs; the idle check and the lost-job checks look at both queues. */
  sliceQueue: ValidationSliceQueue;
  rowQueue: ValidationQueue;
  idempotency: IdempotencyStore;
  logger: Logger;
  prefix: string;
  intervalMs: number;
  stuckAfterMs: number;
  batchSize: number;
  inFlightMs: number;
  maxWaiting: number;
  /** How often each process looks for a lost Redis and renews or takes the leader lease. */
  checkMs?: number;
  batches: { restartLostFeeds(): Promise<number>; failAbandonedUploads(): Promise<number>; completeFinishedBatches(): Promise<number> };
  tasks?: SweepTask[];
  /**
   * Long duties of the leader only (retention): each runs in its own loop, kicked while this process
   * holds the lease, and must return soon after `shouldStop()` turns true (lease lost, shutting down).
   */
  leaderWork?: Array<(shouldStop: () => boolean) => Promise<void>>;
}

/**
 * MySQL is the source of truth, Redis is not. Every worker process runs this; Redis coordinates them
 * (sweeper-coordination.ts): each second each process checks the Redis marker, so a wiped Redis is
 * noticed within about a second and recovered in bulk (lost-job-recovery.ts), and one process at a
 * time — the lease holder — runs the MySQL-driven duties. The webhook tasks and the idempotency purge
 * run everywhere, as before. See docs/decisions/0014-recovery-after-redis-loss.md.
 */
export function createValidationSweeper(deps: SweeperDeps) {
  const { db, queue, logger } = deps;
  const checkMs = deps.checkMs ?? 1000;
  const coordination = createSweeperCoordination(deps.redis, deps.prefix, { leaseMs: Math.max(10_000, 5 * checkMs), settleMs: SETTLE_MS });
  let stopping = false;
  const recovery = createLostJobRecovery({
    db,
    redis: deps.redis,
    queue,
    sliceQueue: deps.sliceQueue,
    rowQueue: deps.rowQueue,
    coordination,
    logger,
    maxWaiting: deps.maxWaiting,
    pageSize: RECOVERY_PAGE_SIZE,
    queuedGraceMs: QUEUED_GRACE_MS,
    inFlightMs: deps.inFlightMs,
    restartLostFeeds: () => deps.batches.restartLostFeeds(),
    stopping: () => stopping,
  });
  const sweepStale = createStaleSweep({ db, redis: deps.redis, queue, sliceQueue: deps.sliceQueue, rowQueue: deps.rowQueue, logger, stuckAfterMs: deps.stuckAfterMs, pageSize: deps.batchSize });
  let nextLeaderSweepAt = 0;
  let lastIdleRequestAt = 0;
  let tickFailing = false;
  let leading = false;

  /** An idle queue while MySQL holds unfinished rows nobody touched: their jobs are gone, whatever the marker says. */
  async function checkIdleQueue(now: number): Promise<void> {
    if (now - lastIdleRequestAt < deps.stuckAfterMs) return;
    // Slices first: a slice hands its unfinished rows to the row queue before it finishes, so seen in
    // this order, a handoff cannot slip between the two counts.
    for (const q of [deps.sliceQueue, deps.rowQueue, queue]) {
      const counts = await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      if (Object.values(counts).some((n) => n > 0)) return;
    }
    if (!(await anyUnfinishedUntouchedSince(db, new Date(now - QUEUED_GRACE_MS)))) return;
    lastIdleRequestAt = now;
    if (await coordination.request('queue-idle', now)) logger.info('validation queue is idle while MySQL holds unfinished validations: checking them for lost jobs');
  }

  async function leaderDuties(): Promise<void> {
    if (await recovery.runDue()) return;
    const now = Date.now();
    if (now < nextLeaderSweepAt) return;
    nextLeaderSweepAt = now + deps.intervalMs;
    await deps.batches.restartLostFeeds();
    await sweepStale(now);
    await deps.batches.failAbandonedUploads();
    await deps.batches.completeFinishedBatches();
    await checkIdleQueue(now);
  }

  async function tick(): Promise<void> {
    const { redisLost, leader } = await coordination.tick();
    if (redisLost) logger.warn({ prefix: deps.prefix }, REDIS_LOST_MESSAGE);
    leading = leader;
    if (!leader) return;
    loops.leader.kick();
    for (const loop of leaderLoops) loop.kick();
  }

  async function everyProcess(): Promise<void> {
    await deps.idempotency.purgeExpired();
    for (const task of deps.tasks ?? []) await task();
  }

  const leaderLoops = (deps.leaderWork ?? []).map((work) =>
    guardedLoop(null, () => work(() => stopping || !leading), (err) => logger.warn({ err }, 'leader duty failed; will retry')),
  );
  const loops = {
    tick: guardedLoop(checkMs, tick, (err) => {
      if (!tickFailing) logger.warn({ err }, 'sweeper cannot reach Redis; will retry');
      tickFailing = true;
    }, () => (tickFailing = false)),
    leader: guardedLoop(null, leaderDuties, (err) => logger.warn({ err }, 'sweep failed; will retry')),
    shared: guardedLoop(deps.intervalMs, everyProcess, (err) => logger.warn({ err }, 'sweep task failed; will retry')),
  };

  return {
    start(): void {
      loops.leader.start();
      loops.tick.start();
      loops.shared.start();
      for (const loop of leaderLoops) loop.start();
    },
    async stop(): Promise<void> {
      stopping = true;
      // The tick kicks the leader loop, so it stops first.
      await loops.tick.stop();
      await Promise.all([loops.shared.stop(), loops.leader.stop(), ...leaderLoops.map((l) => l.stop())]);
      await coordination.release().catch(() => undefined);
    },
  };
}

export type ValidationSweeper = ReturnType<typeof createValidationSweeper>;
