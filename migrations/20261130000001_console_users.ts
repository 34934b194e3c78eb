import type { Knex } from 'knex';

/**
 * The operations console (issue 13, docs/decisions/0030-console.md): people in an organisation (a
 * tenant) sign in, with roles; invitations replace e-mail; sessions live in MySQL so they can expire,
 * be listed and be revoked everywhere. Nothing here stores a secret in clear:
 * - passwords as argon2id PHC strings;
 * - session and invitation tokens as SHA-256 hashes (the token itself is shown once or held by the
 *   browser);
 * - TOTP secrets as field-cipher ciphertext, like account numbers.
 *
 * Also for the console: `api_keys.last_used_at` (written at most once a minute per key) and a search
 * index on `validations (tenant_id, livemode, account_last4, id)`, the one filter the existing indexes
 * cannot serve from a tenant with millions of rows.
 * Portable across MySQL 8 and MariaDB >= 10.6.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (t) => {
    t.string('id', 32).primary();
    t.string('tenant_id', 32).notNullable().references('id').inTable('tenants');
    // Lower-cased; unique across tenants, so signing in needs only an address and a password. A binary
    // collation: an accent- or case-folding one would let `álice@…` find `alice@…` while the sign-in
    // throttle counts them apart.
    t.specificType('email', 'VARCHAR(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin').notNullable().unique();
    t.string('name', 200).notNullable();
    t.string('password_hash', 255).notNullable();
    t.string('role', 16).notNullable();
    t.string('status', 16).notNullable().defaultTo('active');
    t.string('totp_ciphertext', 255).nullable();
    t.boolean('totp_enabled').notNullable().defaultTo(false);
    // The last accepted TOTP time step: a code is accepted once.
    t.bigInteger('totp_last_step').nullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('updated_at', { precision: 3 }).notNullable();
    t.datetime('last_sign_in_at', { precision: 3 }).nullable();
    t.index(['tenant_id', 'id'], 'users_tenant_idx');
  });

  await knex.schema.createTable('user_sessions', (t) => {
    t.specificType('token_hash', 'CHAR(64) CHARACTER SET ascii COLLATE ascii_bin').primary();
    t.string('id', 32).notNullable().unique();
    t.string('user_id', 32).notNullable().references('id').inTable('users');
    t.string('tenant_id', 32).notNullable();
    // `password`: the second factor is still owed; only the TOTP step accepts such a session.
    t.string('stage', 16).notNullable();
    t.boolean('livemode').notNullable().defaultTo(false);
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('last_seen_at', { precision: 3 }).notNullable();
    t.datetime('expires_at', { precision: 3 }).notNullable();
    t.datetime('revoked_at', { precision: 3 }).nullable();
    t.index(['user_id', 'revoked_at'], 'user_sessions_user_idx');
    t.index(['expires_at'], 'user_sessions_expiry_idx');
  });

  await knex.schema.createTable('user_invitations', (t) => {
    t.string('id', 32).primary();
    t.string('tenant_id', 32).notNullable().references('id').inTable('tenants');
    t.specificType('token_hash', 'CHAR(64) CHARACTER SET ascii COLLATE ascii_bin').notNullable().unique();
    t.string('email', 254).notNullable();
    t.string('role', 16).notNullable();
    t.string('created_by', 64).notNullable();
    t.datetime('created_at', { precision: 3 }).notNullable();
    t.datetime('expires_at', { precision: 3 }).notNullable();
    t.datetime('accepted_at', { precision: 3 }).nullable();
    t.datetime('revoked_at', { precision: 3 }).nullable();
    t.index(['tenant_id', 'id'], 'user_invitations_tenant_idx');
  });

  await knex.schema.alterTable('api_keys', (t) => {
    t.datetime('last_used_at', { precision: 3 }).nullable();
  });
  await knex.schema.alterTable('validations', (t) => {
    t.index(['tenant_id', 'livemode', 'account_last4', 'id'], 'validations_scope_last4_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('validations', (t) => {
    t.dropIndex(['tenant_id', 'livemode', 'account_last4', 'id'], 'validations_scope_last4_idx');
  });
  await knex.schema.alterTable('api_keys', (t) => {
    t.dropColumn('last_used_at');
  });
  for (const table of ['user_invitations', 'user_sessions', 'users']) await knex.schema.dropTableIfExists(table);
}
