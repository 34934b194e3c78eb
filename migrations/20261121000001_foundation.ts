import type { Knex } from 'knex';

// Portable across MySQL 8 and MariaDB >= 10.6: no MariaDB-only syntax, DATETIME(3) in UTC, utf8mb4.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('tenants', (t) => {
    t.string('id', 32).primary();
    t.string('name', 200).notNullable();
    t.string('status', 16).notNullable().defaultTo('active');
    t.datetime('created_at', { precision: 3 }).notNullable();
  });

  await knex.schema.createTable('api_keys', (t) => {
    t.string('id', 32).primary();
    t.string('tenant_id', 32).notNullable().references('id').inTable('tenants');
    // SHA-256 of the whole key: the key itself is shown once and never stored.
    t.specificType('key_hash', 'CHAR(64)').notNullable().unique();
    t.string('display_prefix', 16).notNullable();
    t.string('mode', 8).notNullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('revoked_at', { precision: 3 }).nullable();
    t.index(['tenant_id']);
  });

  await knex.schema.createTable('validations', (t) => {
    t.string('id', 32).primary();
    t.string('tenant_id', 32).notNullable().references('id').inTable('tenants');
    t.string('type', 16).notNullable();
    t.string('rail', 8).notNullable();
    t.string('status', 16).notNullable();
    // AES-256-GCM ciphertext with its key id; the only place the full account number exists.
    t.string('account_ciphertext', 255).nullable();
    // Hex HMAC: ASCII with a binary collation keeps the index small and its comparisons cheap.
    t.specificType('account_blind_index', 'CHAR(64) CHARACTER SET ascii COLLATE ascii_bin').nullable();
    t.specificType('account_last4', 'CHAR(4)').nullable();
    t.specificType('ifsc', 'CHAR(11)').nullable();
    t.string('bank_name', 255).nullable();
    t.string('vpa', 320).nullable();
    t.string('expected_name', 200).nullable();
    t.string('reference_id', 64).nullable();
    t.json('metadata').nullable();
    t.string('account_status', 16).nullable();
    t.string('registered_name', 255).nullable();
    t.tinyint('name_match_score').unsigned().nullable();
    t.string('name_match_result', 16).nullable();
    t.string('partner', 32).nullable();
    t.string('partner_reference', 128).nullable();
    t.string('failure_code', 64).nullable();
    t.string('failure_message', 255).nullable();
    t.integer('attempts').unsigned().notNullable().defaultTo(0);
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
    t.datetime('processing_started_at', { precision: 3 }).nullable();
    t.datetime('completed_at', { precision: 3 }).nullable();
    t.index(['tenant_id', 'id'], 'validations_tenant_id_idx');
    t.index(['tenant_id', 'reference_id', 'id'], 'validations_tenant_reference_idx');
    t.index(['tenant_id', 'status', 'id'], 'validations_tenant_status_idx');
    // The sweeper scans unfinished rows by age.
    t.index(['status', 'updated_at'], 'validations_status_updated_idx');
  });

  await knex.schema.createTable('idempotency_keys', (t) => {
    t.string('tenant_id', 32).notNullable().references('id').inTable('tenants');
    t.string('idem_key', 255).notNullable();
    t.specificType('request_hash', 'CHAR(64)').notNullable();
    t.string('state', 16).notNullable();
    t.smallint('response_status').nullable();
    t.text('response_body', 'mediumtext').nullable();
    t.string('resource_id', 32).nullable();
    t.datetime('locked_at', { precision: 3 }).notNullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('expires_at', { precision: 3 }).notNullable();
    t.primary(['tenant_id', 'idem_key']);
    t.index(['expires_at']);
  });

  await knex.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id');
    t.string('tenant_id', 32).nullable();
    t.string('actor', 64).notNullable();
    t.string('action', 64).notNullable();
    t.string('target_type', 32).notNullable();
    t.string('target_id', 64).notNullable();
    t.string('request_id', 64).nullable();
    t.json('details').nullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.index(['tenant_id', 'id']);
  });
  // Append-only enforced by the database, not just by convention.
  await knex.raw(
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit_log is append-only'",
  );
  await knex.raw(
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit_log is append-only'",
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER IF EXISTS audit_log_no_delete');
  await knex.raw('DROP TRIGGER IF EXISTS audit_log_no_update');
  for (const table of ['audit_log', 'idempotency_keys', 'validations', 'api_keys', 'tenants']) {
    await knex.schema.dropTableIfExists(table);
  }
}
