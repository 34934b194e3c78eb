// Failed sign-ins, counted per account and per client address in Redis (every replica shares them).
// Like the API's failed-key throttle it fails closed: with Redis down, signing in answers 503.
import { createHmac } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { AppError } from '../platform/app-error.js';
import { normaliseEmail } from './user-store.js';

export interface SignInThrottle {
  /**
   * Counts one attempt against the account and the address before its password or code is checked,
   * so parallel guesses cannot all pass a check made before any of them failed. While either is over
   * its budget, throws 429 console.too_many_sign_ins and counts nothing. A failed attempt needs no
   * more: its point stays.
   */
  check(email: string, address: string): Promise<void>;
  /**
   * The attempt was right: its points are handed back. A full sign-in (`complete`) also clears the
   * account's count (not the address's: one good account must not launder guesses).
   */
  succeed(email: string, address: string, complete: boolean): Promise<void>;
}

/**
 * The account's bucket: an HMAC of the normalised address under a server secret, so Redis holds no
 * e-mail address and a guessed one cannot be confirmed from a Redis dump. Normalised exactly as the
 * users table compares addresses (lower-cased, trimmed, binary collation), so no spelling of one
 * address gets a bucket of its own.
 */
export const accountBucket = (secret: Buffer, email: string): string => createHmac('sha256', secret).update(normaliseEmail(email)).digest('hex').slice(0, 32);


const unavailable = (cause: unknown) =>
  new AppError('service.unavailable', 'The service is temporarily unavailable; retry shortly.', { retryAfterSeconds: 5, cause });

export function createSignInThrottle(redis: Redis, opts: { accountLimit: number; addressLimit: number; windowSeconds: number; keyPrefix: string; secret: Buffer }): SignInThrottle {
  const accountKey = (email: string) => accountBucket(opts.secret, email);
  const accounts = new RateLimiterRedis({ storeClient: redis, keyPrefix: `${opts.keyPrefix}:acct`, points: opts.accountLimit, duration: opts.windowSeconds });
  const addresses = new RateLimiterRedis({ storeClient: redis, keyPrefix: `${opts.keyPrefix}:addr`, points: opts.addressLimit, duration: opts.windowSeconds });
  return {
    async check(email, address) {
      const [a, b] = await Promise.all([accounts.penalty(accountKey(email), 1), addresses.penalty(address, 1)]).catch((err: unknown) => {
        throw unavailable(err);
      });
      const over = [a.consumedPoints > opts.accountLimit ? a : null, b.consumedPoints > opts.addressLimit ? b : null].filter((x) => x !== null);
      if (over.length === 0) return;
      await Promise.all([accounts.reward(accountKey(email), 1), addresses.reward(address, 1)]).catch(() => undefined);
      const retryAfter = Math.max(1, Math.ceil(Math.max(...over.map((x) => x.msBeforeNext)) / 1000));
      throw new AppError('console.too_many_sign_ins', `Too many failed sign-ins; try again in ${Math.ceil(retryAfter / 60)} minute(s).`, { retryAfterSeconds: retryAfter });
    },
    async succeed(email, address, complete) {
      await Promise.all([
        complete ? accounts.delete(accountKey(email)) : accounts.reward(accountKey(email), 1),
        addresses.reward(address, 1),
      ]).catch(() => undefined);
    },
  };
}
