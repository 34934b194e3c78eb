import { createHash } from 'node:crypto';
import type { Db, Trx } from './db.js';
import { AppError } from './app-error.js';
import { scopeWhere, type ModeScope } from './mode-scope.js';

export interface StoredResponse { status: number; body: unknown }
export type Reservation = { kind: 'new'; release(): Promise<void> } | { kind: 'replay'; response: StoredResponse };

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value as object).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
  }
  return value;
}

/** Same operation + same body (key order ignored) ⇒ same fingerprint. */
export function requestFingerprint(operation: string, body: unknown): string {
  return createHash('sha256').update(operation).update('\n').update(JSON.stringify(canonical(body) ?? null)).digest('hex');
}

export function checkIdempotencyKey(key: string): void {
  if (!KEY_PATTERN.test(key)) {
    throw new AppError('idempotency.invalid_key', 'Idempotency-Key must be 1–255 printable ASCII characters without spaces.');
  }
}

const isDuplicate = (err: unknown) => (err as { errno?: number }).errno === 1062;

/**
 * Stripe-style idempotency keys, stored in MySQL per tenant and mode: a test key and a live key may
 * use the same string without ever seeing each other's request.
 *
 * `reserve` claims the key before any work; the caller records the response with `complete` inside the
 * same transaction that creates the resource, so a committed resource always has its replayable
 * response. A crash after `reserve` leaves an `in_progress` row that a retry may take over once its lock
 * is older than `lockTimeoutMs`.
 */
export function createIdempotencyStore(db: Db, opts: { ttlHours: number; lockTimeoutMs: number }) {
  async function reserve(scope: ModeScope, key: string, fingerprint: string): Promise<Reservation> {
    checkIdempotencyKey(key);
    for (let round = 0; round < 3; round++) {
      const now = new Date();
      try {
        await db('idempotency_keys').insert({
          ...scopeWhere(scope),
          idem_key: key,
          request_hash: fingerprint,
          state: 'in_progress',
          locked_at: now,
          created_at: now,
          expires_at: new Date(now.getTime() + opts.ttlHours * 3_600_000),
        });
        return { kind: 'new', release: () => release(scope, key) };
      } catch (err) {
        if (!isDuplicate(err)) throw err;
      }
      const row = await db('idempotency_keys').where({ ...scopeWhere(scope), idem_key: key }).first();
      if (!row) continue; // expired and deleted meanwhile: try to insert again
      if (new Date(row.expires_at) < now) {
        await db('idempotency_keys').where({ ...scopeWhere(scope), idem_key: key, expires_at: row.expires_at }).delete();
        continue;
      }
      if (row.request_hash !== fingerprint) {
        throw new AppError('idempotency.key_reused', 'This Idempotency-Key was already used with a different request body.');
      }
      if (row.state === 'completed') {
        return { kind: 'replay', response: { status: Number(row.response_status), body: JSON.parse(row.response_body) } };
      }
      const lockedAt = new Date(row.locked_at);
      if (now.getTime() - lockedAt.getTime() > opts.lockTimeoutMs) {
        // The first request died mid-flight; take its place only if nobody else did first.
        const taken = await db('idempotency_keys')
          .where({ ...scopeWhere(scope), idem_key: key, state: 'in_progress', locked_at: lockedAt })
          .update({ locked_at: now });
        if (taken === 1) return { kind: 'new', release: () => release(scope, key) };
        continue;
      }
      throw new AppError('idempotency.in_progress', 'A request with this Idempotency-Key is still being processed; retry shortly.', {
        retryAfterSeconds: 1,
      });
    }
    throw new AppError('idempotency.in_progress', 'A request with this Idempotency-Key is still being processed; retry shortly.', {
      retryAfterSeconds: 1,
    });
  }

  async function complete(trx: Trx | Db, scope: ModeScope, key: string, response: StoredResponse, resourceId?: string): Promise<void> {
    await trx('idempotency_keys')
      .where({ ...scopeWhere(scope), idem_key: key })
      .update({
        state: 'completed',
        response_status: response.status,
        response_body: JSON.stringify(response.body),
        ...(resourceId ? { resource_id: resourceId } : {}),
      });
  }

  async function release(scope: ModeScope, key: string): Promise<void> {
    await db('idempotency_keys').where({ ...scopeWhere(scope), idem_key: key, state: 'in_progress' }).delete();
  }

  /** Removes keys past their retention; called periodically by the sweeper. */
  async function purgeExpired(limit = 1000): Promise<number> {
    return db('idempotency_keys').where('expires_at', '<', new Date()).limit(limit).delete();
  }

  return { reserve, complete, release, purgeExpired };
}

export type IdempotencyStore = ReturnType<typeof createIdempotencyStore>;
