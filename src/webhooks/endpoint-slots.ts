import type { Redis } from 'ioredis';

// A sorted set per target: members are deliveries in flight, scores their expiry (so a killed
// worker's slot frees itself). Atomic in Redis, so the limit holds across every worker process.
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZSCORE', KEYS[1], ARGV[3]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[4]) then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
  return 1
end
return 0`;

/**
 * Caps how many deliveries to one target are in flight at once, across all workers. A receiver that
 * hangs then occupies at most `limit` worker slots for one timeout each, and every other endpoint
 * (other tenants' included) keeps the rest of the worker's concurrency.
 */
export function createEndpointSlots(redis: Redis, opts: { prefix: string; limit: number; holdMs: number }) {
  const key = (target: string) => `${opts.prefix}:webhook-slots:${target}`;
  return {
    async acquire(target: string, deliveryId: string): Promise<boolean> {
      const now = Date.now();
      const got = await redis.eval(ACQUIRE, 1, key(target), now, now + opts.holdMs, deliveryId, opts.limit, opts.holdMs * 2);
      return got === 1;
    },
    async release(target: string, deliveryId: string): Promise<void> {
      await redis.zrem(key(target), deliveryId);
    },
  };
}

export type EndpointSlots = ReturnType<typeof createEndpointSlots>;
