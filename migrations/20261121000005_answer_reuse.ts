import type { Knex } from 'knex';

/**
 * Reusing partner answers. `partner_answers` points at the newest completed validation that a partner
 * actually answered, per tenant and payee (blind index): a primary-key lookup, so reuse adds no index
 * to `validations`, whose insert rate bounds bulk ingest. Each validation records whether its result
 * was reused, from which validation, and when the partner gave it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('partner_answers', (t) => {
    t.specificType('account_blind_index', 'CHAR(64) CHARACTER SET ascii COLLATE ascii_bin').primary();
    t.string('tenant_id', 32).notNullable();
    t.string('validation_id', 32).notNullable();
    t.datetime('verified_at', { precision: 3 }).notNullable();
  });
  await knex.schema.createTable('tenant_settings', (t) => {
    t.string('tenant_id', 32).primary().references('id').inTable('tenants');
    // Null means the service default (REUSE_MAX_AGE_SECONDS, NAME_MATCH_* thresholds).
    t.integer('reuse_max_age_seconds').unsigned().nullable();
    t.integer('name_match_threshold').unsigned().nullable();
    t.integer('close_match_threshold').unsigned().nullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
  });
  await knex.schema.alterTable('validations', (t) => {
    // How old a reused answer may be, fixed at creation (request field, else the tenant default); 0 = always call.
    t.integer('max_age_seconds').unsigned().nullable();
    t.boolean('cached').notNullable().defaultTo(false);
    t.string('reused_from', 32).nullable();
    t.datetime('verified_at', { precision: 3 }).nullable();
    t.json('name_match_reasons').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('validations', (t) => {
    t.dropColumn('name_match_reasons');
    t.dropColumn('verified_at');
    t.dropColumn('reused_from');
    t.dropColumn('cached');
    t.dropColumn('max_age_seconds');
  });
  await knex.schema.dropTable('tenant_settings');
  await knex.schema.dropTable('partner_answers');
}
