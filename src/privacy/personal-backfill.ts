// `payval keys encrypt-personal`: the personal data written in clear before decision 0039 moved under
// the field cipher, with the lifecycle-run machinery of key rotation (keyset pages, SKIP LOCKED, the
// cursor moved in each page's transaction, resumable after a kill, a clean verification pass to end):
// - validations: VPA, expected and registered names, metadata into their `*_ciphertext` columns, the
//   plaintext columns NULLed (a later release drops them);
// - batches: metadata likewise;
// - webhook_events.payload and idempotency_keys.response_body: sealed in place. An old stored answer that
//   kept a webhook secret sealed on its own is opened and sealed whole, so no ciphertext hides inside
//   another one, out of sight of `keys status` and `keys retire-check`.
// Purged events keep their stubs in clear: they name ids only.
import type { Db, Trx } from '../platform/db.js';
import type { FieldCipher } from '../platform/field-cipher.js';
import { idempotencyBodyAad } from '../platform/idempotency.js';
import { jsonText, PERSONAL_COLUMNS } from '../validations/personal-fields.js';
import { batchMetadataAad } from '../batches/batch-store.js';
import { sealEventPayload } from '../webhooks/webhook-payload.js';
import { idempotencySecretAad } from '../webhooks/webhook-idempotency.js';
import type { RunResult } from './lifecycle-run.js';
import type { RewriteStep, RowOutcome } from './lifecycle-step.js';
import { runKeyJob, type KeyJobOptions } from './key-job.js';

export const ENCRYPT_PERSONAL = 'encrypt_personal';

/** A stored answer whose own sealed secret no configured key opens: counted and logged without its key. */
export interface BackfillFailure { table: string; column: string; key: Record<string, unknown> }

const NOT_SEALED = (column: string) => `(${column} IS NOT NULL AND LEFT(${column}, 3) <> 'v1.')`;
const str = (v: unknown): string => String(v);
const unchanged: RowOutcome = { changed: false, failed: false };

/** A step whose rows need work while `clearSql` holds; `rewrite` re-checks under the lock. */
function step(tableName: string, columnSet: string, key: string[], clearSql: string, locked: string[], rewrite: RewriteStep['rewrite']): RewriteStep {
  return { tableName, columnSet, key, probe: [`(${clearSql}) AS in_clear`], classify: (r) => (Number(r.in_clear) === 1 ? 'work' : 'done'), locked, rewrite };
}

const update = async (trx: Trx, table: string, where: Record<string, unknown>, changes: Record<string, unknown>): Promise<RowOutcome> => {
  if (Object.keys(changes).length === 0) return unchanged;
  await trx(table).where(where).update(changes);
  return { changed: true, failed: false };
};

function validationsStep(cipher: FieldCipher): RewriteStep {
  const plain = PERSONAL_COLUMNS.map((c) => c.plain);
  return step('validations', plain.join(','), ['id'], plain.map((c) => `${c} IS NOT NULL`).join(' OR '), [...plain, ...PERSONAL_COLUMNS.map((c) => c.sealed)], (trx, row) => {
    const id = str(row.id);
    const changes: Record<string, string | null> = {};
    for (const c of PERSONAL_COLUMNS) {
      const text = c.plain === 'metadata' ? jsonText(row.metadata) : (row[c.plain] as string | null);
      if (text === null || text === undefined) continue;
      // A row with both keeps its ciphertext, which readers prefer anyway.
      if (row[c.sealed] === null) changes[c.sealed] = cipher.encrypt(text, c.aad(id));
      changes[c.plain] = null;
    }
    return update(trx, 'validations', { id }, changes);
  });
}

function batchesStep(cipher: FieldCipher): RewriteStep {
  return step('batches', 'metadata', ['id'], 'metadata IS NOT NULL', ['metadata', 'metadata_ciphertext'], (trx, row) => {
    const text = jsonText(row.metadata);
    if (text === null) return Promise.resolve(unchanged);
    const sealed = row.metadata_ciphertext === null ? { metadata_ciphertext: cipher.encrypt(text, batchMetadataAad(str(row.id))) } : {};
    return update(trx, 'batches', { id: row.id }, { ...sealed, metadata: null });
  });
}

function eventsStep(cipher: FieldCipher): RewriteStep {
  return step('webhook_events', 'payload', ['id'], `${NOT_SEALED('payload')} AND purged_at IS NULL`, ['payload', 'purged_at'], (trx, row) => {
    const payload = row.payload as string;
    if (payload.startsWith('v1.') || row.purged_at !== null) return Promise.resolve(unchanged);
    return update(trx, 'webhook_events', { id: row.id }, { payload: sealEventPayload(cipher, str(row.id), payload) });
  });
}

/** An old answer's text with a secret sealed on its own opened (so that only the whole is sealed); null when it does not open. */
function openedAnswer(cipher: FieldCipher, stored: string, secretAad: string): string | null {
  try {
    const doc = JSON.parse(stored) as Record<string, unknown> | null;
    if (doc === null || typeof doc !== 'object' || typeof doc.sealed_secret !== 'string') return stored;
    const { sealed_secret: sealed, ...rest } = doc;
    return JSON.stringify({ ...rest, secret: cipher.decrypt(sealed as string, secretAad) });
  } catch {
    return null;
  }
}

function answersStep(cipher: FieldCipher, onFailure: (f: BackfillFailure) => void): RewriteStep {
  const key = ['tenant_id', 'livemode', 'idem_key'];
  return step('idempotency_keys', 'response_body', key, NOT_SEALED('response_body'), ['response_body'], async (trx, row) => {
    const stored = row.response_body as string | null;
    if (stored === null || stored.startsWith('v1.')) return unchanged;
    const scope = { tenantId: str(row.tenant_id), livemode: Number(row.livemode) === 1 };
    const idemKey = str(row.idem_key);
    const body = openedAnswer(cipher, stored, idempotencySecretAad(scope, idemKey));
    if (body === null) {
      // The Idempotency-Key is the client's text: the log line names tenant and mode only.
      onFailure({ table: 'idempotency_keys', column: 'response_body', key: { tenant_id: row.tenant_id, livemode: row.livemode } });
      return { changed: false, failed: true };
    }
    return update(trx, 'idempotency_keys', Object.fromEntries(key.map((c) => [c, row[c]])), { response_body: cipher.encrypt(body, idempotencyBodyAad(scope, idemKey)) });
  });
}

/** The steps in the order they run: one table each. */
export function backfillSteps(cipher: FieldCipher, onFailure: (f: BackfillFailure) => void): RewriteStep[] {
  return [validationsStep(cipher), batchesStep(cipher), eventsStep(cipher), answersStep(cipher, onFailure)];
}

export interface EncryptPersonalOptions extends KeyJobOptions {
  cipher: FieldCipher;
  onFailure: (f: BackfillFailure) => void;
}

/**
 * Encrypts every personal value still stored in clear under the active key; ends with a pass that finds
 * none. Audited as `keys.encrypt_personal_started` / `keys.encrypt_personal_completed`.
 */
export function encryptPersonalData(db: Db, o: EncryptPersonalOptions): Promise<RunResult> {
  return runKeyJob(db, { kind: ENCRYPT_PERSONAL, audit: 'keys.encrypt_personal', target: o.cipher.activeKeyId, steps: backfillSteps(o.cipher, o.onFailure) }, o);
}
