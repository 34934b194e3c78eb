// Pure translation between payval's partner boundary and Razorpay's composite Fund Account
// Validation contract: request bodies, idempotency keys, the schema check of answers, and the
// mapping of every documented status, result and error onto payval's outcomes and error classes.

import { createHash } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { PartnerAuthError, PartnerRejectedError, partnerSchemaError, PartnerTransientError } from '../partner-errors.js';
import { statusError } from '../partner-http.js';
import type { AccountStatus, AccountStatusReason, PartnerOutcome, PartnerRequest, PartnerResult } from '../partner-types.js';
import {
  RAZORPAY_FAV_ID,
  RAZORPAY_IDEMPOTENCY_KEY,
  RAZORPAY_MAX_REFERENCE_ID,
  type RazorpayAccountStatus,
  type RazorpayCompositeRequest,
  type RazorpayErrorBody,
  type RazorpayErrorCode,
  type RazorpayStatusReason,
  type RazorpayStatusSource,
  type RazorpayValidationEntity,
  type RazorpayValidationStatus,
  type RazorpayValidationType,
} from './razorpay-types.js';

/** A `created` validation is usually completed within seconds (x/fund-accounts/faqs.md, question 9). */
export const RAZORPAY_PENDING_RETRY_AFTER_MS = 10_000;

/** Used when payval has no expected name: the contact name is mandatory and only feeds Razorpay's own score. */
export const RAZORPAY_PLACEHOLDER_NAME = 'Account Holder';

const MAX_DETAIL_LENGTH = 64;

export interface CompositeRequestOptions {
  sourceAccountNumber: string;
  validationType: RazorpayValidationType;
}

/**
 * The composite body for one payval request. It must be the same on every call for a reference:
 * Razorpay refuses a replay whose body differs from the first call under the same idempotency key.
 */
export function buildCompositeRequest(req: PartnerRequest, opts: CompositeRequestOptions): RazorpayCompositeRequest {
  if (req.reference.length === 0 || req.reference.length > RAZORPAY_MAX_REFERENCE_ID) {
    throw new PartnerRejectedError(undefined, 'Validation reference cannot be sent to the partner');
  }
  if (req.type === 'bank_account') {
    return {
      source_account_number: opts.sourceAccountNumber,
      validation_type: opts.validationType,
      reference_id: req.reference,
      fund_account: {
        account_type: 'bank_account',
        bank_account: { name: razorpayName(req.expectedName, 120), ifsc: req.ifsc, account_number: req.accountNumber },
        contact: { name: razorpayName(req.expectedName, 50) },
      },
    };
  }
  return {
    source_account_number: opts.sourceAccountNumber,
    reference_id: req.reference,
    fund_account: { account_type: 'vpa', vpa: { address: req.vpa }, contact: { name: razorpayName(req.expectedName, 50) } },
  };
}

/**
 * Razorpay names: 3–`max` characters of `a-z A-Z 0-9 space ’ - _ / ( ) , .`, not ending in a special
 * character other than `.`. Anything else becomes a space; too little left gives the placeholder.
 */
export function razorpayName(expected: string | null, max: number): string {
  const cleaned = (expected ?? '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/'/g, '’')
    .replace(/[^A-Za-z0-9 ’\-_/(),.]/g, ' ')
    .replace(/\s+/g, ' ')
    .slice(0, max)
    .replace(/[^A-Za-z0-9.]+$/, '')
    .trim();
  return cleaned.length >= 3 ? cleaned : RAZORPAY_PLACEHOLDER_NAME;
}

/**
 * The idempotency key for the n-th generation of a reference. Generation 0 is payval's reference
 * itself; a new generation starts only after Razorpay failed the previous one, because Razorpay keeps
 * returning a failed validation for its key ("generate a new key to retry", api/x/payout-idempotency.md).
 */
export function idempotencyKeyFor(reference: string, generation: number): string {
  const plain = generation === 0 ? reference : `${reference}-${generation}`;
  if (RAZORPAY_IDEMPOTENCY_KEY.test(plain)) return plain;
  // A reference that does not fit the key's alphabet or length still gets a stable, valid key.
  return `k-${createHash('sha256').update(`${reference}\n${generation}`).digest('base64url').slice(0, 32)}`;
}

const STATUSES: Record<RazorpayValidationStatus, true> = { created: true, completed: true, failed: true };

