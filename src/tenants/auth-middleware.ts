import type { RequestHandler, Response } from 'express';
import { AppError } from '../platform/app-error.js';
import { clientAddressKey } from '../platform/client-address.js';
import { hashApiKey, parseApiKey } from './api-key.js';
import type { KeyLookup } from './key-cache.js';
import type { AuthFailureThrottle } from './auth-failure-throttle.js';
import '../platform/http-context.js';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

function challenge(res: Response): void {
  res.set('WWW-Authenticate', 'Bearer realm="payval"');
}

/**
 * Bearer API-key authentication. `findKey` may cache active keys briefly (key-cache.ts): a revoked key
 * stops working within AUTH_KEY_CACHE_MS.
 * The presented key is never compared with stored keys: its SHA-256 is looked up, so lookup time
 * depends on the hash, not on how much of a real key was guessed (docs/decisions/0017).
 * An address over its failure budget is refused before any lookup, even with a valid key.
 */
export function authMiddleware(findKey: KeyLookup, throttle: AuthFailureThrottle): RequestHandler {
  return async (req, res, next) => {
    const address = clientAddressKey(req.ip);
    await throttle.check(address);
    const header = req.get('authorization');
    const presented = header ? BEARER.exec(header)?.[1] : undefined;
    const key = presented && parseApiKey(presented) ? await findKey(hashApiKey(presented)) : undefined;
    if (!key) {
      await throttle.fail(address);
      challenge(res);
      if (!header) throw new AppError('auth.missing_key', 'Send your API key as "Authorization: Bearer <key>".');
      throw new AppError('auth.invalid_key', 'The API key is not valid.');
    }
    req.auth = { tenantId: key.tenantId, keyId: key.keyId, mode: key.mode, actor: key.actor };
    next();
  };
}
