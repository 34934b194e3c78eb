import type { Knex } from 'knex';

/**
 * Batch counts without a hot row (issue 12, docs/decisions/0023-batch-counters-without-a-hot-row.md).
 * A batch's queued / processing / completed / failed row counts move from four columns of its
 * `batches` row, which every worker claim and finalise used to update, to 16 rows of
 * `batch_counter_shards`. A validation's rows are counted on shard `CRC32(id) % 16`
 * (src/batches/counter-shard.ts computes the same in code). `expected` is how many accepted rows
 * hash to the shard; the shard is final when completed + failed = expected.
 *
 * Existing batches get their 16 rows here, so there is one code path: a finished batch keeps its
 * counts on shard 0; an unfinished one is re-counted from its validations (the truth the old columns
 * mirrored), per shard, so its remaining moves land on rows that hold them. The old columns are then
 * dropped: a process of the previous release still running fails its counter statement and rolls back
 * the status change with it, instead of moving rows on columns nobody reads (stop the old workers
 * before migrating; their jobs are retried by the new ones).
 *
 * The shard count is written out (16), not imported: this migration must keep meaning what it did if
 * the constant ever changes. Portable across MySQL 8 and MariaDB >= 10.6 (CRC32, multi-table UPDATE).
 */
const SHARDS = 16;
const BUCKETS = ['queued', 'processing', 'completed', 'failed'] as const;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('batch_counter_shards', (t) => {
    t.string('batch_id', 32).notNullable();
    t.specificType('shard', 'TINYINT UNSIGNED').notNullable();
    // Input rows (a validation shared by k duplicate rows counts k), like the batches columns were.
    t.integer('expected').unsigned().notNullable().defaultTo(0);
    for (const b of BUCKETS) t.integer(b).unsigned().notNullable().defaultTo(0);
    t.datetime('updated_at', { precision: 3 }).notNullable();
    t.primary(['batch_id', 'shard']);
  });

  const shards = Array.from({ length: SHARDS }, (_, i) => `SELECT ${i} AS shard`).join(' UNION ALL ');
  await knex.raw(
    `INSERT INTO batch_counter_shards (batch_id, shard, expected, queued, processing, completed, failed, updated_at)
     SELECT b.id, n.shard, 0, 0, 0, 0, 0, b.updated_at FROM batches b CROSS JOIN (${shards}) n`,
  );
  // Finished batches: their counts no longer move; shard 0 holds them.
  await knex.raw(
    `UPDATE batch_counter_shards s JOIN batches b ON b.id = s.batch_id
     SET s.expected = b.accepted_rows, s.queued = b.queued_rows, s.processing = b.processing_rows,
         s.completed = b.completed_rows, s.failed = b.failed_rows
     WHERE s.shard = 0 AND b.status IN ('completed', 'failed')`,
  );
  // Unfinished ones: per shard, from the validations. An upload still `accepting` has nothing queued
  // yet (activation queues `expected`), as the old columns had it.
  const sumOf = (status: string) => `SUM(CASE WHEN v.status = '${status}' THEN v.batch_row_count ELSE 0 END) AS ${status}`;
  await knex.raw(
    `UPDATE batch_counter_shards s
     JOIN batches b ON b.id = s.batch_id
     JOIN (SELECT v.batch_id, CRC32(v.id) % ${SHARDS} AS shard, SUM(v.batch_row_count) AS expected, ${BUCKETS.map(sumOf).join(', ')}
           FROM validations v JOIN batches vb ON vb.id = v.batch_id AND vb.status IN ('accepting', 'processing')
           GROUP BY v.batch_id, CRC32(v.id) % ${SHARDS}) c ON c.batch_id = s.batch_id AND c.shard = s.shard
     SET s.expected = c.expected,
         ${BUCKETS.map((bucket) => `s.${bucket} = IF(b.status = 'processing', c.${bucket}, 0)`).join(', ')}`,
  );
  await knex.schema.alterTable('batches', (t) => {
    for (const b of BUCKETS) t.dropColumn(`${b}_rows`);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('batches', (t) => {
    for (const b of BUCKETS) t.integer(`${b}_rows`).unsigned().notNullable().defaultTo(0);
  });
  await knex.raw(
    `UPDATE batches b JOIN (SELECT batch_id, ${BUCKETS.map((x) => `SUM(${x}) AS ${x}`).join(', ')} FROM batch_counter_shards GROUP BY batch_id) s ON s.batch_id = b.id
     SET ${BUCKETS.map((x) => `b.${x}_rows = s.${x}`).join(', ')}`,
  );
  await knex.schema.dropTableIfExists('batch_counter_shards');
}
