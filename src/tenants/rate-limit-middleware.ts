import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '../platform/app-error.js';
import { requireAuth } from '../platform/http-context.js';

/**
 * Per-tenant request budget shared by every API replica through Redis. There is deliberately no
 * in-memory insurance limiter: while Redis is down the API answers 503 rather than admitting
 * unmetered traffic that would turn into paid partner calls later.
 */
export function rateLimitMiddleware(redis: Redis, opts: { points: number; windowSeconds: number; keyPrefix: string }): RequestHandler {
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: opts.keyPrefix,
    points: opts.points,
    duration: opts.windowSeconds,
  });
  return async (req, res, next) => {
    const { tenantId } = requireAuth(req);
    try {
      const r = await limiter.consume(tenantId, 1);
      res.set('X-RateLimit-Limit', String(opts.points));
      res.set('X-RateLimit-Remaining', String(r.remainingPoints));
      next();
    } catch (err) {
      if (err instanceof RateLimiterRes) {
        const retryAfter = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
        res.set('X-RateLimit-Limit', String(opts.points));
        res.set('X-RateLimit-Remaining', '0');
        throw new AppError('rate_limit.exceeded', `Too many requests; retry after ${retryAfter} s.`, { retryAfterSeconds: retryAfter });
      }
      throw new AppError('service.unavailable', 'The service is temporarily unavailable; retry shortly.', { retryAfterSeconds: 5, cause: err });
    }
  };
}
