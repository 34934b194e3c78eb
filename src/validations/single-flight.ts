import type { Redis } from 'ioredis';

// Re-entrant for its owner (a retry of the leading validation extends its own lock). Many keys per
// call: the worker takes and frees the locks of a whole group of claims (or completions) in one round
// trip. KEYS[i] is owned by ARGV[i + 1]; ARGV[1] is the lock's time to live.
const ACQUIRE = `
local out = {}
for i, key in ipairs(KEYS) do
  local cur = redis.call('GET', key)
  if cur == false or cur == ARGV[i + 1] then
    redis.call('SET', key, ARGV[i + 1], 'PX', ARGV[1])
    out[i] = 1
  else
    out[i] = 0
  end
end
return out`;
const RELEASE = `
local n = 0
for i, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[i] then n = n + redis.call('DEL', key) end
end
return n`;

type ScriptRedis = Redis & {
  singleFlightAcquire(numKeys: number, ...args: Array<string | number>): Promise<number[]>;
  singleFlightRelease(numKeys: number, ...args: string[]): Promise<number>;
};

export interface FlightLock {
  /** The payee: tenant-scoped blind index, per mode. */
  key: string;
  /** The validation that holds (or wants) the call. */
  owner: string;
}

/**
 * One partner call per payee at a time, across all worker processes. The first validation of a
 * tenant's payee takes the lock and calls; the others wait and then reuse its answer. The lock
 * expires after `ttlMs`, so a leader that died frees it. Redis trouble never blocks a validation: it
 * proceeds as its own leader (at worst, one extra call). Its keys live under the queue prefix, so
 * they share the queues' hash slot where the prefix is a Cluster hash tag.
 */
export function createSingleFlight(redis: Redis, opts: { prefix: string; ttlMs: number; onError?: (err: unknown) => void }) {
  const key = (payee: string) => `${opts.prefix}:single-flight:${payee}`;
  // EVALSHA with a fallback to EVAL: the script's text crosses the network once per connection.
  redis.defineCommand('singleFlightAcquire', { lua: ACQUIRE });
  redis.defineCommand('singleFlightRelease', { lua: RELEASE });
  const scripts = redis as ScriptRedis;

  async function acquireMany(locks: readonly FlightLock[]): Promise<boolean[]> {
    if (locks.length === 0) return [];
    try {
      const got = await scripts.singleFlightAcquire(locks.length, ...locks.map((l) => key(l.key)), opts.ttlMs, ...locks.map((l) => l.owner));
      return locks.map((_, i) => got[i] === 1);
    } catch (err) {
      opts.onError?.(err);
      return locks.map(() => true);
    }
  }

  async function releaseMany(locks: readonly FlightLock[]): Promise<void> {
    if (locks.length === 0) return;
    await scripts.singleFlightRelease(locks.length, ...locks.map((l) => key(l.key)), ...locks.map((l) => l.owner)).catch((err: unknown) => opts.onError?.(err));
  }

  return {
    acquireMany,
    releaseMany,
    acquire: async (payee: string, owner: string): Promise<boolean> => (await acquireMany([{ key: payee, owner }]))[0]!,
    release: (payee: string, owner: string): Promise<void> => releaseMany([{ key: payee, owner }]),
  };
}

export type SingleFlight = ReturnType<typeof createSingleFlight>;
