import type { Knex } from 'knex';

/**
 * Uploads account for every line (issue 11). `batches.skipped_rows` counts blank rows of a CSV upload,
 * which are read and counted against BATCH_MAX_ROWS but are not payees, so `total_rows` keeps meaning
 * "rows that are payees" (= rejected + accepted). `idempotency_keys.body_hash` is the SHA-256 of a whole
 * uploaded file, recorded when its batch is created, so a replay is checked against the whole file and
 * not only the first 64 kB that the reservation's fingerprint covers.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('batches', (t) => {
    t.integer('skipped_rows').unsigned().notNullable().defaultTo(0);
  });
  await knex.schema.alterTable('idempotency_keys', (t) => {
    t.specificType('body_hash', 'CHAR(64)').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('idempotency_keys', (t) => {
    t.dropColumn('body_hash');
  });
  await knex.schema.alterTable('batches', (t) => {
    t.dropColumn('skipped_rows');
  });
}
