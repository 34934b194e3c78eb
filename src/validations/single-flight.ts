import type { Redis } from 'ioredis';

// Re-entrant for its owner (a retry of the leading validation extends its own lock).
const ACQUIRE = `
local cur = redis.call('GET', KEYS[1])
if cur == false or cur == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`;
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * One partner call per payee at a time, across all worker processes. The first validation of a
 * tenant's payee takes the lock and calls; the others wait and then reuse its answer. The lock
 * expires after `ttlMs`, so a leader that died frees it. Redis trouble never blocks a validation: it
 * proceeds as its own leader (at worst, one extra call).
 */
export function createSingleFlight(redis: Redis, opts: { prefix: string; ttlMs: number; onError?: (err: unknown) => void }) {
  const key = (blindIndex: string) => `${opts.prefix}:single-flight:${blindIndex}`;
  return {
    async acquire(blindIndex: string, owner: string): Promise<boolean> {
      try {
        return (await redis.eval(ACQUIRE, 1, key(blindIndex), owner, opts.ttlMs)) === 1;
      } catch (err) {
        opts.onError?.(err);
        return true;
      }
    },
    async release(blindIndex: string, owner: string): Promise<void> {
      await redis.eval(RELEASE, 1, key(blindIndex), owner).catch((err: unknown) => opts.onError?.(err));
    },
  };
}

export type SingleFlight = ReturnType<typeof createSingleFlight>;
