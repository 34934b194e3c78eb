// One Prometheus registry per runtime (not prom-client's global one), so several runtimes in one
// process — the test suite starts many — never collide on metric names.

import { timingSafeEqual, createHash } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { collectDefaultMetrics, Registry } from 'prom-client';

export function createMetricsRegistry(role: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ role });
  collectDefaultMetrics({ register: registry, prefix: 'payval_' });
  return registry;
}

/**
 * `GET /metrics` in Prometheus text format. With a token configured it requires
 * `Authorization: Bearer <token>`; without one, keep the port off the public network.
 */
export function metricsRoute(registry: Registry, token: string | null): Router {
  const router = Router();
  const expected = token === null ? null : digest(`Bearer ${token}`);
  router.get('/metrics', async (req: Request, res: Response) => {
    if (expected !== null) {
      const header = req.headers.authorization;
      if (typeof header !== 'string' || !timingSafeEqual(digest(header), expected)) {
        res.set('WWW-Authenticate', 'Bearer').status(401).type('text/plain').send('unauthorized\n');
        return;
      }
    }
    res.set('Content-Type', registry.contentType).set('Cache-Control', 'no-store').send(await registry.metrics());
  });
  return router;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