/**
 * Schema check of a `fund_account.validation` entity. Only what payval reads is checked; a wrong type,
 * an unknown status or an answer for another reference (or another entity) is a bad response.
 */
export function parseValidationEntity(json: unknown, expect: { reference: string; id?: string }): RazorpayValidationEntity {
  const dto = asRecord(json, 'body');
  const { id, status } = dto;
  if (typeof id !== 'string' || !RAZORPAY_FAV_ID.test(id) || (expect.id !== undefined && id !== expect.id)) throw partnerSchemaError('id');
  if (dto.entity !== undefined && dto.entity !== 'fund_account.validation') throw partnerSchemaError('entity');
  if (typeof status !== 'string' || !Object.hasOwn(STATUSES, status)) throw partnerSchemaError('status');
  // Crossed wires somewhere: trusting an answer about another reference could mislabel a payee.
  if (dto.reference_id !== undefined && dto.reference_id !== null && dto.reference_id !== expect.reference) {
    throw partnerSchemaError('reference_id');
  }

  let accountStatus: RazorpayAccountStatus | null = null;
  let registeredName: string | null = null;
  const results = dto.validation_results;
  if (results === undefined || results === null) {
    if (status === 'completed') throw partnerSchemaError('validation_results');
  } else {
    const vr = asRecord(results, 'validation_results');
    // On a completed validation the key must be there; its documented null means "invalid".
    if (status === 'completed' && !Object.hasOwn(vr, 'account_status')) throw partnerSchemaError('validation_results.account_status');
    const raw = vr.account_status;
    if (raw !== undefined && raw !== null) {
      if (typeof raw !== 'string' || !Object.hasOwn(ACCOUNT_STATUSES, raw)) throw partnerSchemaError('validation_results.account_status');
      accountStatus = raw as RazorpayAccountStatus;
    }
    // The type only: its content and length are bounded for every partner alike in partner-answer.ts.
    registeredName = optionalString(vr.registered_name, Number.POSITIVE_INFINITY, 'validation_results.registered_name');
  }

  let source: string | null = null;
  let reason: string | null = null;
  if (dto.status_details !== undefined && dto.status_details !== null) {
    const details = asRecord(dto.status_details, 'status_details');
    source = optionalString(details.source, MAX_DETAIL_LENGTH, 'status_details.source');
    reason = optionalString(details.reason, MAX_DETAIL_LENGTH, 'status_details.reason');
  }
  return { id, status: status as RazorpayValidationStatus, accountStatus, registeredName, source, reason };
}

type Verdict = { status: AccountStatus; reason: AccountStatusReason | null };

const ACCOUNT_STATUSES: Record<RazorpayAccountStatus, (req: PartnerRequest) => Verdict> = {
  active: () => ({ status: 'valid', reason: null }),
  // The composite entity sample shows `valid` where the field list says `active`.
  valid: () => ({ status: 'valid', reason: null }),
  invalid: (req) => ({ status: 'invalid', reason: req.type === 'vpa' ? 'invalid_vpa' : 'account_not_found' }),
  // Only the reverse-penny-drop page lists it: the account exists but cannot take credits.
  inactive: () => ({ status: 'dormant', reason: 'account_dormant' }),
};

const OUTCOMES: Record<RazorpayValidationStatus, (entity: RazorpayValidationEntity, req: PartnerRequest) => PartnerOutcome> = {
  created: (entity) => ({ kind: 'pending', partnerReference: entity.id, retryAfterMs: RAZORPAY_PENDING_RETRY_AFTER_MS }),
  completed: (entity, req) => {
    // `completed` only says the check ran; a null account_status is Razorpay's "invalid" (FAQ 13).
    const verdict: Verdict = entity.accountStatus === null ? ACCOUNT_STATUSES.invalid(req) : ACCOUNT_STATUSES[entity.accountStatus](req);
    return { kind: 'answered', result: result(verdict, entity) };
  },
  failed: (entity, req) => {
    const verdict = classifyFailedValidation(entity, req);
    if (verdict instanceof Error) throw verdict;
    // Razorpay reverses the charge of a failed validation (FAQ 8), even one that tells the account's state.
    return { kind: 'answered', result: result(verdict, entity), billed: false };
  },
};

