// Pure mapping between payval's partner boundary and Cashfree's Verification API DTOs: request
// bodies, hand-checked response schemas and the exhaustive status tables. No I/O. Every error built
// here carries a fixed message: Cashfree's bodies echo account numbers, VPAs and names.

import { PartnerAuthError, PartnerRejectedError, partnerSchemaError, PartnerTransientError, type PartnerError } from '../partner-errors.js';
import type { AccountStatus, AccountStatusReason, PartnerRequest, PartnerResult } from '../partner-types.js';
import {
  CASHFREE_NAME_MATCH_RESULTS,
  type CashfreeAccountStatus,
  type CashfreeAccountStatusCode,
  type CashfreeBavAsyncRequest,
  type CashfreeUpiRequest,
  type CashfreeUpiStatus,
} from './cashfree-types.js';

export type BankAccountRequest = Extract<PartnerRequest, { type: 'bank_account' }>;
export type VpaRequest = Extract<PartnerRequest, { type: 'vpa' }>;

/** What one BAV answer says about the verification it describes. */
export type CashfreeReading =
  | { kind: 'answered'; result: PartnerResult }
  | { kind: 'pending'; partnerReference: string }
  /** Cashfree closed this verification without learning anything about the account; a new one may succeed. */
  | { kind: 'unverified'; error: PartnerError };

type Mapped = { status: AccountStatus; reason: AccountStatusReason | null };

/** How payval reads one `account_status_code` once the status is final. */
export type CodeDisposition =
  | ({ kind: 'answer' } & Mapped)
  | { kind: 'pending' }
  /** Bank, NPCI or Cashfree's bank link failed: nothing verified, retry later. */
  | { kind: 'bank_unavailable' }
  /** Another verification of the same account is running at Cashfree. */
  | { kind: 'busy' }
  | { kind: 'insufficient_balance' }
  /** Cashfree will not verify this account for us; retrying the same call cannot help. */
  | { kind: 'refused' };

export const BAV_CODE_DISPOSITIONS: Readonly<Record<CashfreeAccountStatusCode, CodeDisposition>> = {
  ACCOUNT_IS_VALID: { kind: 'answer', status: 'valid', reason: null },
  INVALID_ACCOUNT_FAIL: { kind: 'answer', status: 'invalid', reason: 'account_not_found' },
  INVALID_IFSC_FAIL: { kind: 'answer', status: 'invalid', reason: 'invalid_ifsc' },
  ACCOUNT_BLOCKED: { kind: 'answer', status: 'blocked', reason: 'account_blocked' },
  FRAUD_ACCOUNT: { kind: 'answer', status: 'blocked', reason: 'fraud_suspected' },
  NRE_ACCOUNT_FAIL: { kind: 'answer', status: 'nre', reason: 'nre_account' },
  VALIDATION_IN_PROGRESS: { kind: 'pending' },
  FAILED_AT_BANK: { kind: 'bank_unavailable' },
  NPCI_UNAVAILABLE: { kind: 'bank_unavailable' },
  CONNECTION_TIMEOUT: { kind: 'bank_unavailable' },
  SOURCE_BANK_DECLINED: { kind: 'bank_unavailable' },
  BENEFICIARY_BANK_OFFLINE: { kind: 'bank_unavailable' },
  // "Declined by the bene bank due to issues at their end": says nothing reliable about the account.
  BENE_BANK_DECLINED: { kind: 'bank_unavailable' },
  // The beneficiary bank could not take the IMPS credit now; Cashfree files it as a bank-side failure.
  IMPS_MODE_FAIL: { kind: 'bank_unavailable' },
  VERIFICATION_ALREADY_UNDER_PROCESS: { kind: 'busy' },
  INSUFFICIENT_BALANCE: { kind: 'insufficient_balance' },
  // Undocumented beyond its name; read as Cashfree blocking verification, not as a fact about the account.
  BAV_BLOCKED: { kind: 'refused' },
};

/** pending: still running; final: read the code; withdrawn: stopped by a person, nothing verified. */
export type StatusPhase = 'pending' | 'final' | 'withdrawn';

