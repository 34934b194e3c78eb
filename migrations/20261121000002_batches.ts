import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('batches', (t) => {
    t.string('id', 32).primary();
    t.string('tenant_id', 32).notNullable().references('id').inTable('tenants');
    // accepting → processing → completed; failed when an upload is aborted (limits, unreadable input).
    t.string('status', 16).notNullable();
    t.string('source', 8).notNullable();
    t.string('reference_id', 64).nullable();
    t.json('metadata').nullable();
    // Counts are per input row; a validation shared by duplicate rows moves `batch_row_count` rows at once.
    t.integer('total_rows').unsigned().notNullable().defaultTo(0);
    t.integer('rejected_rows').unsigned().notNullable().defaultTo(0);
    t.integer('accepted_rows').unsigned().notNullable().defaultTo(0);
    t.integer('queued_rows').unsigned().notNullable().defaultTo(0);
    t.integer('processing_rows').unsigned().notNullable().defaultTo(0);
    t.integer('completed_rows').unsigned().notNullable().defaultTo(0);
    t.integer('failed_rows').unsigned().notNullable().defaultTo(0);
    t.integer('unique_validations').unsigned().notNullable().defaultTo(0);
    // The feeder enqueues the batch's validations after ingest; this is where it got to.
    t.string('feed_cursor', 32).nullable();
    t.datetime('feed_done_at', { precision: 3 }).nullable();
    t.string('failure_code', 64).nullable();
    t.string('failure_message', 255).nullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
    t.datetime('completed_at', { precision: 3 }).nullable();
    t.index(['tenant_id', 'id'], 'batches_tenant_id_idx');
    t.index(['status', 'updated_at'], 'batches_status_updated_idx');
  });

  await knex.schema.createTable('batch_rows', (t) => {
    t.string('batch_id', 32).notNullable();
    t.integer('row_number').unsigned().notNullable();
    t.string('validation_id', 32).nullable();
    t.string('reference_id', 64).nullable();
    t.boolean('rejected').notNullable().defaultTo(false);
    t.string('rejection_code', 64).nullable();
    t.string('rejection_column', 32).nullable();
    t.string('rejection_message', 255).nullable();
    t.primary(['batch_id', 'row_number']);
    t.index(['batch_id', 'rejected', 'row_number'], 'batch_rows_rejected_idx');
  });

  await knex.schema.alterTable('validations', (t) => {
    t.string('batch_id', 32).nullable();
    t.integer('batch_row_count').unsigned().notNullable().defaultTo(1);
    // In-batch dedupe: one validation per payee per batch (NULL batch_id never conflicts).
    t.unique(['batch_id', 'account_blind_index'], { indexName: 'validations_batch_payee_uq' });
    t.index(['batch_id', 'id'], 'validations_batch_id_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('validations', (t) => {
    t.dropUnique(['batch_id', 'account_blind_index'], 'validations_batch_payee_uq');
    t.dropIndex(['batch_id', 'id'], 'validations_batch_id_idx');
    t.dropColumn('batch_row_count');
    t.dropColumn('batch_id');
  });
  await knex.schema.dropTableIfExists('batch_rows');
  await knex.schema.dropTableIfExists('batches');
}
