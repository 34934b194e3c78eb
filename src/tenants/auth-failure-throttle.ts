import type { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { AppError } from '../platform/app-error.js';

export interface AuthFailureThrottle {
  /** Throws 429 auth.too_many_failures while the address is over its budget. Checked before any key lookup. */
  check(addressKey: string): Promise<void>;
  /** Counts one failed authentication against the address (never throws). */
  fail(addressKey: string): Promise<void>;
}

const unavailable = (cause: unknown) =>
  new AppError('service.unavailable', 'The service is temporarily unavailable; retry shortly.', { retryAfterSeconds: 5, cause });

/**
 * Failed authentications per client address, counted in Redis so every replica shares them. Like the
 * tenant limiter it fails closed: with Redis down the API answers 503 rather than allow unmetered guessing.
 * A success does not reset the count, so valid requests cannot be interleaved to keep guessing.
 */
export function createAuthFailureThrottle(redis: Redis, opts: { limit: number; windowSeconds: number; keyPrefix: string }): AuthFailureThrottle {
  const limiter = new RateLimiterRedis({ storeClient: redis, keyPrefix: opts.keyPrefix, points: opts.limit, duration: opts.windowSeconds });
  return {
    async check(addressKey) {
      // Every request passes here: one GET of the limiter's own key answers it; the window's remaining
      // time is read (limiter.get: a MULTI of GET and PTTL) only for an address already over its budget.
      const failures = await redis.get(limiter.getKey(addressKey)).catch((err: unknown) => {
        throw unavailable(err);
      });
      if (failures === null || Number(failures) < opts.limit) return;
      const state = await limiter.get(addressKey).catch((err: unknown) => {
        throw unavailable(err);
      });
      if (state && state.consumedPoints >= opts.limit) {
        const retryAfter = Math.max(1, Math.ceil(state.msBeforeNext / 1000));
        throw new AppError('auth.too_many_failures', `Too many failed authentications from this address; retry after ${retryAfter} s.`, {
          retryAfterSeconds: retryAfter,
        });
      }
    },
    async fail(addressKey) {
      // Best effort: the answer is a 401 either way, and check() refuses the next request if Redis is gone.
      await limiter.penalty(addressKey, 1).catch(() => undefined);
    },
  };
}