export const BAV_STATUS_PHASES: Readonly<Record<CashfreeAccountStatus, StatusPhase>> = {
  VALID: 'final',
  INVALID: 'final',
  FAILED: 'final',
  REJECTED: 'final',
  RECEIVED: 'pending',
  IN_PROCESS: 'pending',
  PROCESSING: 'pending',
  APPROVAL_PENDING: 'pending',
  PARTIALLY_APPROVED: 'pending',
  CANCELLED: 'withdrawn',
  MANUALLY_REJECTED: 'withdrawn',
};

export const UPI_STATUS_MAP: Readonly<Record<CashfreeUpiStatus, Mapped & { keepName: boolean }>> = {
  VALID: { status: 'valid', reason: null, keepName: true },
  INVALID: { status: 'invalid', reason: 'invalid_vpa', keepName: true },
  EXPIRED: { status: 'invalid', reason: 'vpa_expired', keepName: true },
  // The VPA resolved but NPCI's name for it is wrong: the address is usable, its name is not evidence.
  NPCI_NAME_INCORRECT: { status: 'valid', reason: null, keepName: false },
};

// Cashfree's formats for the ids it stores for us; payval's `val_` + ULID fits both.
const USER_ID = /^[A-Za-z0-9_]{1,40}$/;
const VERIFICATION_ID = /^[A-Za-z0-9._-]{1,50}$/;
const REFERENCE_ID = /^\d{1,19}$/;

export function toBavAsyncRequest(req: BankAccountRequest): CashfreeBavAsyncRequest {
  // No `name`: payval matches names itself from name_at_bank, so Cashfree's score would go unused,
  // and names with characters Cashfree refuses (apostrophes, diacritics) would turn into 400s.
  return { bank_account: req.accountNumber, ifsc: req.ifsc.toUpperCase(), user_id: cashfreeUserId(req.reference) };
}

export function toUpiRequest(req: VpaRequest): CashfreeUpiRequest {
  return { verification_id: cashfreeVerificationId(req.reference), vpa: req.vpa };
}

export function cashfreeUserId(reference: string): string {
  if (!USER_ID.test(reference)) throw new PartnerRejectedError(undefined, 'Reference does not fit the partner id format');
  return reference;
}

export function cashfreeVerificationId(reference: string): string {
  if (!VERIFICATION_ID.test(reference)) throw new PartnerRejectedError(undefined, 'Reference does not fit the partner id format');
  return reference;
}

/** Query for GET /bank-account: Cashfree's own id when an earlier answer gave us one, else ours. */
export function bavStatusQuery(partnerReference: string | null, userId: string): URLSearchParams {
  return partnerReference !== null && REFERENCE_ID.test(partnerReference)
    ? new URLSearchParams({ reference_id: partnerReference })
    : new URLSearchParams({ user_id: userId });
}

/** Query for GET /upi, by the same rule. */
export function upiStatusQuery(partnerReference: string | null, verificationId: string): URLSearchParams {
  return partnerReference !== null && REFERENCE_ID.test(partnerReference)
    ? new URLSearchParams({ reference_id: partnerReference })
    : new URLSearchParams({ verification_id: verificationId });
}

/**
 * Reads any BAV v2 answer (async accept, sync, status lookup). `expected` holds the ids we asked
 * about; an answer naming another verification is crossed wires and is not trusted.
 */
