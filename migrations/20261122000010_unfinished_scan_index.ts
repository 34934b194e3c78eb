import type { Knex } from 'knex';

/**
 * The sweeper walks unfinished validations in keyset order: per status, single validations first
 * (`batch_id IS NULL`), then each batch up to its feed cursor (docs/decisions/0014-recovery-after-redis-loss.md).
 * `(status, batch_id, id)` makes every page a pure index range. It replaces `(status, updated_at)`,
 * which only the old stale-row scan read, so `validations` keeps the same number of indexes and bulk
 * ingest pays nothing extra.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('validations', (t) => {
    t.index(['status', 'batch_id', 'id'], 'validations_status_batch_id_idx');
  });
  await knex.schema.alterTable('validations', (t) => {
    t.dropIndex(['status', 'updated_at'], 'validations_status_updated_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('validations', (t) => {
    t.index(['status', 'updated_at'], 'validations_status_updated_idx');
  });
  await knex.schema.alterTable('validations', (t) => {
    t.dropIndex(['status', 'batch_id', 'id'], 'validations_status_batch_id_idx');
  });
}
