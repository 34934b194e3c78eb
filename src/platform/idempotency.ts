import { createHash, createHmac } from 'node:crypto';
import type { Db, Trx } from './db.js';
import type { FieldCipher } from './field-cipher.js';
import { AppError } from './app-error.js';
import { scopeWhere, type ModeScope } from './mode-scope.js';

export interface StoredResponse { status: number; body: unknown }
/**
 * `new`: this request owns the key. `lockedAt` is the lock's current value (a lease moves it on);
 * `release` gives the key up only while this request still owns it.
 * `replay`: the stored response, and the hash of the whole body when the request was an upload.
 */
export type Reservation =
  | { kind: 'new'; lockedAt: Date; release(): Promise<void> }
  | { kind: 'replay'; response: StoredResponse; bodyHash: string | null };
export type NewReservation = Extract<Reservation, { kind: 'new' }>;

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

/** AAD of a stored answer: bound to its tenant, mode and key, so it opens only as that key's replay. */
export const idempotencyBodyAad = (scope: ModeScope, key: string): string => `idempotency_keys.response_body:${scope.tenantId}:${scope.livemode ? 'live' : 'test'}:${key}`;

/**
 * A stored answer repeats the validation's VPA, names and metadata (or a batch's metadata, a webhook
 * secret), so it is stored sealed (decision 0039). Answers stored in clear before read as they are:
 * JSON starts with `{`, a ciphertext with `v1.`.
 */
export function openStoredBody(cipher: FieldCipher, scope: ModeScope, key: string, stored: string): unknown {
  return JSON.parse(stored.startsWith('v1.') ? cipher.decrypt(stored, idempotencyBodyAad(scope, key)) : stored);
}

const isDuplicate = (err: unknown) => (err as { errno?: number }).errno === 1062;

const inProgress = (message = 'A request with this Idempotency-Key is still being processed; retry shortly.') =>
  new AppError('idempotency.in_progress', message, { retryAfterSeconds: 1 });

/**
 * Stripe-style idempotency keys, stored in MySQL per tenant and mode: a test key and a live key may
 * use the same string without ever seeing each other's request.
 *
 * `reserve` claims the key before any work; the caller records the response with `complete` inside the
 * same transaction that creates the resource, so a committed resource always has its replayable
 * response. A crash after `reserve` leaves an `in_progress` row that a retry may take over once its lock
 * is older than `lockTimeoutMs`. Work that may outlast that (a CSV upload) `hold`s the key: a heartbeat
 * keeps the lock fresh while the work runs, and `complete` / `release` with the reservation succeed
 * only while the lock is still the one this request holds, so a key can never serve two requests.
 */
