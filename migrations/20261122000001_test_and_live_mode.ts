import type { Knex } from 'knex';

/**
 * Test and live mode (docs/decisions/0012-test-and-live-mode.md). Every object an API key can create
 * or read records the mode of the key that created it, and every tenant-scoped index leads with
 * (tenant_id, livemode) so a key's reads never scan the other mode's rows.
 *
 * Existing rows become live (DEFAULT 1): until now every validation, whatever its key, went to the
 * configured partners, so its answer is as real as a live one, and a process of the previous release
 * still running during a rolling deploy keeps today's behaviour instead of sending a live customer's
 * payee to the sandbox. The one exception is an answer the sandbox partner gave: it must never be
 * reused for a live validation, so its reuse pointer is dropped (costing at most one partner call).
 *
 * Portable across MySQL 8 and MariaDB >= 10.6: ADD COLUMN with a constant default is instant on both;
 * primary keys are swapped in one ALTER so the tenant foreign keys always keep an index.
 */
const LIVEMODE = 'livemode TINYINT(1) NOT NULL DEFAULT 1';

/** [table, old index name, old columns, new index name, new columns] */
const INDEXES: Array<[string, string, string[], string, string[]]> = [
  ['validations', 'validations_tenant_id_idx', ['tenant_id', 'id'], 'validations_scope_id_idx', ['tenant_id', 'livemode', 'id']],
  ['validations', 'validations_tenant_reference_idx', ['tenant_id', 'reference_id', 'id'], 'validations_scope_reference_idx', ['tenant_id', 'livemode', 'reference_id', 'id']],
  ['validations', 'validations_tenant_status_idx', ['tenant_id', 'status', 'id'], 'validations_scope_status_idx', ['tenant_id', 'livemode', 'status', 'id']],
  ['batches', 'batches_tenant_id_idx', ['tenant_id', 'id'], 'batches_scope_id_idx', ['tenant_id', 'livemode', 'id']],
  ['webhook_endpoints', 'webhook_endpoints_tenant_idx', ['tenant_id', 'id'], 'webhook_endpoints_scope_idx', ['tenant_id', 'livemode', 'id']],
  ['webhook_events', 'webhook_events_tenant_created_idx', ['tenant_id', 'created_at'], 'webhook_events_scope_created_idx', ['tenant_id', 'livemode', 'created_at']],
  ['webhook_deliveries', 'webhook_deliveries_tenant_idx', ['tenant_id', 'id'], 'webhook_deliveries_scope_idx', ['tenant_id', 'livemode', 'id']],
  ['webhook_deliveries', 'webhook_deliveries_endpoint_idx', ['tenant_id', 'endpoint_id', 'id'], 'webhook_deliveries_scope_endpoint_idx', ['tenant_id', 'livemode', 'endpoint_id', 'id']],
];

const SCOPED_TABLES = ['validations', 'batches', 'webhook_endpoints', 'webhook_events', 'webhook_deliveries'];

/** [table, old primary key, new primary key]: mode joins the key so the two modes are separate namespaces. */
const PRIMARY_KEYS: Array<[string, string[], string[]]> = [
  ['idempotency_keys', ['tenant_id', 'idem_key'], ['tenant_id', 'livemode', 'idem_key']],
  ['partner_answers', ['account_blind_index'], ['account_blind_index', 'livemode']],
  ['tenant_webhook_secrets', ['tenant_id'], ['tenant_id', 'livemode']],
];

const cols = (c: string[]) => c.map((n) => `\`${n}\``).join(', ');

export async function up(knex: Knex): Promise<void> {
  for (const table of SCOPED_TABLES) await knex.raw(`ALTER TABLE \`${table}\` ADD COLUMN ${LIVEMODE}`);
  // New indexes first: the tenant foreign keys need an index starting with tenant_id at every moment.
  for (const [table, , , name, columns] of INDEXES) await knex.raw(`ALTER TABLE \`${table}\` ADD INDEX \`${name}\` (${cols(columns)})`);
  for (const [table, name] of INDEXES) await knex.raw(`ALTER TABLE \`${table}\` DROP INDEX \`${name}\``);
  for (const [table, , pk] of PRIMARY_KEYS) {
    await knex.raw(`ALTER TABLE \`${table}\` ADD COLUMN ${LIVEMODE}, DROP PRIMARY KEY, ADD PRIMARY KEY (${cols(pk)})`);
  }
  await knex.raw(`DELETE pa FROM partner_answers pa JOIN validations v ON v.id = pa.validation_id WHERE v.partner = 'sandbox'`);
}

export async function down(knex: Knex): Promise<void> {
  // Going back merges the modes: keep one row per old key (the live one) where both exist.
  await knex.raw('DELETE t FROM idempotency_keys t JOIN idempotency_keys l ON l.tenant_id = t.tenant_id AND l.idem_key = t.idem_key AND l.livemode = 1 WHERE t.livemode = 0');
  // A test answer must not become reusable for live validations; dropping a pointer only costs a call.
  await knex.raw('DELETE FROM partner_answers WHERE livemode = 0');
  await knex.raw('DELETE FROM tenant_webhook_secrets WHERE livemode = 0');
  for (const [table, old] of PRIMARY_KEYS) {
    await knex.raw(`ALTER TABLE \`${table}\` DROP PRIMARY KEY, ADD PRIMARY KEY (${cols(old)}), DROP COLUMN livemode`);
  }
  for (const [table, oldName, oldColumns] of INDEXES) await knex.raw(`ALTER TABLE \`${table}\` ADD INDEX \`${oldName}\` (${cols(oldColumns)})`);
  for (const [table, , , name] of INDEXES) await knex.raw(`ALTER TABLE \`${table}\` DROP INDEX \`${name}\``);
  for (const table of SCOPED_TABLES) await knex.raw(`ALTER TABLE \`${table}\` DROP COLUMN livemode`);
}
