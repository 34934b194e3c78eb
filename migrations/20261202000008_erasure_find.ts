import type { Knex } from 'knex';

/**
 * Erasure requests find their payee's validations in the leader's runner, a bounded step at a time,
 * instead of inside POST /v1/erasure-requests (whose work grew with the tenant's batches):
 * - `payee_ciphertext`: the payee (account number and IFSC, or VPA) under the field cipher, bound to
 *   the request, so the runner computes its blind index under whichever keys it has at each step (a
 *   blind-index key change may happen while a request runs). Cleared when the request completes, so a
 *   finished request names nobody. Key rotation covers it (ciphertext-columns.ts).
 * - `find_cursor`: how far the find got (`s:<validation id>` among single validations, then
 *   `b:<batch id>` among batches); `found_at` once every batch was searched.
 * And an index on idempotency_keys(tenant_id, resource_id): an erased validation's stored answers
 * are found by a range read instead of a scan of the tenant's keys.
 */
const ASCII = 'CHARACTER SET ascii COLLATE ascii_bin';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('erasure_requests', (t) => {
    t.specificType('payee_ciphertext', `VARCHAR(1024) ${ASCII}`).nullable();
    t.specificType('find_cursor', `VARCHAR(48) ${ASCII}`).nullable();
    t.datetime('found_at', { precision: 3 }).nullable();
  });
  await knex.schema.alterTable('idempotency_keys', (t) => {
    t.index(['tenant_id', 'resource_id'], 'idempotency_keys_resource_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('idempotency_keys', (t) => {
    t.dropIndex(['tenant_id', 'resource_id'], 'idempotency_keys_resource_idx');
  });
  await knex.schema.alterTable('erasure_requests', (t) => {
    t.dropColumn('payee_ciphertext');
    t.dropColumn('find_cursor');
    t.dropColumn('found_at');
  });
}
