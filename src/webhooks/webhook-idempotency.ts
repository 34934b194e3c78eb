import type { Db, Trx } from '../platform/db.js';
import type { FieldCipher } from '../platform/field-cipher.js';
import type { IdempotencyStore, StoredResponse } from '../platform/idempotency.js';
import type { ModeScope } from '../platform/mode-scope.js';

export interface IdempotentRequest { key: string; fingerprint: string }
/** Stores the answer with the change it describes: called inside the transaction that makes it. */
export type RecordAnswer = (trx: Trx, response: StoredResponse, resourceId?: string) => Promise<void>;
export interface IdempotentOutcome { response: StoredResponse; replayed: boolean }

/** AAD of a secret sealed inside a stored idempotent answer: bound to its tenant, mode and key. */
export const idempotencySecretAad = (scope: ModeScope, key: string): string => `idempotency_keys.secret:${scope.tenantId}:${scope.livemode ? 'live' : 'test'}:${key}`;

/**
 * Idempotency-Key for the webhook POSTs, on the shared reserve / complete store: the same key and body
 * replay the first answer, another body is 422, a key still in flight is 409. A replayed answer that
 * showed a signing secret shows the same secret again, so it is kept sealed with the field cipher (bound
 * to tenant, mode and key), never in clear in `idempotency_keys`.
 */
export function createWebhookIdempotency(deps: { db: Db; store: IdempotencyStore; cipher: FieldCipher }) {
  function seal(scope: ModeScope, key: string, r: StoredResponse): StoredResponse {
    const body = r.body as Record<string, unknown>;
    if (typeof body.secret !== 'string') return r;
    const { secret, ...rest } = body;
    return { status: r.status, body: { ...rest, sealed_secret: deps.cipher.encrypt(secret, idempotencySecretAad(scope, key)) } };
  }

  function unseal(scope: ModeScope, key: string, r: StoredResponse): StoredResponse {
    const body = r.body as Record<string, unknown>;
    if (typeof body.sealed_secret !== 'string') return r;
    const { sealed_secret: sealed, ...rest } = body;
    return { status: r.status, body: { ...rest, secret: deps.cipher.decrypt(sealed, idempotencySecretAad(scope, key)) } };
  }

  /** Runs `work` once per key; `work` records its answer in its transaction, or it is recorded after. */
  async function run(scope: ModeScope, idem: IdempotentRequest | undefined, work: (record: RecordAnswer) => Promise<StoredResponse>): Promise<IdempotentOutcome> {
    if (!idem) return { response: await work(async () => undefined), replayed: false };
    const reservation = await deps.store.reserve(scope, idem.key, idem.fingerprint);
    if (reservation.kind === 'replay') return { response: unseal(scope, idem.key, reservation.response), replayed: true };
    let recorded = false;
    // Only while this request still owns the key: one that stalled past the lock timeout while a retry took
    // the key over must not record (or, inside its transaction, make) a second change under it.
    const owner = { reservation };
    try {
      const response = await work(async (trx, answer, resourceId) => {
        await deps.store.complete(trx, scope, idem.key, seal(scope, idem.key, answer), resourceId, owner);
        recorded = true;
      });
      // Operations spread over several transactions (replay, retry) record their answer once done.
      if (!recorded) await deps.store.complete(deps.db, scope, idem.key, seal(scope, idem.key, response), undefined, owner);
      return { response, replayed: false };
    } catch (err) {
      await reservation.release().catch(() => undefined);
      throw err;
    }
  }

  return { run };
}
