import type { Knex } from 'knex';

/**
 * Progress of the bounded background rewrites over stored data (issue 15,
 * docs/decisions/0038-key-rotation-and-retirement.md): key rotation today, the blind-index reindex,
 * and later the field-encryption backfill. One row per run, pass and column set: `last_key` is where
 * the keyset walk over that table stands (a JSON array of the primary-key values of the last row
 * read), moved in the same transaction as the rows it covers, so a process killed at any moment
 * resumes exactly where its last commit left off. Progress lives in MySQL, not Redis: wiping Redis
 * loses nothing.
 *
 * `last_key` is wide because some primary keys are: `idempotency_keys` has (tenant_id, livemode,
 * idem_key), and an Idempotency-Key may be 255 characters. The counts are rows; `skipped` counts rows
 * another transaction held locked (SKIP LOCKED) that no later revisit has resolved yet.
 * Portable across MySQL 8 and MariaDB >= 10.6.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('lifecycle_runs', (t) => {
    t.bigIncrements('id');
    t.string('run_id', 32).notNullable();
    t.string('kind', 32).notNullable();
    t.smallint('pass').unsigned().notNullable();
    t.string('table_name', 64).notNullable();
    t.string('column_set', 255).notNullable();
    t.string('target_key_id', 32).nullable();
    t.string('last_key', 1024).nullable();
    t.bigInteger('scanned').unsigned().notNullable().defaultTo(0);
    t.bigInteger('changed').unsigned().notNullable().defaultTo(0);
    t.bigInteger('skipped').unsigned().notNullable().defaultTo(0);
    t.bigInteger('failed').unsigned().notNullable().defaultTo(0);
    // running → completed, or superseded when a newer run (another target key) replaces it.
    t.string('status', 16).notNullable();
    t.datetime('started_at', { precision: 3 }).notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
    t.datetime('finished_at', { precision: 3 }).nullable();
    t.unique(['run_id', 'pass', 'table_name', 'column_set'], { indexName: 'lifecycle_runs_step_uq' });
    t.index(['kind', 'id'], 'lifecycle_runs_kind_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('lifecycle_runs');
}
