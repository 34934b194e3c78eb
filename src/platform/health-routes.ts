import { Router } from 'express';
import type { Redis } from 'ioredis';
import type { Db } from './db.js';
import { withTimeout } from './with-timeout.js';

/** Whether `check` settles well within `timeoutMs`; shared by /readyz and payval_dependency_up. */
export async function probe(check: () => Promise<unknown>, timeoutMs: number): Promise<'ok' | 'down'> {
  try {
    await withTimeout(check(), timeoutMs, 'probe timed out');
    return 'ok';
  } catch {
    return 'down';
  }
}

export function healthRoutes(db: Db, redis: Redis): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const [mysql, redisState] = await Promise.all([probe(() => db.raw('SELECT 1'), 2000), probe(() => redis.ping(), 2000)]);
    const ready = mysql === 'ok' && redisState === 'ok';
    if (!ready) res.set('Retry-After', '5');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', checks: { mysql, redis: redisState } });
  });
  return router;
}
