import type { RequestHandler, Response } from 'express';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '../platform/app-error.js';
import { requireAuth } from '../platform/http-context.js';

const POLICY = '"tenant"';

/**
 * draft-ietf-httpapi-ratelimit-headers (RateLimit-Policy and RateLimit as structured fields): the policy
 * (`q` requests per `w` seconds) and what is left of it (`r`) until the window resets in `t` seconds.
 */
export function setRateLimitHeaders(res: Response, policy: { points: number; windowSeconds: number }, remaining: number, resetMs: number): void {
  res.set('RateLimit-Policy', `${POLICY};q=${policy.points};w=${policy.windowSeconds}`);
  res.set('RateLimit', `${POLICY};r=${Math.max(0, remaining)};t=${Math.max(0, Math.ceil(resetMs / 1000))}`);
}

/**
 * Per-tenant request budget shared by every API replica through Redis (and by the console's validations
 * and uploads, which draw on the same budget without the headers: `headers: false`). There is deliberately no
 * in-memory insurance limiter: while Redis is down the API answers 503 rather than admitting
 * unmetered traffic that would turn into paid partner calls later.
 */
export function rateLimitMiddleware(redis: Redis, opts: { points: number; windowSeconds: number; keyPrefix: string; headers?: boolean }): RequestHandler {
  const report = opts.headers === false ? () => undefined : setRateLimitHeaders;
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
      report(res, opts, r.remainingPoints, r.msBeforeNext);
      next();
    } catch (err) {
      if (err instanceof RateLimiterRes) {
        const retryAfter = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
        report(res, opts, 0, err.msBeforeNext);
        throw new AppError('rate_limit.exceeded', `Too many requests; retry after ${retryAfter} s.`, { retryAfterSeconds: retryAfter });
      }
      throw new AppError('service.unavailable', 'The service is temporarily unavailable; retry shortly.', { retryAfterSeconds: 5, cause: err });
    }
  };
}
