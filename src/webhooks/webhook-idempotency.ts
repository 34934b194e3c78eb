import type { Db, Trx } from '../platform/db.js';
import type { FieldCipher } from '../platform/field-cipher.js';
import type { IdempotencyStore, StoredResponse } from '../platform/idempotency.js';
import type { ModeScope } from '../platform/mode-scope.js';

export interface IdempotentRequest { key: string; fingerprint: string }
/** Stores the answer with the change it describes: called inside the transaction that makes it. */
export type RecordAnswer = (trx: Trx, response: StoredResponse, resourceId?: string) => Promise<void>;
export interface IdempotentOutcome { response: StoredResponse; replayed: boolean }

/** AAD of a secret sealed inside an answer stored in clear before decision 0039: bound to its tenant, mode and key. */
export const idempotencySecretAad = (scope: ModeScope, key: string): string => `idempotency_keys.secret:${scope.tenantId}:${scope.livemode ? 'live' : 'test'}:${key}`;

/**
 * Idempotency-Key for the webhook POSTs, on the shared reserve / complete store: the same key and body
 * replay the first answer, another body is 422, a key still in flight is 409. A replayed answer that
 * showed a signing secret shows the same secret again. The store seals every answer whole (bound to
 * tenant, mode and key), so the secret is never in clear in `idempotency_keys`. Answers stored before
 * that carry the secret sealed on its own, as `sealed_secret`; they still replay (and
 * `payval keys encrypt-personal` reseals them whole).
 */
export function createWebhookIdempotency(deps: { db: Db; store: IdempotencyStore; cipher: FieldCipher }) {
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
        await deps.store.complete(trx, scope, idem.key, answer, resourceId, owner);
        recorded = true;
      });
      // Operations spread over several transactions (replay, retry) record their answer once done.
      if (!recorded) await deps.store.complete(deps.db, scope, idem.key, response, undefined, owner);
      return { response, replayed: false };
    } catch (err) {
      await reservation.release().catch(() => undefined);
      throw err;
    }
  }

  return { run };
}