/** Maps a checked entity; a failed validation that carries no answer throws the matching partner error. */
export function toPartnerOutcome(entity: RazorpayValidationEntity, req: PartnerRequest): PartnerOutcome {
  return OUTCOMES[entity.status](entity, req);
}

// What a `failed` validation means. Razorpay documents `failed` as a technical failure (charge
// reversed, FAQ 8) "or IMPS disabled at the beneficiary bank"; its status_details share the payout
// vocabulary, where some reasons are the bank's definitive word on the account.
type Failure =
  | { kind: 'bank_unavailable' }
  | { kind: 'unavailable' }
  | { kind: 'insufficient_balance' }
  | { kind: 'rejected'; message: string }
  | { kind: 'answer'; status: AccountStatus; reason: AccountStatusReason; vpaReason?: AccountStatusReason }
  | { kind: 'by_source' };

const BANK_DOWN: Failure = { kind: 'bank_unavailable' };
const RAZORPAY_DOWN: Failure = { kind: 'unavailable' };
const NOT_FOUND: Failure = { kind: 'answer', status: 'invalid', reason: 'account_not_found', vpaReason: 'invalid_vpa' };

const FAILURES: Record<RazorpayStatusReason, Failure> = {
  // Success-path reasons on a failed entity say nothing: decide by source.
  validation_request_created: { kind: 'by_source' },
  validation_completed: { kind: 'by_source' },
  gateway_technical_error: BANK_DOWN,
  gateway_down: BANK_DOWN,
  gateway_timeout: BANK_DOWN,
  beneficiary_bank_failure: BANK_DOWN,
  beneficiary_bank_offline: BANK_DOWN,
  beneficiary_bank_technical_error: BANK_DOWN,
  beneficiary_psp_offline: BANK_DOWN,
  npci_beneficiary_timeout: BANK_DOWN,
  server_error: RAZORPAY_DOWN,
  server_error_temporary: RAZORPAY_DOWN,
  amount_limit_exhausted_neft: RAZORPAY_DOWN,
  insufficient_funds: { kind: 'insufficient_balance' },
  // Razorpay cannot check this account (FAV credits over IMPS); asking it again will not help.
  imps_not_allowed: { kind: 'rejected', message: 'Partner cannot verify accounts without IMPS' },
  beneficiary_bank_rejected: { kind: 'rejected', message: 'The beneficiary bank refused the verification' },
  transaction_limit_exceeded: { kind: 'rejected', message: 'The beneficiary account refused the verification credit' },
  bank_account_closed: { kind: 'answer', status: 'closed', reason: 'account_closed' },
  bank_account_frozen: { kind: 'answer', status: 'frozen', reason: 'account_frozen' },
  beneficiary_account_dormant: { kind: 'answer', status: 'dormant', reason: 'account_dormant' },
  bank_account_invalid: NOT_FOUND,
  beneficiary_account_invalid: NOT_FOUND,
  invalid_beneficiary: NOT_FOUND,
  beneficiary_vpa_invalid: { kind: 'answer', status: 'invalid', reason: 'invalid_vpa' },
  invalid_ifsc_code: { kind: 'answer', status: 'invalid', reason: 'invalid_ifsc' },
};

const BY_SOURCE: Record<RazorpayStatusSource, Failure> = {
  gateway: BANK_DOWN,
  beneficiary_bank: BANK_DOWN,
  internal: RAZORPAY_DOWN,
  business: { kind: 'rejected', message: 'Partner refused the request' },
};

/** A failed validation's answer, or the partner error to raise (never ambiguous: nothing was billed). */
export function classifyFailedValidation(entity: RazorpayValidationEntity, req: PartnerRequest): Verdict | Error {
  let failure: Failure = entity.reason !== null && Object.hasOwn(FAILURES, entity.reason) ? FAILURES[entity.reason as RazorpayStatusReason] : { kind: 'by_source' };
  if (failure.kind === 'by_source') {
    // An unknown reason on a documented technical failure: retrying is the safe reading.
    failure = entity.source !== null && Object.hasOwn(BY_SOURCE, entity.source) ? BY_SOURCE[entity.source as RazorpayStatusSource] : BANK_DOWN;
  }
  switch (failure.kind) {
    case 'answer':
      return { status: failure.status, reason: req.type === 'vpa' ? (failure.vpaReason ?? failure.reason) : failure.reason };
    case 'bank_unavailable':
      return new PartnerTransientError('partner.bank_unavailable', { ambiguous: false, message: 'Partner could not reach the bank' });
    case 'unavailable':
      return new PartnerTransientError('partner.unavailable', { ambiguous: false, message: 'Partner failed the verification on its side' });
    case 'insufficient_balance':
      return new PartnerAuthError(undefined, 'Partner account balance is too low', 'insufficient_balance');
    case 'rejected':
      return new PartnerRejectedError(undefined, failure.message);
    case 'by_source':
      return new PartnerTransientError('partner.bank_unavailable', { ambiguous: false });
  }
}

