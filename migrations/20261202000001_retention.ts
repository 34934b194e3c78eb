import type { Knex } from 'knex';

/**
 * Retention: when a row's personal data was purged (null: not purged), the tenant's own retention
 * period, where each tenant's purge has got to, and an index to find a purged object's webhook events.
 * Columns are appended and nullable (an instant change on MySQL 8 and MariaDB); the index is built online.
 */
export async function up(knex: Knex): Promise<void> {
  for (const table of ['validations', 'batches', 'webhook_events']) {
    await knex.schema.alterTable(table, (t) => {
      t.datetime('purged_at', { precision: 3 }).nullable();
    });
  }
  await knex.schema.alterTable('webhook_events', (t) => {
    t.index(['tenant_id', 'object_id'], 'webhook_events_object_idx');
  });
  await knex.schema.alterTable('tenant_settings', (t) => {
    // Null: the service default (RETENTION_DAYS).
    t.integer('retention_days').unsigned().nullable();
  });
  await knex.schema.createTable('retention_cursors', (t) => {
    t.string('tenant_id', 32).notNullable();
    t.boolean('livemode').notNullable();
    // `validations` or `batches`: everything up to and including `through_id` has been purged;
    // `batch_rows`: `<batch id>:<row number>` (a 30-character id, a colon and up to 7 digits).
    t.string('table_name', 32).notNullable();
    t.string('through_id', 64).notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
    t.primary(['tenant_id', 'livemode', 'table_name']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('retention_cursors');
  await knex.schema.alterTable('tenant_settings', (t) => {
    t.dropColumn('retention_days');
  });
  await knex.schema.alterTable('webhook_events', (t) => {
    t.dropIndex(['tenant_id', 'object_id'], 'webhook_events_object_idx');
  });
  for (const table of ['webhook_events', 'batches', 'validations']) {
    await knex.schema.alterTable(table, (t) => {
      t.dropColumn('purged_at');
    });
  }
}
