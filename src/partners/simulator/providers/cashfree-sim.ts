// Cashfree's Verification API (Secure ID), emulated: BAV v2 `POST /bank-account/sync`,
// `POST /bank-account/async` (`user_id`), `GET /bank-account?reference_id|user_id`, UPI v2
// `POST /upi` (`verification_id`) and `GET /upi?verification_id|reference_id`; `x-client-id` /
// `x-client-secret`; `{type, code, message}` errors. A verification is stored under the caller's id:
// a repeat is refused with 409 and a lookup never bills, so each id is charged at most once.
// Outcomes follow the sandbox's magic values plus Cashfree's own documented test data
// (cashfree-sim-rules.ts; docs/partners/cashfree.md lists both).
//
// One liberty: Cashfree documents the async call as answering RECEIVED / VALIDATION_IN_PROGRESS
// only. The simulator answers it with the final state whenever its outcome is immediate (every magic
// value but 6666), so one verification is one call; 6666 shows the documented RECEIVED path.

import { randomInt } from 'node:crypto';
import { secretMatches } from '../sim-server.js';
import { BoundedMap, SIM_MAX_TRACKED, type AnswerOverrides, type SimProvider, type SimReply, type SimRequest, jsonReply } from '../sim-provider.js';
import { decideCashfreeBav, decideCashfreeUpi, type CashfreeBavOutcome, type CashfreeUpiOutcome } from './cashfree-sim-rules.js';

export interface CashfreeSimOptions {
  /** When set, calls must carry it in `x-client-id`. */
  clientId?: string;
  /** When set, calls must carry it in `x-client-secret`. */
  clientSecret?: string;
}

interface BavRecord {
  referenceId: number;
  /** What the answers show as reference_id: the number, or the `answerReference` fault. */
  shownReference: number | string;
  userId: string | null;
  ifsc: string;
  outcome: Extract<CashfreeBavOutcome, { kind: 'answer' }>;
}
interface UpiRecord {
  referenceId: number;
  shownReference: number | string;
  verificationId: string;
  vpa: string;
  outcome: Extract<CashfreeUpiOutcome, { kind: 'answer' }>;
}

const ACCOUNT = /^[A-Za-z0-9]{6,40}$/;
const IFSC = /^[A-Za-z]{4}0[A-Za-z0-9]{6}$/;
const BAV_NAME = /^[A-Za-z0-9 .\-/&]{1,100}$/;
const UPI_NAME = /^[A-Za-z0-9 .-]{1,100}$/;
const PHONE = /^\d{8,13}$/;
const USER_ID = /^[A-Za-z0-9_]{1,40}$/;
const VERIFICATION_ID = /^[A-Za-z0-9._-]{1,50}$/;
const VPA = /^[A-Za-z0-9._-]{1,256}@[A-Za-z0-9.-]{1,64}$/;
const REFERENCE_ID = /^\d{1,19}$/;

const cfError = (status: number, type: string, code: string, message: string): SimReply => jsonReply(status, { type, code, message });
const invalid = (code: string, message: string): SimReply => cfError(400, 'validation_error', code, message);
const INSUFFICIENT = (status: number): SimReply =>
  cfError(status, 'validation_error', 'insufficient_balance', 'Insufficient balance to process this request');

type Body = Record<string, unknown>;
const bodyOf = (req: SimRequest): Body =>
  typeof req.body === 'object' && req.body !== null && !Array.isArray(req.body) ? (req.body as Body) : {};
const optionalMatches = (value: unknown, pattern: RegExp): boolean => value === undefined || (typeof value === 'string' && pattern.test(value));