function result(verdict: Verdict, entity: RazorpayValidationEntity): PartnerResult {
  return { accountStatus: verdict.status, statusReason: verdict.reason, registeredName: entity.registeredName, partnerReference: entity.id };
}

type ErrorClass = 'request' | 'auth' | 'server';
const ERROR_CODES: Record<RazorpayErrorCode, ErrorClass> = {
  BAD_REQUEST_ERROR: 'request',
  BAD_REQUEST_AUTHENTICATION_ERROR: 'auth',
  GATEWAY_ERROR: 'server',
  SERVER_ERROR: 'server',
};

/**
 * Classifies a non-2xx answer. Status-driven cases (401/403/408/429/5xx) use payval's defaults; a
 * 4xx is read through Razorpay's error envelope, falling back to "rejected".
 */
export function classifyErrorAnswer(statusCode: number, headers: Dispatcher.ResponseData['headers'], json: unknown): Error {
  if (statusCode === 401 || statusCode === 403 || statusCode === 408 || statusCode === 429 || statusCode >= 500) {
    return statusError(statusCode, headers);
  }
  // Undocumented; the likeliest cause is a duplicate still in flight under our key, so it may have reached Razorpay.
  if (statusCode === 409) return new PartnerTransientError('partner.unavailable', { ambiguous: true, message: 'Partner answered HTTP 409' });
  const err = parseErrorBody(json);
  if (err !== null && statusCode >= 400 && statusCode <= 499) {
    if (isIdempotencyConflict(err)) {
      // Our earlier call under this key reached Razorpay (and may have been billed): never start another.
      return new PartnerTransientError('partner.bad_response', {
        ambiguous: true,
        message: 'Partner refused a replay under our idempotency key',
      });
    }
    if (err.reason === 'insufficient_funds') {
      return new PartnerAuthError(statusCode, 'Partner account balance is too low', 'insufficient_balance');
    }
    if (/IP are not allowed|access denied/i.test(err.description ?? '')) {
      return new PartnerAuthError(statusCode, 'Partner refused our IP address', 'forbidden');
    }
    const cls = err.code !== null && Object.hasOwn(ERROR_CODES, err.code) ? ERROR_CODES[err.code as RazorpayErrorCode] : 'request';
    if (cls === 'auth' || err.reason === 'authentication_failed') return new PartnerAuthError(statusCode);
    if (cls === 'server' || err.reason === 'server_error') {
      return new PartnerTransientError('partner.unavailable', { ambiguous: true, message: `Partner answered HTTP ${statusCode}` });
    }
  }
  return statusError(statusCode, headers);
}

/** "Different request body sent for the same Idempotency Header." (errors/x.md) or any refusal naming the key. */
function isIdempotencyConflict(err: RazorpayErrorBody): boolean {
  const description = err.description ?? '';
  if (/different request body/i.test(description)) return true;
  // A missing/malformed key was refused before processing: nothing reached Razorpay, so it is a rejection.
  return err.field === 'X-Payout-Idempotency' && !/missing|mandatory|invalid/i.test(description);
}

export function parseErrorBody(json: unknown): RazorpayErrorBody | null {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return null;
  const error = (json as Record<string, unknown>).error;
  if (typeof error !== 'object' || error === null || Array.isArray(error)) return null;
  const e = error as Record<string, unknown>;
  const text = (v: unknown): string | null => (typeof v === 'string' && v.length <= 512 ? v : null);
  return { code: text(e.code), description: text(e.description), source: text(e.source), reason: text(e.reason), field: text(e.field) };
}

function asRecord(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw partnerSchemaError(field);
  return value as Record<string, unknown>;
}

function optionalString(value: unknown, max: number, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.length > max) throw partnerSchemaError(field);
  return value;
}
