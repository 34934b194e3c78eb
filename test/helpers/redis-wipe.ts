import type { Redis } from 'ioredis';

// SCAN and UNLINK inside one script: Redis runs it atomically, so workers never see half a queue
// (a job hash whose wait list is gone, or the reverse), just as with FLUSHDB or a restart.
const WIPE = `
local cursor = '0'
local n = 0
repeat
  local r = redis.call('SCAN', cursor, 'MATCH', ARGV[1], 'COUNT', 1000)
  cursor = r[1]
  for _, k in ipairs(r[2]) do
    redis.call('UNLINK', k)
    n = n + 1
  end
until cursor == '0'
return n`;

/**
 * Empties Redis for one payval deployment: every key under `prefix` (its QUEUE_PREFIX, or one queue
 * of it such as `<prefix>:validations`), at once. Never FLUSHALL: other deployments (and other test
 * files) share the server.
 */
export async function wipeRedisPrefix(redis: Redis, prefix: string): Promise<number> {
  if (!/^[A-Za-z0-9_-]+(:[A-Za-z0-9_-]+)*$/.test(prefix)) throw new Error('refusing to wipe a prefix that is not a plain QUEUE_PREFIX');
  return Number(await redis.eval(WIPE, 0, `${prefix}:*`));
}
