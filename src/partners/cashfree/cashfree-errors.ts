// Classifies Cashfree's non-2xx answers (`{type, code, message}` bodies) into payval's partner errors,
// or into the two answers the connector acts on itself: "no such verification" on a lookup and
// "that id already exists" on a create. Pure; the partner's code and message are only compared,
// never copied into an error.

import type { Dispatcher } from 'undici';
import { PartnerAuthError, PartnerRateLimitedError, PartnerTransientError } from '../partner-errors.js';
import { parseRetryAfterMs, statusError } from '../partner-http.js';
import { busyError, insufficientBalance } from './cashfree-transformers.js';

export type CashfreeCallPhase = 'create' | 'lookup';

/** GET /bank-account or GET /upi: `not_found` when Cashfree has no verification under that id. */
export type CashfreeLookupDisposition = { kind: 'not_found' } | { kind: 'error'; error: Error };
/** POST: `already_exists` when the id is taken, so an earlier call for this reference reached Cashfree. */
export type CashfreeCreateDisposition = { kind: 'already_exists' } | { kind: 'error'; error: Error };
export type CashfreeErrorDisposition = CashfreeLookupDisposition | CashfreeCreateDisposition;

// Codes that mean the bank, NPCI or Cashfree's bank link failed, whatever HTTP status carries them.
// Lower-cased; `benficiary_bank_offline` is a misspelling public integrations report receiving.
const BANK_UNAVAILABLE_CODES: ReadonlySet<string> = new Set([
  'failed_at_bank',
  'npci_unavailable',
  'connection_timeout',
  'source_bank_declined',
  'bene_bank_declined',
  'imps_mode_fail',
  'beneficiary_bank_offline',
  'benficiary_bank_offline',
]);
const MAX_CODE_LENGTH = 100;
const MAX_MESSAGE_LENGTH = 500;

type Headers = Dispatcher.ResponseData['headers'];

export function classifyCashfreeError(statusCode: number, headers: Headers, body: unknown, phase: 'lookup'): CashfreeLookupDisposition;
export function classifyCashfreeError(statusCode: number, headers: Headers, body: unknown, phase: 'create'): CashfreeCreateDisposition;
export function classifyCashfreeError(statusCode: number, headers: Headers, body: unknown, phase: CashfreeCallPhase): CashfreeErrorDisposition;
export function classifyCashfreeError(
  statusCode: number,
  headers: Headers,
  body: unknown,
  phase: CashfreeCallPhase,
): CashfreeErrorDisposition {
  const { code, message } = readErrorBody(body);
  const error = (e: Error): CashfreeErrorDisposition => ({ kind: 'error', error: e });

  if (statusCode === 429) return error(new PartnerRateLimitedError(parseRetryAfterMs(headers['retry-after'])));
  if (statusCode === 401) return error(new PartnerAuthError(401, 'Partner refused our credentials', 'credentials'));
  // Cashfree answers 403 when the calling IP is not allow-listed (or the x-cf-signature is missing).
  if (statusCode === 403) return error(new PartnerAuthError(403, 'Partner refused the calling address', 'forbidden'));
  if (phase === 'lookup' && statusCode === 404) return { kind: 'not_found' };
  // Documented both as 409 "verification id already exists" and as a 400 `duplicate_verification_id`.
  if (phase === 'create' && (statusCode === 409 || code === 'duplicate_verification_id' || code.endsWith('already_exists'))) {
    return { kind: 'already_exists' };
  }
  if (statusCode >= 400 && statusCode <= 499) {
    // The sandbox's documented 412, and UPI v2's 422 "Insufficient balance to process this request".
    if (statusCode === 412 || code === 'insufficient_balance' || /insufficient[ _]balance/i.test(message)) {
      return error(insufficientBalance(statusCode));
    }
    // 424 Failed Dependency is how the sandbox reports SOURCE_BANK_DECLINED / BENEFICIARY_BANK_OFFLINE.
    if (statusCode === 424 || BANK_UNAVAILABLE_CODES.has(code)) {
      return error(new PartnerTransientError('partner.bank_unavailable', { ambiguous: false }));
    }
    if (code === 'verification_already_under_process') return error(busyError());
    // Missing or wrong-environment keys come back as 400s; they need an operator, not a retry.
    if (code.startsWith('x-client-')) return error(new PartnerAuthError(statusCode, 'Partner refused our credentials', 'credentials'));
  }
  return error(statusError(statusCode, headers));
}

function readErrorBody(body: unknown): { code: string; message: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { code: '', message: '' };
  const { code, message } = body as Record<string, unknown>;
  return {
    code: typeof code === 'string' && code.length <= MAX_CODE_LENGTH ? code.toLowerCase() : '',
    message: typeof message === 'string' && message.length <= MAX_MESSAGE_LENGTH ? message : '',
  };
}
