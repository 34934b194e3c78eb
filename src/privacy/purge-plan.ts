// What retention and erasure remove, and what they keep, in one place (docs/decisions/0033). A purged
// row keeps a skeleton — ids, status, the verdict, the partner, timestamps, the last four digits — so
// counts, usage and the audit log still add up; everything that identifies the payee goes.
// test/component/purge-plan-coverage.test.ts compares this list with every text column of the schema:
// a new column must be classified here before it can land.

/** Columns set to NULL when a row's personal data is purged. */
export const PURGED_COLUMNS = {
  // The plaintext columns and their ciphertexts (decision 0039) alike.
  validations: [
    'account_ciphertext', 'account_blind_index', 'vpa', 'expected_name', 'registered_name', 'metadata', 'reference_id',
    'vpa_ciphertext', 'expected_name_ciphertext', 'registered_name_ciphertext', 'metadata_ciphertext',
  ],
  batches: ['metadata', 'metadata_ciphertext'],
  batch_rows: ['reference_id'],
  webhook_attempts: ['response_body'],
} as const satisfies Record<string, readonly string[]>;

/** Columns rewritten rather than nulled: the row stays, with a stub that names only ids. */
export const REWRITTEN_COLUMNS = {
  // The event body sent: becomes `{type, timestamp, data: {id, object, livemode, purged_at}}`.
  webhook_events: ['payload'],
  // A stored answer for a replay: becomes the purged object's view (erasure; retention outlives the TTL).
  idempotency_keys: ['response_body'],
} as const satisfies Record<string, readonly string[]>;

/** Rows deleted outright: a pointer from a payee's blind index to their newest answer. */
export const DELETED_ROWS = ['partner_answers'] as const;

/**
 * Text columns that stay, and why. Everything here is an id, a code, a fixed message, a secret under
 * the field cipher (key rotation covers it), or not payee data at all.
 */
export const KEPT_TEXT_COLUMNS: Record<string, Record<string, string>> = {
  validations: {
    id: 'id',
    tenant_id: 'id',
    type: 'enum',
    rail: 'enum',
    status: 'enum',
    account_last4: 'last four digits, kept by design (skeleton)',
    ifsc: 'public branch code',
    bank_name: 'bank-level name from the IFSC directory',
    account_status: 'enum',
    status_reason: 'enum',
    name_match_result: 'enum',
    name_match_reasons: 'enum list',
    name_match_flags: 'enum list',
    partner: 'partner name',
    partner_reference: "the partner's verification id: reconciles invoices and disputes",
    partner_followup: 'enum',
    failure_code: 'code',
    failure_message: 'fixed message per code (failure-messages.ts)',
    webhook_url: "the client's endpoint",
    batch_id: 'id',
    reused_from: 'id',
  },
  batches: {
    id: 'id',
    tenant_id: 'id',
    status: 'enum',
    source: 'enum',
    reference_id: "the client's label for the upload, not a payee's",
    feed_cursor: 'id',
    failure_code: 'code',
    failure_message: 'fixed message',
    webhook_url: "the client's endpoint",
  },
  batch_rows: { batch_id: 'id', validation_id: 'id', rejection_code: 'code', rejection_column: 'column name', rejection_message: 'fixed message that never echoes a cell' },
  batch_counter_shards: { batch_id: 'id' },
  webhook_events: { id: 'id', tenant_id: 'id', type: 'enum', object_id: 'id' },
  webhook_deliveries: { id: 'id', tenant_id: 'id', event_id: 'id', event_type: 'enum', endpoint_id: 'id', url: "the client's endpoint", status: 'enum', round_trigger: 'enum', last_error: 'code' },
  webhook_attempts: { delivery_id: 'id', trigger: 'enum', url: "the client's endpoint", error: 'code', error_message: 'transport error text' },
  webhook_endpoints: {
    id: 'id',
    tenant_id: 'id',
    url: "the client's endpoint",
    description: "the client's label",
    events: 'enum list',
    disabled_reason: 'enum',
    secret_ciphertext: 'secret under the field cipher',
    previous_secret_ciphertext: 'secret under the field cipher',
  },
  tenant_webhook_secrets: { tenant_id: 'id', secret_ciphertext: 'secret under the field cipher', previous_secret_ciphertext: 'secret under the field cipher' },
  idempotency_keys: { tenant_id: 'id', idem_key: "the client's key", request_hash: 'HMAC of the request (keyed)', state: 'enum', resource_id: 'id', body_hash: 'hash of an uploaded body' },
  partner_answers: { account_blind_index: 'HMAC (row deleted on purge)', tenant_id: 'id', validation_id: 'id' },
  audit_log: { tenant_id: 'id', actor: 'id', action: 'enum', target_type: 'enum', target_id: 'id', request_id: 'id', details: 'ids, counts and codes only (audit-store.ts)' },
  tenants: { id: 'id', name: "the client's organisation", status: 'enum' },
  tenant_settings: { tenant_id: 'id' },
  api_keys: { id: 'id', tenant_id: 'id', key_hash: 'hash of the key', display_prefix: 'key prefix', mode: 'enum' },
  retention_cursors: { tenant_id: 'id', table_name: 'table name', through_id: 'id' },
  erasure_requests: {
    id: 'id',
    tenant_id: 'id',
    type: 'enum',
    status: 'enum',
    actor: 'id',
    request_id: 'id',
    payee_ciphertext: "the payee under the field cipher, only while the request is finding its validations (seconds): cleared when the find ends",
    find_cursor: 'id',
  },
  erasure_request_items: { request_id: 'id', validation_id: 'id' },
  usage_counters: { tenant_id: 'id', rail: 'enum', partner: 'partner name', kind: 'enum' },
  tenant_quota: { tenant_id: 'id', month: 'YYYY-MM', reached_month: 'YYYY-MM' },
  lifecycle_runs: { run_id: 'id', kind: 'enum', table_name: 'table name', column_set: 'column names', target_key_id: 'key id', last_key: 'primary key of the last row done (ids, an idempotency key)', status: 'enum' },
  users: { '*': "the tenant's own staff, not payees (out of scope: docs/decisions/0033)" },
  user_invitations: { '*': "the tenant's own staff, not payees" },
  user_sessions: { '*': 'session state of staff' },
  knex_migrations: { '*': 'schema bookkeeping' },
  knex_migrations_lock: { '*': 'schema bookkeeping' },
};

/** The column values that purge a `validations` row. */
export function purgedValues(table: keyof typeof PURGED_COLUMNS, now: Date): Record<string, null | Date> {
  const values: Record<string, null | Date> = Object.fromEntries(PURGED_COLUMNS[table].map((c) => [c, null]));
  if (table === 'validations' || table === 'batches') values.purged_at = now;
  return values;
}

/** The `object` of an event's data, from its type (`validation.completed` → `validation`). */
const EVENT_OBJECTS: Record<string, string> = { validation: 'validation', batch: 'batch', endpoint: 'webhook_endpoint' };

/**
 * A purged event's body: the event's type and time, and which object it was about — nothing else.
 * Made from the event's own columns, never its payload (sealed since decision 0039, and personal in
 * any case). The stub is written in clear: it names ids only.
 */
export function purgedEventPayload(event: { objectId: string; livemode: boolean; type: string; createdAt: Date }, now: Date): string {
  const object = EVENT_OBJECTS[event.type.split('.')[0]!] ?? null;
  return JSON.stringify({ type: event.type, timestamp: event.createdAt.toISOString(), data: { id: event.objectId, object, livemode: event.livemode, purged_at: now.toISOString() } });
}
