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

/**
 * The pointer that names `validationId` under blind index `from` now names it under `to` (the
 * blind-index reindex), newer answer winning there as above. Nothing happens when no pointer names it.
 */
export async function movePartnerAnswer(trx: Trx, m: { tenantId: string; livemode: boolean; validationId: string; from: string; to: string }): Promise<void> {
  const pointer = { account_blind_index: m.from, livemode: m.livemode, validation_id: m.validationId };
  const found = await trx('partner_answers').where(pointer).forUpdate().first('verified_at');
  if (!found) return;
  await recordPartnerAnswer(trx, { tenantId: m.tenantId, livemode: m.livemode, blindIndex: m.to, validationId: m.validationId, verifiedAt: found.verified_at as Date });
  await trx('partner_answers').where(pointer).delete();
}