export function createIdempotencyStore(db: Db, opts: { ttlHours: number; lockTimeoutMs: number; fingerprintKey: Buffer; cipher: FieldCipher }) {
  // Bodies hold account numbers, and a short number's plain hash can be found by trying them all: what
  // is stored is keyed. Rows written before the key expire within the TTL, so their plain form is still accepted.
  const stored = (fingerprint: string) => createHmac('sha256', opts.fingerprintKey).update(fingerprint).digest('hex');
  const owned = (scope: ModeScope, key: string, lockedAt: Date) => ({ ...scopeWhere(scope), idem_key: key, state: 'in_progress', locked_at: lockedAt });

  function newReservation(scope: ModeScope, key: string, lockedAt: Date): NewReservation {
    const reservation: NewReservation = {
      kind: 'new',
      lockedAt,
      release: async () => {
        await db('idempotency_keys').where(owned(scope, key, reservation.lockedAt)).delete();
      },
    };
    return reservation;
  }

  async function reserve(scope: ModeScope, key: string, fingerprint: string): Promise<Reservation> {
    checkIdempotencyKey(key);
    for (let round = 0; round < 3; round++) {
      const now = new Date();
      try {
        await db('idempotency_keys').insert({
          ...scopeWhere(scope),
          idem_key: key,
          request_hash: stored(fingerprint),
          state: 'in_progress',
          locked_at: now,
          created_at: now,
          expires_at: new Date(now.getTime() + opts.ttlHours * 3_600_000),
        });
        return newReservation(scope, key, now);
      } catch (err) {
        if (!isDuplicate(err)) throw err;
      }
      const row = await db('idempotency_keys').where({ ...scopeWhere(scope), idem_key: key }).first();
      if (!row) continue; // expired and deleted meanwhile: try to insert again
      if (new Date(row.expires_at) < now) {
        await db('idempotency_keys').where({ ...scopeWhere(scope), idem_key: key, expires_at: row.expires_at }).delete();
        continue;
      }
      if (row.request_hash !== stored(fingerprint) && row.request_hash !== fingerprint) {
        throw new AppError('idempotency.key_reused', 'This Idempotency-Key was already used with a different request body.');
      }
      if (row.state === 'completed') {
        const body = openStoredBody(opts.cipher, scope, key, row.response_body as string);
        return { kind: 'replay', response: { status: Number(row.response_status), body }, bodyHash: row.body_hash ?? null };
      }
      const lockedAt = new Date(row.locked_at);
      if (now.getTime() - lockedAt.getTime() > opts.lockTimeoutMs) {
        // The first request died mid-flight; take its place only if nobody else did first.
        const taken = await db('idempotency_keys')
          .where({ ...scopeWhere(scope), idem_key: key, state: 'in_progress', locked_at: lockedAt })
          .update({ locked_at: now });
        if (taken === 1) return newReservation(scope, key, now);
        continue;
      }
      throw inProgress();
    }
    throw inProgress();
  }

  /**
   * Records the response. With `owner` (the reservation), only while that reservation still holds the
   * lock: otherwise the key was taken over and this throws, rolling back the caller's transaction.
   */
  async function complete(
    trx: Trx | Db,
    scope: ModeScope,
    key: string,
    response: StoredResponse,
    resourceId?: string,
    owner?: { reservation: NewReservation; bodyHash?: string },
  ): Promise<void> {
    const updated = await trx('idempotency_keys')
      .where(owner ? owned(scope, key, owner.reservation.lockedAt) : { ...scopeWhere(scope), idem_key: key })
      .update({
        state: 'completed',
        response_status: response.status,
        response_body: opts.cipher.encrypt(JSON.stringify(response.body), idempotencyBodyAad(scope, key)),
        ...(resourceId ? { resource_id: resourceId } : {}),
        ...(owner?.bodyHash ? { body_hash: owner.bodyHash } : {}),
      });
    if (owner && updated !== 1) throw inProgress('This Idempotency-Key was taken over by a retry while this request stalled; nothing was created.');
  }

  /**
   * Keeps a reserved key's lock fresh while long work runs (every quarter of the lock timeout), so a
   * retry keeps getting 409 instead of taking the key over. `check()` throws once the lock was lost
   * (this process stalled past the timeout and a retry took the key): the work must then stop.
   */
  function hold(scope: ModeScope, key: string, reservation: NewReservation) {
    let lost = false;
    let beat: Promise<void> = Promise.resolve();
    const tick = async () => {
      const next = new Date(Math.max(Date.now(), reservation.lockedAt.getTime() + 1));
      try {
        const n = await db('idempotency_keys').where(owned(scope, key, reservation.lockedAt)).update({ locked_at: next });
        if (n === 1) reservation.lockedAt = next;
        else lost = true;
      } catch {
        // MySQL hiccup: the next beat tries again; if the lock lapses meanwhile, complete() notices.
      }
    };
    const timer = setInterval(() => {
      if (!lost) beat = beat.then(tick);
    }, Math.max(100, Math.floor(opts.lockTimeoutMs / 4)));
    timer.unref();
    return {
      check(): void {
        if (lost) throw inProgress('This Idempotency-Key was taken over by a retry while this request stalled; nothing was created.');
      },
      /** Stops the heartbeat after any beat in flight, so `reservation.lockedAt` is final. */
      async stop(): Promise<void> {
        clearInterval(timer);
        await beat;
      },
    };
  }

  /** Removes keys past their retention; called periodically by the sweeper. */
  async function purgeExpired(limit = 1000): Promise<number> {
    return db('idempotency_keys').where('expires_at', '<', new Date()).limit(limit).delete();
  }

  return { reserve, complete, hold, purgeExpired };
}

export type IdempotencyStore = ReturnType<typeof createIdempotencyStore>;
