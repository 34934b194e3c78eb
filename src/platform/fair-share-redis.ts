import type { Redis } from 'ioredis';
import { MAX_PRIORITY, PRIORITY_SCORE_SHIFT, type RoundPlan } from './fair-share.js';
import type { ValidationQueue } from './queues.js';
import { withTimeout } from './with-timeout.js';

/**
 * planRounds (fair-share.ts) applied atomically, so two feeders never read the same state: reads the
 * head and tail rounds of BullMQ's prioritized set and the tenant's last round, decides, and writes
 * the tenant's new last round. When the prioritized set is empty, rounds start over at 1 and every
 * tenant's remembered round is dropped. With no tenant (ARGV[1] == ''), only returns the base round.
 *
 * KEYS: prioritized set, wait list, rounds hash (tenant -> last round).
 * ARGV: tenant, slices, maxAhead, maxWaiting, maxPriority, ttl seconds.
 * Returns {first, cap, last}, {0, 0, queued} when the tenant must wait, {base, 0, 0} without a tenant.
 */
const RESERVE = `
local shift = ${PRIORITY_SCORE_SHIFT}
local low = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local head = false
local tail = false
if #low == 0 then
  redis.call('DEL', KEYS[3])
else
  head = math.floor(tonumber(low[2]) / shift)
  local high = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  tail = math.floor(tonumber(high[2]) / shift)
end
local base = head or 1
if ARGV[1] == '' then return {base, 0, 0} end
local raw = redis.call('HGET', KEYS[3], ARGV[1])
local last = false
if raw then last = tonumber(raw) end
if last and ((not tail) or last > tail) then last = false end
local queued = redis.call('LLEN', KEYS[2]) + redis.call('ZCARD', KEYS[1])
local maxWaiting = tonumber(ARGV[4])
if maxWaiting > 0 and queued > maxWaiting and last and last > base then return {0, 0, queued} end
local cap = math.min(base + tonumber(ARGV[3]), tonumber(ARGV[5]))
local first = base
if last then first = math.max(base, math.min(last + 1, cap)) end
local newLast = math.min(first + math.max(1, tonumber(ARGV[2])) - 1, cap)
redis.call('HSET', KEYS[3], ARGV[1], newLast)
redis.call('EXPIRE', KEYS[3], tonumber(ARGV[6]))
return {first, cap, newLast}`;

export interface FairShareOptions {
  /** Rounds past the head a tenant's slices may go (FairLimits.maxAhead). */
  maxAhead: number;
  /** How long an idle tenant's last round is remembered. */
  ttlSeconds?: number;
  timeoutMs?: number;
}

export const DEFAULT_MAX_AHEAD = 10_000;

/** Where the tenants' last rounds live: beside the queue's own keys, so wiping the prefix clears them. */
export const fairRoundsKey = (queue: Pick<ValidationQueue, 'qualifiedName'>): string => `${queue.qualifiedName}:fair-rounds`;

export function createFairShare(redis: Redis, queue: Pick<ValidationQueue, 'keys' | 'qualifiedName'>, opts: FairShareOptions = { maxAhead: DEFAULT_MAX_AHEAD }) {
  const keys = [queue.keys.prioritized!, queue.keys.wait!, fairRoundsKey(queue)];
  const ttl = opts.ttlSeconds ?? 86_400;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const run = async (tenant: string, slices: number, maxWaiting: number): Promise<[number, number, number]> => {
    const reply = (await withTimeout(
      redis.eval(RESERVE, keys.length, ...keys, tenant, slices, opts.maxAhead, maxWaiting, MAX_PRIORITY, ttl),
      timeoutMs,
      'fair-share round timed out: Redis unavailable',
    )) as unknown[];
    return [Number(reply[0]), Number(reply[1]), Number(reply[2])];
  };

  return {
    /**
     * Rounds for the next `slices` slices of `tenantId`'s bulk work, or null when the queue holds
     * more than `maxWaiting` jobs and this tenant already has slices queued past the head.
     */
    async reserve(tenantId: string, slices: number, maxWaiting: number): Promise<RoundPlan | null> {
      if (!tenantId) throw new Error('fair share needs a tenant id');
      const [first, cap, last] = await run(tenantId, slices, maxWaiting);
      return first > 0 ? { first, cap, last } : null;
    },
    /** The round the workers are at: the priority for batch rows requeued after a loss. */
    async headRound(): Promise<number> {
      const [base] = await run('', 0, 0);
      return base;
    },
  };
}

export type FairShare = ReturnType<typeof createFairShare>;
