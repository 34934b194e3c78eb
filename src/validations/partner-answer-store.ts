import type { Db, Trx } from '../platform/db.js';
import { scopeWhere, type ModeScope } from '../platform/mode-scope.js';

/**
 * Points the payee (tenant-scoped blind index) at the validation holding the newest answer a partner
 * actually gave for it, per mode: a sandbox answer is never reused for a live validation, nor a real
 * one for a test validation. Only a newer answer moves the pointer, whatever order workers commit in.
 */
export async function recordPartnerAnswer(trx: Trx, a: { tenantId: string; livemode: boolean; blindIndex: string; validationId: string; verifiedAt: Date }): Promise<void> {
  await trx.raw(
    `INSERT INTO partner_answers (account_blind_index, livemode, tenant_id, validation_id, verified_at) VALUES (?, ?, ?, ?, ?)
     ON DUPLICATE KEY UPDATE
       validation_id = IF(VALUES(verified_at) >= verified_at, VALUES(validation_id), validation_id),
       verified_at = GREATEST(verified_at, VALUES(verified_at))`,
    [a.blindIndex, a.livemode, a.tenantId, a.validationId, a.verifiedAt],
  );
}

/** The validation whose answer may be reused: answered for this tenant's payee, in this mode, at or after `notBefore`. */
export async function findAnswerSince(db: Db | Trx, scope: ModeScope, blindIndex: string, notBefore: Date): Promise<string | null> {
  const row = await db('partner_answers')
    .where({ account_blind_index: blindIndex, ...scopeWhere(scope) })
    .where('verified_at', '>=', notBefore)
    .first('validation_id');
  return row ? (row.validation_id as string) : null;
}
