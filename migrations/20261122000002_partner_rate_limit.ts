import type { Knex } from 'knex';

/**
 * When a partner's rate limit first held this validation back. A validation that stays held back by
 * rate limits past PARTNER_RATE_LIMIT_MAX_WAIT_MS from then fails `partner.rate_limited` instead of
 * waiting for ever (decision 0009). Null for the many that never meet a 429; adding a nullable column
 * at the end is instant on MariaDB 10.3+ and MySQL 8.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('validations', (t) => {
    t.datetime('rate_limited_since', { precision: 3 }).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('validations', (t) => {
    t.dropColumn('rate_limited_since');
  });
}
