import type { RequestHandler } from 'express';
import type { Db } from '../platform/db.js';
import { AppError } from '../platform/app-error.js';
import { hashApiKey, parseApiKey } from './api-key.js';
import { findActiveKeyByHash } from './tenant-store.js';
import '../platform/http-context.js';

/** Bearer API-key authentication; a revoked key stops working on the next request (no cache). */
export function authMiddleware(db: Db): RequestHandler {
  return async (req, _res, next) => {
    const header = req.get('authorization');
    if (!header) throw new AppError('auth.missing_key', 'Send your API key as "Authorization: Bearer <key>".');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const presented = match?.[1];
    if (!presented || !parseApiKey(presented)) throw new AppError('auth.invalid_key', 'The API key is not valid.');
    const key = await findActiveKeyByHash(db, hashApiKey(presented));
    if (!key) throw new AppError('auth.invalid_key', 'The API key is not valid.');
    req.auth = { tenantId: key.tenantId, keyId: key.keyId, mode: key.mode };
    next();
  };
}
