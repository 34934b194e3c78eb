import type { Knex } from 'knex';

/**
 * Erasure requests: what was asked (the payee's type only — never the payee), by whom, what was found
 * and purged; and the validations each request still has to purge, so the work survives a restart.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('erasure_requests', (t) => {
    t.string('id', 32).primary();
    t.string('tenant_id', 32).notNullable();
    // The mode of the key that asked: a live key erases both modes' data, a test key only test data.
    t.boolean('livemode').notNullable();
    t.string('type', 16).notNullable();
    // processing → completed.
    t.string('status', 16).notNullable();
    t.string('actor', 64).notNullable();
    t.string('request_id', 64).nullable();
    t.integer('matched_validations').unsigned().notNullable();
    t.integer('purged_validations').unsigned().notNullable().defaultTo(0);
    t.integer('unfinished_failed').unsigned().notNullable().defaultTo(0);
    t.integer('batch_rows').unsigned().notNullable().defaultTo(0);
    t.integer('webhook_events').unsigned().notNullable().defaultTo(0);
    t.integer('idempotency_records').unsigned().notNullable().defaultTo(0);
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('completed_at', { precision: 3 }).nullable();
    t.index(['tenant_id', 'id'], 'erasure_requests_tenant_idx');
    t.index(['status', 'id'], 'erasure_requests_status_idx');
  });
  await knex.schema.createTable('erasure_request_items', (t) => {
    t.string('request_id', 32).notNullable();
    t.string('validation_id', 32).notNullable();
    t.boolean('done').notNullable().defaultTo(false);
    t.primary(['request_id', 'validation_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('erasure_request_items');
  await knex.schema.dropTable('erasure_requests');
}
