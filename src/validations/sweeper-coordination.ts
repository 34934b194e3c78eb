import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ScanCursor, UnfinishedStatus } from './unfinished-scan.js';

/**
 * What the worker processes' sweepers share in Redis, under the queue prefix:
 * - `sweeper:epoch`, a marker written once per Redis lifetime. When it is gone, Redis was emptied or
 *   replaced, and every job with it: the first sweeper to notice records a recovery run.
 * - `sweeper:leader`, a lease (owner token, expiry): only its holder runs the MySQL-driven duties
 *   (stale sweep, recovery passes, feed restarts), so N worker processes do not do the work N times.
 * - `sweeper:recovery`, the pending recovery run and how far it got, so a new leader resumes it.
 * A second loss while a run is in progress replaces the run; the old leader's next save sees that.
 */
export interface RecoveryState {
  run: string;
  reason: string;
  requestedAt: number;
  /** A pass starts no earlier than this (settle time after a loss, or the wait for deferred rows). */
  notBefore: number;
  /** Where the current pass is; null when the next pass has not started. */
  cursor: ScanCursor | null;
  passes: number;
  pages: number;
  checked: number;
  requeued: number;
  /** Rows of the current pass left for a later one because they were too recent. */
  deferredQueued: number;
  deferredProcessing: number;
}

const TICK = `
local lost = 0
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('SET', KEYS[1], ARGV[1])
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[2], 'run', ARGV[6], 'reason', 'redis-emptied', 'requestedAt', ARGV[2], 'notBefore', ARGV[5])
  lost = 1
end
local owner = redis.call('GET', KEYS[3])
local leader = 0
if owner == ARGV[3] then
  redis.call('PEXPIRE', KEYS[3], ARGV[4])
  leader = 1
elseif not owner then
  redis.call('SET', KEYS[3], ARGV[3], 'PX', ARGV[4])
  leader = 1
end
return {lost, leader}`;

const REQUEST = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'run', ARGV[1], 'reason', ARGV[2], 'requestedAt', ARGV[3], 'notBefore', ARGV[3])
return 1`;

// Saves progress only while the caller still leads and its run is still the pending one.
const SAVE = `
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
if redis.call('HGET', KEYS[1], 'run') ~= ARGV[2] then return -1 end
redis.call('PEXPIRE', KEYS[2], ARGV[3])
if ARGV[4] == '1' then redis.call('DEL', KEYS[1]) return 1 end
for i = 5, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
return 1`;

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export type SaveResult = 'saved' | 'not-leader' | 'superseded';

export function createSweeperCoordination(redis: Redis, prefix: string, opts: { leaseMs: number; settleMs: number }) {
  const keys = { epoch: `${prefix}:sweeper:epoch`, recovery: `${prefix}:sweeper:recovery`, leader: `${prefix}:sweeper:leader` };
  const owner = randomBytes(12).toString('hex');
  const token = () => randomBytes(8).toString('hex');

  async function save(state: RecoveryState, finished: boolean): Promise<SaveResult> {
    const c = state.cursor;
    const fields = [
      'notBefore', String(state.notBefore),
      'status', c?.status ?? '',
      'batchId', c?.batchId ?? '',
      'afterId', c?.afterId ?? '',
      'passes', String(state.passes),
      'pages', String(state.pages),
      'checked', String(state.checked),
      'requeued', String(state.requeued),
      'deferredQueued', String(state.deferredQueued),
      'deferredProcessing', String(state.deferredProcessing),
    ];
    const r = Number(await redis.eval(SAVE, 2, keys.recovery, keys.leader, owner, state.run, String(opts.leaseMs), finished ? '1' : '0', ...fields));
    return r === 1 ? 'saved' : r === 0 ? 'not-leader' : 'superseded';
  }

  return {
    owner,
    /** Once a second in every process: notices a lost Redis and takes or keeps the leader lease. */
    async tick(now = Date.now()): Promise<{ redisLost: boolean; leader: boolean }> {
      const args = [token(), String(now), owner, String(opts.leaseMs), String(now + opts.settleMs), token()];
      const [lost, leader] = (await redis.eval(TICK, 3, keys.epoch, keys.recovery, keys.leader, ...args)) as [number, number];
      return { redisLost: lost === 1, leader: leader === 1 };
    },
    /** Asks for a recovery run unless one is pending; true when this call created it. */
    async request(reason: string, now = Date.now()): Promise<boolean> {
      return Number(await redis.eval(REQUEST, 1, keys.recovery, token(), reason, String(now))) === 1;
    },
    async read(): Promise<RecoveryState | null> {
      const h = await redis.hgetall(keys.recovery);
      if (!h.run) return null;
      const n = (v: string | undefined) => Number(v ?? 0) || 0;
      const cursor: ScanCursor | null = h.status ? { status: h.status as UnfinishedStatus, batchId: h.batchId || null, afterId: h.afterId ?? '' } : null;
      return {
        run: h.run,
        reason: h.reason ?? '',
        requestedAt: n(h.requestedAt),
        notBefore: n(h.notBefore),
        cursor,
        passes: n(h.passes),
        pages: n(h.pages),
        checked: n(h.checked),
        requeued: n(h.requeued),
        deferredQueued: n(h.deferredQueued),
        deferredProcessing: n(h.deferredProcessing),
      };
    },
    save: (state: RecoveryState) => save(state, false),
    finish: (state: RecoveryState) => save(state, true),
    async release(): Promise<void> {
      await redis.eval(RELEASE, 1, keys.leader, owner);
    },
  };
}

export type SweeperCoordination = ReturnType<typeof createSweeperCoordination>;
