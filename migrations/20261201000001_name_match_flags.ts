import type { Knex } from 'knex';

/** The name matcher's signals (business name, relation clause, truncated, script converted…) beside its reasons. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('validations', (t) => {
    t.json('name_match_flags').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('validations', (t) => {
    t.dropColumn('name_match_flags');
  });
}
