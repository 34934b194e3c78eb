import type { Knex } from 'knex';

/**
 * Usage metering (issue 15, docs/decisions/0036-usage-metering.md): per tenant, mode, local day,
 * rail, partner and kind (`billable`, `possibly_billed`, `reuse`, `single_flight`), the count of final
 * validations, written in the transaction that makes them final. Each such transaction adds to one
 * of 16 shard rows picked at random, so concurrent workers of one busy tenant do not queue on one
 * row (the lesson of decision 0023); readers sum the shards.
 *
 * `day` is the calendar day at USAGE_TIMEZONE (`+05:30` by default). A new table: nothing to backfill
 * (validations finished before this release are not counted). Portable across MySQL 8 and MariaDB.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('usage_counters', (t) => {
    t.string('tenant_id', 32).notNullable();
    t.boolean('livemode').notNullable();
    t.date('day').notNullable();
    t.string('rail', 8).notNullable();
    t.string('partner', 32).notNullable();
    t.string('kind', 16).notNullable();
    t.specificType('shard', 'TINYINT UNSIGNED').notNullable();
    t.integer('count').unsigned().notNullable().defaultTo(0);
    t.datetime('updated_at', { precision: 3 }).notNullable();
    t.primary(['tenant_id', 'livemode', 'day', 'rail', 'partner', 'kind', 'shard']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('usage_counters');
}
