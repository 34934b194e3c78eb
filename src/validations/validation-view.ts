import type { Validation } from './validation-types.js';

import { isoOrNull as iso } from '../platform/iso-date.js';

/**
 * The public shape of a validation (see openapi.yaml `Validation`). The account number appears only
 * as its last four digits, behind a fixed-width mask that does not reveal its length.
 */
export function toValidationView(v: Validation) {
  return {
    id: v.id,
    object: 'validation' as const,
    livemode: v.livemode,
    type: v.type,
    status: v.status,
    rail: v.rail,
    bank_account:
      v.type === 'bank_account'
        ? { masked_account_number: `XXXXXX${v.accountLast4 ?? ''}`, ifsc: v.ifsc, bank_name: v.bankName }
        : null,
    vpa: v.type === 'vpa' ? v.vpa : null,
    name: v.expectedName,
    reference_id: v.referenceId,
    metadata: v.metadata,
    batch_id: v.batchId,
    result:
      v.status === 'completed' && v.accountStatus
        ? {
            account_status: v.accountStatus,
            status_reason: v.statusReason,
            registered_name: v.registeredName,
            name_match: { score: v.nameMatchScore, result: v.nameMatchResult ?? 'not_checked', reasons: v.nameMatchReasons ?? [], flags: v.nameMatchFlags ?? [] },
            partner: v.partner,
            partner_reference: v.partnerReference,
            cached: v.cached,
            verified_at: iso(v.verifiedAt ?? v.completedAt),
          }
        : null,
    failure: v.status === 'failed' ? { code: v.failureCode ?? 'internal.error', message: v.failureMessage ?? 'Validation failed.' } : null,
    attempts: v.attempts,
    created_at: iso(v.createdAt),
    updated_at: iso(v.updatedAt),
    completed_at: iso(v.completedAt),
    /** Set once retention or an erasure removed the payee's data: account, VPA, names, reference and metadata read null. */
    purged_at: iso(v.purgedAt),
  };
}

export type ValidationView = ReturnType<typeof toValidationView>;
