import type { Knex } from 'knex';

// Columns the partner router needs on a validation. All nullable and appended, so MySQL 8 and
// MariaDB ≥ 10.3 add them instantly, without copying the table.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('validations', (t) => {
    // Why a partner's answer was negative (invalid_ifsc, fraud_suspected…), in payval's words.
    t.string('status_reason', 32).nullable();
    // 'ambiguous' (a call may have reached `partner`) or 'pending' (it accepted and will answer
    // later): the next attempt must resolve that call with `partner` before going anywhere else.
    t.string('partner_followup', 16).nullable();
    // Until when the row stays with `partner` for that follow-up; after it, the router may fail over.
    t.datetime('partner_hold_until', { precision: 3 }).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('validations', (t) => {
    t.dropColumn('status_reason');
    t.dropColumn('partner_followup');
    t.dropColumn('partner_hold_until');
  });
}
