// POST /v1/erasure-requests: records the request — the payee under the field cipher, cleared when the
// request completes — and leaves the rest to the leader's runner (erasure-runner.ts), which finds every
// validation of the payee in the tenant (singles and batch rows; their webhook events and idempotent
// answers follow from them) a bounded step at a time and purges them. The request's own work is a constant.
// A live key erases both modes' data (test data can hold real payees); a test key only test data, so
// a key that lives in a developer's laptop cannot destroy live payout records.

import { AppError } from '../platform/app-error.js';
import { appendAudit } from '../platform/audit-store.js';
import { withTransaction, type Db } from '../platform/db.js';
import { newId } from '../platform/ids.js';
import type { ModeScope } from '../platform/mode-scope.js';
import { isValidAccountNumber, normalizeAccountNumber } from '../bank-data/account-number.js';
import { isIfscFormat } from '../bank-data/ifsc-directory.js';
import { isValidVpa, normalizeVpa } from '../bank-data/vpa.js';
import type { IndexedPayee } from '../validations/new-validation.js';
import type { FieldCipher } from '../platform/field-cipher.js';
import { erasurePayeeAad, findErasureRequest, insertErasureRequest, type ErasureRequest } from './erasure-store.js';

export interface ErasureBody {
  type: 'bank_account' | 'vpa';
  bank_account?: { account_number: string; ifsc: string };
  vpa?: string;
}

const invalid = (code: string, field: string, message: string) => new AppError(code as 'request.invalid', message, { details: { field } });

/**
 * The payee as its blind index was computed at validation time. The IFSC need only be well formed:
 * a branch that has since left the directory still names the rows stored under it. Values are never
 * echoed in errors (an account number pasted into the wrong field stays unseen).
 */
export function erasurePayee(body: ErasureBody): IndexedPayee {
  if (body.type === 'vpa') {
    const vpa = normalizeVpa(body.vpa ?? '');
    if (!isValidVpa(vpa)) throw invalid('validation.invalid_vpa', 'vpa', 'vpa is malformed: expected handle@psp (e.g. name@okbank).');
    return { type: 'vpa', vpa };
  }
  const accountNumber = normalizeAccountNumber(body.bank_account?.account_number ?? '');
  if (!isValidAccountNumber(accountNumber)) {
    throw invalid('validation.invalid_account_number', 'bank_account.account_number', 'bank_account.account_number must be 9 to 18 digits (spaces and dashes are ignored).');
  }
  const ifsc = (body.bank_account?.ifsc ?? '').trim().toUpperCase();
  if (!isIfscFormat(ifsc)) throw invalid('validation.invalid_ifsc', 'bank_account.ifsc', 'bank_account.ifsc is malformed: expected 4 letters, a zero, then 6 letters or digits.');
  return { type: 'bank_account', accountNumber, ifsc };
}

export function createErasureService(deps: { db: Db; cipher: FieldCipher }) {
  const { db } = deps;

  async function create(scope: ModeScope, actor: string, body: ErasureBody, requestId: string | null): Promise<ErasureRequest> {
    const payee = erasurePayee(body);
    const id = newId('ers');
    const now = new Date();
    const request: ErasureRequest = {
      id,
      tenantId: scope.tenantId,
      livemode: scope.livemode,
      type: payee.type,
      status: 'finding',
      matchedValidations: 0,
      purgedValidations: 0,
      unfinishedFailed: 0,
      batchRows: 0,
      webhookEvents: 0,
      idempotencyRecords: 0,
      createdAt: now,
      completedAt: null,
      payeeCiphertext: deps.cipher.encrypt(JSON.stringify(payee), erasurePayeeAad(id)),
      findCursor: null,
      foundAt: null,
    };
    await withTransaction(db, async (trx) => {
      await insertErasureRequest(trx, { ...request, actor, requestId });
      await appendAudit(trx, {
        tenantId: scope.tenantId,
        actor,
        action: 'erasure_request.created',
        targetType: 'erasure_request',
        targetId: request.id,
        requestId,
        details: { type: payee.type, livemode: scope.livemode },
      });
    });
    return request;
  }

  async function get(scope: ModeScope, id: string): Promise<ErasureRequest> {
    const found = await findErasureRequest(db, scope.tenantId, id);
    // A test key sees only the requests test keys made.
    if (!found || (!scope.livemode && found.livemode)) throw new AppError('erasure_request.not_found', 'No such erasure request.');
    return found;
  }

  return { create, get };
}

export type ErasureService = ReturnType<typeof createErasureService>;

/** The public ErasureRequest (openapi.yaml). */
export function toErasureView(r: ErasureRequest) {
  return {
    id: r.id,
    object: 'erasure_request' as const,
    livemode: r.livemode,
    type: r.type,
    // `finding` is a phase of `processing` to the client.
    status: r.status === 'completed' ? ('completed' as const) : ('processing' as const),
    modes: r.livemode ? ['live', 'test'] : ['test'],
    counts: {
      matched_validations: r.matchedValidations,
      purged_validations: r.purgedValidations,
      unfinished_failed: r.unfinishedFailed,
      batch_rows: r.batchRows,
      webhook_events: r.webhookEvents,
      idempotency_records: r.idempotencyRecords,
    },
    created_at: r.createdAt.toISOString(),
    completed_at: r.completedAt ? r.completedAt.toISOString() : null,
  };
}
