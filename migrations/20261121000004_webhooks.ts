import type { Knex } from 'knex';

/**
 * Webhook endpoints, the events recorded when a validation or batch becomes final, one delivery per
 * (event, target) and every attempt of it. Events and deliveries are written in the transaction that
 * makes their object final, so a crash can neither lose nor invent one.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('webhook_endpoints', (t) => {
    t.string('id', 32).primary();
    t.string('tenant_id', 32).notNullable().references('id').inTable('tenants');
    t.text('url').notNullable();
    t.string('description', 255).nullable();
    t.json('events').notNullable();
    t.boolean('enabled').notNullable().defaultTo(true);
    t.string('disabled_reason', 32).nullable();
    t.datetime('disabled_at', { precision: 3 }).nullable();
    // Signing secrets, AES-256-GCM like account numbers; the previous one signs too until it expires.
    t.text('secret_ciphertext').notNullable();
    t.text('previous_secret_ciphertext').nullable();
    t.datetime('previous_secret_expires_at', { precision: 3 }).nullable();
    // Start of the current run of failed attempts; cleared by any success.
    t.datetime('failing_since', { precision: 3 }).nullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
    t.index(['tenant_id', 'id'], 'webhook_endpoints_tenant_idx');
  });

  // The secret that signs deliveries to one-off `webhook_url`s given on a validation or batch.
  await knex.schema.createTable('tenant_webhook_secrets', (t) => {
    t.string('tenant_id', 32).primary().references('id').inTable('tenants');
    t.text('secret_ciphertext').notNullable();
    t.text('previous_secret_ciphertext').nullable();
    t.datetime('previous_secret_expires_at', { precision: 3 }).nullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
  });

  await knex.schema.createTable('webhook_events', (t) => {
    // Sent as `webhook-id`: stable across every attempt, retry and replay of this event.
    t.string('id', 32).primary();
    t.string('tenant_id', 32).notNullable();
    t.string('type', 40).notNullable();
    t.string('object_id', 32).notNullable();
    // The exact body sent (so every attempt signs the same bytes), at most ~20 kB.
    t.text('payload', 'mediumtext').notNullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.index(['tenant_id', 'created_at'], 'webhook_events_tenant_created_idx');
  });

  await knex.schema.createTable('webhook_deliveries', (t) => {
    t.string('id', 32).primary();
    t.string('tenant_id', 32).notNullable();
    t.string('event_id', 32).notNullable();
    t.string('event_type', 40).notNullable();
    // An endpoint, or null with `url` set for a one-off webhook_url.
    t.string('endpoint_id', 32).nullable();
    t.text('url').nullable();
    // pending → succeeded | failed (a manual retry or replay makes it pending again).
    t.string('status', 16).notNullable();
    t.integer('attempts').unsigned().notNullable().defaultTo(0);
    // Attempts since the last (re)start: the retry schedule's position.
    t.integer('round_attempts').unsigned().notNullable().defaultTo(0);
    t.string('round_trigger', 16).notNullable().defaultTo('event');
    t.datetime('next_attempt_at', { precision: 3 }).nullable();
    // A worker holds the delivery while it sends; expires so a killed worker cannot strand it.
    t.datetime('lease_until', { precision: 3 }).nullable();
    t.datetime('last_attempt_at', { precision: 3 }).nullable();
    t.integer('last_status_code').nullable();
    t.string('last_error', 40).nullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
    t.datetime('completed_at', { precision: 3 }).nullable();
    t.unique(['event_id', 'endpoint_id'], { indexName: 'webhook_deliveries_event_endpoint_uq' });
    t.index(['tenant_id', 'id'], 'webhook_deliveries_tenant_idx');
    t.index(['tenant_id', 'endpoint_id', 'id'], 'webhook_deliveries_endpoint_idx');
    t.index(['status', 'next_attempt_at'], 'webhook_deliveries_due_idx');
  });

  await knex.schema.createTable('webhook_attempts', (t) => {
    t.bigIncrements('id').primary();
    t.string('delivery_id', 32).notNullable();
    t.integer('attempt_number').unsigned().notNullable();
    t.string('trigger', 16).notNullable();
    t.text('url').notNullable();
    t.datetime('started_at', { precision: 3 }).notNullable();
    t.integer('latency_ms').unsigned().notNullable();
    t.integer('status_code').nullable();
    // First 1 kB of the receiver's answer, for debugging; never parsed.
    t.text('response_body').nullable();
    t.string('error', 40).nullable();
    t.string('error_message', 255).nullable();
    t.index(['delivery_id', 'attempt_number'], 'webhook_attempts_delivery_idx');
  });

  await knex.schema.alterTable('validations', (t) => {
    t.text('webhook_url').nullable();
  });
  await knex.schema.alterTable('batches', (t) => {
    t.text('webhook_url').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('batches', (t) => t.dropColumn('webhook_url'));
  await knex.schema.alterTable('validations', (t) => t.dropColumn('webhook_url'));
  await knex.schema.dropTable('webhook_attempts');
  await knex.schema.dropTable('webhook_deliveries');
  await knex.schema.dropTable('webhook_events');
  await knex.schema.dropTable('tenant_webhook_secrets');
  await knex.schema.dropTable('webhook_endpoints');
}
