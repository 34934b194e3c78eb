import type { Knex } from 'knex';

/**
 * Spend caps (issue 15, docs/decisions/0037-spend-caps.md):
 * - `tenant_settings.daily_call_cap` / `monthly_call_cap`: the tenant's own limits on charged partner
 *   calls in live mode (NULL: SPEND_CAP_DAILY / SPEND_CAP_MONTHLY; 0: no limit).
 * - `tenant_quota`: one row per capped tenant, locked by the worker's claim and final transactions:
 *   calls used this day and month (at USAGE_TIMEZONE), slots reserved by unfinished validations, the
 *   caps the counts were kept under, and the periods `quota.reached` was audited for.
 * - `validations.quota_reserved`: the slots a validation holds (0 for every uncapped tenant's rows).
 *   A column added last with a constant default: INSTANT on MariaDB >= 10.3 and MySQL >= 8.0.12.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tenant_settings', (t) => {
    t.integer('daily_call_cap').unsigned().nullable();
    t.integer('monthly_call_cap').unsigned().nullable();
  });
  await knex.schema.createTable('tenant_quota', (t) => {
    t.string('tenant_id', 32).primary().references('id').inTable('tenants');
    t.date('day').notNullable();
    t.integer('day_used').unsigned().notNullable().defaultTo(0);
    t.string('month', 7).notNullable();
    t.integer('month_used').unsigned().notNullable().defaultTo(0);
    t.integer('reserved').unsigned().notNullable().defaultTo(0);
    t.integer('daily_cap').unsigned().notNullable().defaultTo(0);
    t.integer('monthly_cap').unsigned().notNullable().defaultTo(0);
    t.date('reached_day').nullable();
    t.string('reached_month', 7).nullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
  });
  await knex.schema.alterTable('validations', (t) => {
    t.specificType('quota_reserved', 'TINYINT UNSIGNED').notNullable().defaultTo(0);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('validations', (t) => {
    t.dropColumn('quota_reserved');
  });
  await knex.schema.dropTableIfExists('tenant_quota');
  await knex.schema.alterTable('tenant_settings', (t) => {
    t.dropColumn('daily_call_cap');
    t.dropColumn('monthly_call_cap');
  });
}
