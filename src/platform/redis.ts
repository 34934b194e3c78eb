import { Redis, type RedisOptions } from 'ioredis';

/**
 * Two kinds of connection, on purpose:
 * - `worker`: BullMQ workers block on Redis and must wait out outages (maxRetriesPerRequest: null).
 * - `fail-fast`: the API's producer, rate limiter and readiness probe must answer 503 at once while
 *   Redis is down instead of queueing commands and hanging the request.
 */
export type RedisRole = 'worker' | 'fail-fast';

export function createRedis(url: string, role: RedisRole, name: string): Redis {
  const common: RedisOptions = {
    connectionName: `payval:${name}`,
    connectTimeout: 5000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  };
  const opts: RedisOptions =
    role === 'worker'
      ? { ...common, maxRetriesPerRequest: null, enableReadyCheck: true }
      : // Auto-pipelining sends the commands many concurrent requests issue in one turn as one write.
        { ...common, maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: 2000, enableAutoPipelining: true };
  const client = new Redis(url, opts);
  // Errors surface through commands; an unhandled 'error' event would crash the process.
  client.on('error', () => undefined);
  return client;
}

/** Resolves once the client is connected, so fail-fast clients do not reject the first commands. */
export async function waitForRedis(client: Redis, timeoutMs = 10_000): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error('Redis did not become ready in time'));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      client.off('ready', onReady);
    };
    client.on('ready', onReady);
  });
}
