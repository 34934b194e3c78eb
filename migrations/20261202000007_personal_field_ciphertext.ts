import type { Knex } from 'knex';

/**
 * The payee's VPA, names and metadata under the field cipher (issue 15, docs/decisions/0039): a
 * ciphertext column beside each plaintext one. New rows fill only the ciphertext; rows written before
 * keep their plaintext until `payval keys encrypt-personal` moves it over, and readers fall back to it
 * meanwhile. The plaintext columns stay for now: a later release drops them once nothing remains in
 * them (an instant DROP needs MySQL >= 8.0.29; MySQL allows 64 instant row versions per table).
 *
 * A ciphertext is `v1.<key id>.<iv>.<ct>.<tag>` in base64url: ASCII, binary collation. Sizes hold the
 * longest plaintext the API accepts, at 4 bytes a character, plus about 80 characters of overhead:
 * VPA 320 bytes -> 503; expected name 200 characters -> 1,143; registered name 255 characters -> 1,436.
 * Metadata (20 values of up to 500 characters) goes in MEDIUMTEXT like the JSON it replaces.
 * Columns are appended and nullable: an instant change on MySQL 8 and MariaDB.
 */
const ASCII = 'CHARACTER SET ascii COLLATE ascii_bin';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('validations', (t) => {
    t.specificType('vpa_ciphertext', `VARCHAR(512) ${ASCII}`).nullable();
    t.specificType('expected_name_ciphertext', `VARCHAR(1200) ${ASCII}`).nullable();
    t.specificType('registered_name_ciphertext', `VARCHAR(1500) ${ASCII}`).nullable();
    t.specificType('metadata_ciphertext', `MEDIUMTEXT ${ASCII}`).nullable();
  });
  await knex.schema.alterTable('batches', (t) => {
    t.specificType('metadata_ciphertext', `MEDIUMTEXT ${ASCII}`).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('batches', (t) => {
    t.dropColumn('metadata_ciphertext');
  });
  await knex.schema.alterTable('validations', (t) => {
    t.dropColumn('metadata_ciphertext');
    t.dropColumn('registered_name_ciphertext');
    t.dropColumn('expected_name_ciphertext');
    t.dropColumn('vpa_ciphertext');
  });
}
