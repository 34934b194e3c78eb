// Every column that holds field-cipher ciphertext, with the AAD each ciphertext was sealed with. Key
// rotation rewrites them, `payval keys status` counts them by key id and `payval keys retire-check`
// looks through all of them, so a column missing here would keep an old key alive unnoticed.
//
// Adding an encrypted column is one entry: a field on its table's entry (same primary key), or a new
// table entry. The AAD function must be the very one the writer uses, imported from the writer's module.
import { accountAad } from '../validations/new-validation.js';
import { expectedNameAad, metadataAad, registeredNameAad, vpaAad } from '../validations/personal-fields.js';
import { batchMetadataAad } from '../batches/batch-store.js';
import { eventPayloadAad } from '../webhooks/webhook-payload.js';
import { endpointSecretAad, tenantSecretAad } from '../webhooks/secret-ring.js';
import { idempotencySecretAad } from '../webhooks/webhook-idempotency.js';
import { idempotencyBodyAad } from '../platform/idempotency.js';
import { totpAad } from '../users/session-service.js';
import { erasurePayeeAad } from './erasure-store.js';
import { wholeOrJsonField, wholeValue, type CiphertextCodec } from './ciphertext-codec.js';
import type { StoredRow } from './lifecycle-step.js';

export interface CiphertextField {
  column: string;
  /**
   * The AAD the writer bound the ciphertext to, from the row's own columns (and, where a column holds
   * ciphertexts of two writers, from the stored value, which tells them apart).
   */
  aad: (row: StoredRow, stored?: string | null) => string;
  /** Where the ciphertext sits in the value; the whole value unless said otherwise. */
  codec?: CiphertextCodec;
}

export interface CiphertextTable {
  table: string;
  /** The primary key, in index order: the keyset walk follows it. */
  key: readonly string[];
  /** Columns an AAD reads besides the key. */
  aadColumns?: readonly string[];
  /** The key columns that may appear in a log line (an Idempotency-Key is the client's own text). */
  loggedKey?: readonly string[];
  fields: readonly CiphertextField[];
}

const str = (row: StoredRow, column: string): string => String(row[column]);
/** TINYINT(1) comes back as 0/1 (or '0'/'1' with some drivers' settings). */
const live = (row: StoredRow): boolean => Number(row.livemode) === 1;

export const CIPHERTEXT_TABLES: readonly CiphertextTable[] = [
  {
    table: 'validations',
    key: ['id'],
    fields: [
      { column: 'account_ciphertext', aad: (r) => accountAad(str(r, 'id')) },
      // The payee's other fields (decision 0039).
      { column: 'vpa_ciphertext', aad: (r) => vpaAad(str(r, 'id')) },
      { column: 'expected_name_ciphertext', aad: (r) => expectedNameAad(str(r, 'id')) },
      { column: 'registered_name_ciphertext', aad: (r) => registeredNameAad(str(r, 'id')) },
      { column: 'metadata_ciphertext', aad: (r) => metadataAad(str(r, 'id')) },
    ],
  },
  {
    table: 'batches',
    key: ['id'],
    fields: [{ column: 'metadata_ciphertext', aad: (r) => batchMetadataAad(str(r, 'id')) }],
  },
  {
    // Encrypted in place: bodies recorded before decision 0039 (JSON) and purged events' stubs are no ciphertext.
    table: 'webhook_events',
    key: ['id'],
    fields: [{ column: 'payload', aad: (r) => eventPayloadAad(str(r, 'id')) }],
  },
  {
    table: 'webhook_endpoints',
    key: ['id'],
    fields: [
      { column: 'secret_ciphertext', aad: (r) => endpointSecretAad(str(r, 'id')) },
      { column: 'previous_secret_ciphertext', aad: (r) => endpointSecretAad(str(r, 'id')) },
    ],
  },
  {
    table: 'tenant_webhook_secrets',
    key: ['tenant_id', 'livemode'],
    fields: [
      { column: 'secret_ciphertext', aad: (r) => tenantSecretAad({ tenantId: str(r, 'tenant_id'), livemode: live(r) }) },
      { column: 'previous_secret_ciphertext', aad: (r) => tenantSecretAad({ tenantId: str(r, 'tenant_id'), livemode: live(r) }) },
    ],
  },
  {
    // The payee of an erasure request still running (cleared when it completes).
    table: 'erasure_requests',
    key: ['id'],
    fields: [{ column: 'payee_ciphertext', aad: (r) => erasurePayeeAad(str(r, 'id')) }],
  },
  {
    table: 'users',
    key: ['id'],
    fields: [{ column: 'totp_ciphertext', aad: (r) => totpAad(str(r, 'id')) }],
  },
  {
    // A stored answer is sealed whole (decision 0039). Answers stored before kept only a replayed webhook
    // POST's signing secret sealed, in their `sealed_secret` field, under an AAD of its own. These rows
    // expire within IDEMPOTENCY_TTL_HOURS; they are rewritten anyway, so that an old key can be retired
    // at once rather than up to 30 days later (decision 0038).
    table: 'idempotency_keys',
    key: ['tenant_id', 'livemode', 'idem_key'],
    loggedKey: ['tenant_id', 'livemode'],
    fields: [
      {
        column: 'response_body',
        codec: wholeOrJsonField('sealed_secret'),
        aad: (r, stored) => {
          const scope = { tenantId: str(r, 'tenant_id'), livemode: live(r) };
          return wholeValue.read(stored ?? null) !== null ? idempotencyBodyAad(scope, str(r, 'idem_key')) : idempotencySecretAad(scope, str(r, 'idem_key'));
        },
      },
    ],
  },
];

export const codecOf = (field: CiphertextField): CiphertextCodec => field.codec ?? wholeValue;

/** `table.column` for every field, as `keys status` and the audit details name them. */
export const fieldNames = (tables: readonly CiphertextTable[] = CIPHERTEXT_TABLES): string[] =>
  tables.flatMap((t) => t.fields.map((f) => `${t.table}.${f.column}`));