export function readBavResponse(json: unknown, expected: { userId?: string; referenceId?: string } = {}): CashfreeReading {
  const dto = asObject(json);
  const referenceId = readReferenceId(dto.reference_id);
  if (expected.referenceId !== undefined && referenceId !== expected.referenceId) throw partnerSchemaError('reference_id');
  if (dto.user_id !== undefined && dto.user_id !== null) {
    if (typeof dto.user_id !== 'string' || (expected.userId !== undefined && dto.user_id !== expected.userId)) throw partnerSchemaError('user_id');
  }
  const status = readEnum(dto.account_status, BAV_STATUS_PHASES, 'account_status');
  const code = dto.account_status_code === undefined || dto.account_status_code === null
    ? null
    : readEnum(dto.account_status_code, BAV_CODE_DISPOSITIONS, 'account_status_code');
  const name = readName(dto.name_at_bank);
  readNameMatchResult(dto.name_match_result);

  // A "valid" status must come with the "valid" code and vice versa: either alone could mislabel a payee.
  if ((status === 'VALID') !== (code === 'ACCOUNT_IS_VALID') && code !== null) throw partnerSchemaError('account_status_code');
  const phase = BAV_STATUS_PHASES[status];
  if (phase === 'pending') return { kind: 'pending', partnerReference: referenceId };
  if (phase === 'withdrawn') throw new PartnerRejectedError(undefined, 'Partner withdrew the verification');
  if (code === null) throw partnerSchemaError('account_status_code');

  const disposition = BAV_CODE_DISPOSITIONS[code];
  switch (disposition.kind) {
    case 'answer':
      return {
        kind: 'answered',
        result: { accountStatus: disposition.status, statusReason: disposition.reason, registeredName: name, partnerReference: referenceId },
      };
    case 'pending':
      return { kind: 'pending', partnerReference: referenceId };
    case 'bank_unavailable':
      return { kind: 'unverified', error: new PartnerTransientError('partner.bank_unavailable', { ambiguous: false }) };
    case 'busy':
      return { kind: 'unverified', error: busyError() };
    case 'insufficient_balance':
      return { kind: 'unverified', error: insufficientBalance(undefined) };
    case 'refused':
      throw new PartnerRejectedError(undefined, 'Partner refused to verify this account');
  }
}

/** Reads a UPI v2 answer (verify or status lookup); UPI v2 has no pending state. */
export function readUpiResponse(json: unknown, expected: { verificationId: string; referenceId?: string }): PartnerResult {
  const dto = asObject(json);
  const referenceId = readReferenceId(dto.reference_id);
  if (expected.referenceId !== undefined && referenceId !== expected.referenceId) throw partnerSchemaError('reference_id');
  if (dto.verification_id !== undefined && dto.verification_id !== expected.verificationId) throw partnerSchemaError('verification_id');
  const status = readEnum(dto.status, UPI_STATUS_MAP, 'status');
  const name = readName(dto.name_at_bank);
  const mapped = UPI_STATUS_MAP[status];
  return {
    accountStatus: mapped.status,
    statusReason: mapped.reason,
    registeredName: mapped.keepName ? name : null,
    partnerReference: referenceId,
  };
}

export function busyError(): PartnerTransientError {
  return new PartnerTransientError('partner.unavailable', { ambiguous: false, message: 'Partner is already verifying this account' });
}

export function insufficientBalance(httpStatus: number | undefined): PartnerAuthError {
  return new PartnerAuthError(httpStatus, 'Partner balance is exhausted', 'insufficient_balance');
}

function asObject(json: unknown): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw partnerSchemaError('body');
  return json as Record<string, unknown>;
}

// Cashfree documents reference_id as int64; a digit string is accepted in case a proxy re-encodes it.
function readReferenceId(value: unknown): string {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (typeof value === 'string' && REFERENCE_ID.test(value)) return value;
  throw partnerSchemaError('reference_id');
}

// Object.hasOwn keeps inherited names such as "toString" from passing as a status.
function readEnum<K extends string>(value: unknown, table: Readonly<Record<K, unknown>>, field: string): K {
  if (typeof value !== 'string' || !Object.hasOwn(table, value)) throw partnerSchemaError(field);
  return value as K;
}

// The type only: its content and length are bounded for every partner alike in partner-answer.ts.
function readName(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw partnerSchemaError('name_at_bank');
  return value;
}

// Unused by payval (it sends no name), but an unknown value still means the contract moved.
const NAME_MATCH_RESULTS: ReadonlySet<string> = new Set(CASHFREE_NAME_MATCH_RESULTS);
function readNameMatchResult(value: unknown): void {
  if (value === undefined || value === null || value === '') return;
  if (typeof value !== 'string' || !NAME_MATCH_RESULTS.has(value)) throw partnerSchemaError('name_match_result');
}