export function createCashfreeSim(opts: CashfreeSimOptions = {}): SimProvider {
  const bavByUserId = new BoundedMap<string, BavRecord>(SIM_MAX_TRACKED);
  const bavByRef = new BoundedMap<number, BavRecord>(SIM_MAX_TRACKED);
  const upiById = new BoundedMap<string, UpiRecord>(SIM_MAX_TRACKED);
  const upiByRef = new BoundedMap<number, UpiRecord>(SIM_MAX_TRACKED);
  const attempts = new BoundedMap<string, number>(SIM_MAX_TRACKED);
  let nextReferenceId = randomInt(1_000_000, 9_000_000);

  const nextAttempt = (key: string): number => {
    const n = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, n);
    return n;
  };

  const bavBody = (r: BavRecord, extra: Body = {}): Body => {
    const { status, code, name } = r.outcome;
    const named = name === null ? {} : { name_at_bank: name };
    const bank = status === 'VALID' || code === 'NRE_ACCOUNT_FAIL'
      ? { bank_name: `SIM BANK ${r.ifsc.slice(0, 4)}`, utr: String(400000000000 + r.referenceId), ifsc_details: { bank: `SIM BANK ${r.ifsc.slice(0, 4)}`, ifsc: r.ifsc, ifsc_subcode: r.ifsc.slice(0, 5) } }
      : {};
    return { reference_id: r.shownReference, ...extra, ...named, ...bank, account_status: status, account_status_code: code };
  };

  const verifyBav = (req: SimRequest, charge: (reference: string) => void, answer: AnswerOverrides, mode: 'sync' | 'async'): SimReply => {
    const b = bodyOf(req);
    if (b.bank_account === undefined) return invalid('bank_account_missing', 'bank_account is missing in the request.');
    if (typeof b.bank_account !== 'string' || !ACCOUNT.test(b.bank_account)) return invalid('bank_account_invalid', 'bank_account should be alphanumeric.');
    if (typeof b.ifsc !== 'string' || !IFSC.test(b.ifsc)) return invalid('ifsc_invalid', 'ifsc should be of 11 characters and 5th character should be 0.');
    if (!optionalMatches(b.name, BAV_NAME)) return invalid('name_invalid', 'name should not include special characters.');
    if (!optionalMatches(b.phone, PHONE)) return invalid('phone_invalid', 'phone should be numeric.');
    if (mode === 'async' && (typeof b.user_id !== 'string' || !USER_ID.test(b.user_id))) {
      return invalid('user_id_invalid', 'user_id should contain only alphanumeric and underscore characters.');
    }
    const userId = mode === 'async' ? (b.user_id as string) : null;
    // A stored verification that learned something keeps its id; a failed one may be tried again.
    if (userId !== null && bavByUserId.get(userId)?.outcome.billed) return cfError(409, 'validation_error', 'user_id_already_exists', 'user_id already exists');

    const decided = decideCashfreeBav(b.bank_account, nextAttempt(userId === null ? `sync:${b.bank_account}` : `bav:${userId}`));
    if (decided.kind === 'hang') return { kind: 'hang' };
    if (decided.kind === 'insufficient_balance') return INSUFFICIENT(412);
    const outcome = { ...decided, name: answer.name(decided.name, b.bank_account) };
    const referenceId = nextReferenceId++;
    const record: BavRecord = { referenceId, shownReference: answer.reference ?? referenceId, userId, ifsc: b.ifsc.toUpperCase(), outcome };
    bavByRef.set(record.referenceId, record);
    if (userId !== null) bavByUserId.set(userId, record);
    if (outcome.billed) charge(userId ?? `cf_sync_${record.referenceId}`);
    if (mode === 'sync') {
      // The sync call reports bank-side failures as errors, as in Cashfree's sandbox table (424).
      if (outcome.status === 'FAILED') return cfError(424, 'validation_error', outcome.code.toLowerCase(), 'The bank could not verify the account now');
      return jsonReply(200, bavBody(record));
    }
    if (outcome.receivedFirst) {
      return jsonReply(200, { reference_id: record.shownReference, user_id: userId, account_status: 'RECEIVED', account_status_code: 'VALIDATION_IN_PROGRESS' });
    }
    return jsonReply(200, bavBody(record, { user_id: userId }));
  };

  const lookupBav = (req: SimRequest): SimReply => {
    const referenceId = req.query.get('reference_id');
    const userId = req.query.get('user_id');
    if (referenceId !== null) {
      if (!REFERENCE_ID.test(referenceId)) return invalid('reference_id_invalid', 'reference_id should be a number.');
      const r = bavByRef.get(Number(referenceId));
      return r ? jsonReply(200, bavBody(r)) : cfError(404, 'validation_error', 'reference_id_not_found', 'reference_id does not exist.');
    }
    if (userId === null) return invalid('reference_id_or_user_id_missing', 'Please provide reference_id or user_id');
    if (!USER_ID.test(userId)) return invalid('user_id_invalid', 'user_id should contain only alphanumeric and underscore characters.');
    const r = bavByUserId.get(userId);
    return r ? jsonReply(200, bavBody(r)) : cfError(404, 'validation_error', 'user_id_not_found', 'user_id does not exist.');
  };

  const upiBody = (r: UpiRecord): Body => ({
    verification_id: r.verificationId,
    reference_id: r.shownReference,
    status: r.outcome.status,
    vpa: r.vpa,
    ...(r.outcome.name === null ? {} : { name_at_bank: r.outcome.name }),
  });

  const verifyUpi = (req: SimRequest, charge: (reference: string) => void, answer: AnswerOverrides): SimReply => {
    const b = bodyOf(req);
    if (typeof b.verification_id !== 'string' || !VERIFICATION_ID.test(b.verification_id)) {
      return invalid('verification_id_invalid', 'verification_id can include only alphanum, dot, hyphen, and underscores.');
    }
    if (b.vpa === undefined) return invalid('vpa_missing', 'vpa is missing in the request.');
    if (typeof b.vpa !== 'string' || !VPA.test(b.vpa)) return invalid('vpa_invalid', 'vpa should be valid.');
    if (!optionalMatches(b.name, UPI_NAME)) return invalid('name_invalid', 'name should only contains alphanumeric, space, dot and hyphen.');
    if (upiById.has(b.verification_id)) return cfError(409, 'validation_error', 'verification_id_already_exists', 'verification_id already exists');

    const decided = decideCashfreeUpi(b.vpa, nextAttempt(`upi:${b.verification_id}`));
    if (decided.kind === 'hang') return { kind: 'hang' };
    if (decided.kind === 'insufficient_balance') return INSUFFICIENT(422);
    if (decided.kind === 'unavailable') return cfError(502, 'api_error', 'internal_error', 'Unable to process your request. Try again after some time.');
    const outcome = { ...decided, name: answer.name(decided.name, b.vpa) };
    const referenceId = nextReferenceId++;
    const record: UpiRecord = { referenceId, shownReference: answer.reference ?? referenceId, verificationId: b.verification_id, vpa: b.vpa, outcome };
    upiById.set(record.verificationId, record);
    upiByRef.set(record.referenceId, record);
    charge(record.verificationId);
    return jsonReply(200, upiBody(record));
  };

  const lookupUpi = (req: SimRequest): SimReply => {
    const referenceId = req.query.get('reference_id');
    const verificationId = req.query.get('verification_id');
    if (verificationId !== null) {
      if (!VERIFICATION_ID.test(verificationId)) return invalid('verification_id_invalid', 'verification_id can include only alphanum, dot, hyphen, and underscores.');
      const r = upiById.get(verificationId);
      return r ? jsonReply(200, upiBody(r)) : cfError(404, 'validation_error', 'verification_id_not_found', 'verification_id does not exist.');
    }
    if (referenceId === null) return invalid('verification_id_or_reference_id_missing', 'provide verification_id or reference_id');
    if (!REFERENCE_ID.test(referenceId)) return invalid('request_invalid', 'Bad request, please check API documentation');
    const r = upiByRef.get(Number(referenceId));
    return r ? jsonReply(200, upiBody(r)) : cfError(404, 'validation_error', 'reference_id_not_found', 'reference_id does not exist.');
  };

  const authFailure = (req: SimRequest): SimReply | null => {
    const { clientId, clientSecret } = opts;
    if (clientId !== undefined && req.headers['x-client-id'] === undefined) return invalid('x-client-id_missing', 'x-client-id is missing in the request.');
    if (clientSecret !== undefined && req.headers['x-client-secret'] === undefined) return invalid('x-client-secret_missing', 'x-client-secret is missing in the request.');
    const idOk = clientId === undefined || secretMatches(req.headers['x-client-id'], clientId);
    const secretOk = clientSecret === undefined || secretMatches(req.headers['x-client-secret'], clientSecret);
    return idOk && secretOk ? null : cfError(401, 'authentication_error', 'authentication_failed', 'Invalid clientId and clientSecret combination');
  };

  type Run = (req: SimRequest, charge: (r: string) => void, answer: AnswerOverrides) => SimReply;
  const routes: Readonly<Record<string, { method: 'GET' | 'POST'; run: Run }>> = {
    '/bank-account/sync': { method: 'POST', run: (req, charge, answer) => verifyBav(req, charge, answer, 'sync') },
    '/bank-account/async': { method: 'POST', run: (req, charge, answer) => verifyBav(req, charge, answer, 'async') },
    '/bank-account': { method: 'GET', run: (req) => lookupBav(req) },
    '/upi': { method: 'POST', run: (req, charge, answer) => verifyUpi(req, charge, answer) },
  };

  return {
    name: 'cashfree',
    referenceOf(req) {
      const b = bodyOf(req);
      if (req.method === 'POST' && req.path === '/bank-account/async') return typeof b.user_id === 'string' ? b.user_id : null;
      if (req.method === 'POST' && req.path === '/upi') return typeof b.verification_id === 'string' ? b.verification_id : null;
      const ref = req.query.get('reference_id');
      const byRef = ref !== null && REFERENCE_ID.test(ref) ? Number(ref) : null;
      if (req.method === 'GET' && req.path === '/bank-account') return req.query.get('user_id') ?? (byRef === null ? null : bavByRef.get(byRef)?.userId ?? null);
      if (req.method === 'GET' && req.path === '/upi') return req.query.get('verification_id') ?? (byRef === null ? null : upiByRef.get(byRef)?.verificationId ?? null);
      return null;
    },
    handle(req, ctx) {
      const lookupUpiRoute = req.path === '/upi' && req.method === 'GET';
      const route = routes[req.path];
      if (route === undefined) return cfError(404, 'invalid_request_error', 'url_not_found', 'The requested URL was not found');
      if (req.method !== route.method && !lookupUpiRoute) return cfError(405, 'invalid_request_error', 'method_not_allowed', 'Method not allowed');
      const denied = authFailure(req);
      if (denied) return denied;
      if (req.invalidJson) return invalid('request_invalid', 'Bad request, please check API documentation');
      return lookupUpiRoute ? lookupUpi(req) : route.run(req, (reference) => ctx.charge(reference), ctx.answer);
    },
    reset() {
      for (const m of [bavByUserId, bavByRef, upiById, upiByRef, attempts]) m.clear();
    },
  };
}
