// Adapter for Cashfree's Verification API: Bank Account Verification v2 and UPI Verification v2.
// Own keep-alive pool, the caller's per-call deadline on every request, bounded bodies, and
// hand-checked schemas (cashfree-transformers.ts). It never logs: bodies carry account numbers.
//
// Finding a call again: BAV sync takes no id of ours, so bank accounts go through the async endpoint
// with `user_id` = payval's reference, then GET /bank-account; UPI v2 carries `verification_id` =
// payval's reference and has GET /upi. When `ctx.previous` says an earlier call may have reached
// Cashfree, the verification is looked up first and a new one is sent only if Cashfree has none.

import { setTimeout as sleep } from 'node:timers/promises';
import { PartnerError, PartnerRateLimitedError, PartnerRejectedError, PartnerTransientError } from '../partner-errors.js';
import { createPartnerAgent, normalisePartnerBaseUrl, sendPartnerRequest, type PartnerHttpResponse } from '../partner-http.js';
import {
  ALL_RAILS,
  type PartnerCallContext,
  type PartnerConnector,
  type PartnerOutcome,
  type PartnerRequest,
  type Rail,
} from '../partner-types.js';
import { classifyCashfreeError } from './cashfree-errors.js';
import {
  bavStatusQuery,
  cashfreeUserId,
  cashfreeVerificationId,
  readBavResponse,
  readUpiResponse,
  toBavAsyncRequest,
  toUpiRequest,
  upiStatusQuery,
  type BankAccountRequest,
  type CashfreeReading,
  type VpaRequest,
} from './cashfree-transformers.js';

export interface CashfreeConnectorOptions {
  /** `https://api.cashfree.com/verification` (production) or `https://sandbox.cashfree.com/verification`. */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  connectTimeoutMs: number;
  /** @defaultValue 'cashfree' */
  name?: string;
  /** @defaultValue ['IMPS', 'NEFT', 'UPI'] */
  rails?: readonly Rail[];
  /** Header/body stall backstop when a caller's signal has no deadline. @defaultValue 30 s */
  responseTimeoutMs?: number;
  /**
   * Waits before each in-call status lookup after Cashfree accepts a bank-account verification
   * without a final answer. When they run out (or the call's deadline fires) the call returns
   * "pending" and payval's own pending follow-up asks again. @defaultValue [] (no in-call polling)
   */
  statusPollDelaysMs?: readonly number[];
}

const MAX_RESPONSE_BYTES = 64 * 1024;
const DEFAULT_POLL_DELAYS_MS: readonly number[] = [];

export function createCashfreeConnector(opts: CashfreeConnectorOptions): PartnerConnector {
  const baseUrl = normalisePartnerBaseUrl(opts.baseUrl, 'cashfree');
  if (opts.clientId === '' || opts.clientSecret === '') throw new TypeError('cashfree client id and secret are required');
  const rails = Object.freeze([...(opts.rails ?? ALL_RAILS)]);
  if (rails.length === 0 || rails.some((r) => !ALL_RAILS.includes(r))) throw new TypeError('cashfree rails must be IMPS, NEFT or UPI');
  const pollDelays = opts.statusPollDelaysMs ?? DEFAULT_POLL_DELAYS_MS;
  if (pollDelays.some((ms) => !Number.isFinite(ms) || ms < 0)) throw new TypeError('cashfree poll delays must be non-negative');
  const agent = createPartnerAgent({
    connectTimeoutMs: opts.connectTimeoutMs,
    ...(opts.responseTimeoutMs === undefined ? {} : { responseTimeoutMs: opts.responseTimeoutMs }),
  });
  const headers = { 'x-client-id': opts.clientId, 'x-client-secret': opts.clientSecret };

  const send = (signal: AbortSignal, path: string, body?: unknown): Promise<PartnerHttpResponse> =>
    sendPartnerRequest({
      dispatcher: agent,
      method: body === undefined ? 'GET' : 'POST',
      url: `${baseUrl}${path}`,
      headers,
      ...(body === undefined ? {} : { body }),
      signal,
      maxBodyBytes: MAX_RESPONSE_BYTES,
    });

  /** GETs a verification and reads it with `read`; null when Cashfree has none under that id. */
  async function lookup<T>(signal: AbortSignal, path: string, read: (json: unknown) => T): Promise<T | null> {
    const res = await send(signal, path);
    if (res.statusCode >= 200 && res.statusCode <= 299) return read(res.json);
    const disposition = classifyCashfreeError(res.statusCode, res.headers, res.json, 'lookup');
    if (disposition.kind === 'not_found') return null;
    throw disposition.error;
  }

  /** POSTs a new verification and reads it with `read`; 'exists' when Cashfree already has our id. */
  async function create<T>(signal: AbortSignal, path: string, body: unknown, read: (json: unknown) => T): Promise<T | 'exists'> {
    const res = await send(signal, path, body);
    if (res.statusCode >= 200 && res.statusCode <= 299) return read(res.json);
    const disposition = classifyCashfreeError(res.statusCode, res.headers, res.json, 'create');
    if (disposition.kind === 'already_exists') return 'exists';
    throw disposition.error;
  }

  const lookupBav = (signal: AbortSignal, query: URLSearchParams, userId: string): Promise<CashfreeReading | null> => {
    const referenceId = query.get('reference_id');
    const expected = referenceId === null ? { userId } : { userId, referenceId };
    return lookup(signal, `/bank-account?${query}`, (json) => readBavResponse(json, expected));
  };

  // Cashfree accepted the verification, so from here on every failure still leaves a verification to
  // ask about: the call ends "pending" with Cashfree's id rather than as an error.
  async function settle(signal: AbortSignal, reading: CashfreeReading, userId: string): Promise<PartnerOutcome> {
    let current = reading;
    for (const delay of pollDelays) {
      if (current.kind !== 'pending') break;
      const { partnerReference } = current;
      if (!(await pause(delay, signal))) break;
      try {
        current = (await lookupBav(signal, bavStatusQuery(partnerReference, userId), userId)) ?? current;
      } catch (e) {
        // A refusal is Cashfree's final word on this verification; anything else (timeout, 5xx, 429,
        // garbled body, even an auth failure) leaves it to be looked up on the next call.
        if (!(e instanceof PartnerError) || e instanceof PartnerRejectedError) throw e;
        return pending(partnerReference, e instanceof PartnerRateLimitedError ? e.retryAfterMs : null);
      }
    }
    switch (current.kind) {
      case 'answered':
        return { kind: 'answered', result: current.result };
      case 'unverified':
        throw current.error;
      case 'pending':
        return pending(current.partnerReference, null);
    }
  }

  async function verifyBankAccount(req: BankAccountRequest, { signal, previous }: PartnerCallContext): Promise<PartnerOutcome> {
    const userId = cashfreeUserId(req.reference);
    if (previous !== null) {
      const earlier = await lookupBav(signal, bavStatusQuery(previous.partnerReference, userId), userId);
      // A verification Cashfree closed without verifying anything is spent: send a new one.
      if (earlier?.kind === 'answered') return { kind: 'answered', result: earlier.result };
      if (earlier?.kind === 'pending') return pending(earlier.partnerReference, null);
    }
    const created = await create(signal, '/bank-account/async', toBavAsyncRequest(req), (json) => readBavResponse(json, { userId }));
    if (created !== 'exists') return settle(signal, created, userId);
    // Cashfree refused a second verification under our id: an earlier call got through. Answer from it.
    const existing = await lookupBav(signal, new URLSearchParams({ user_id: userId }), userId);
    if (existing === null) throw vanished();
    return settle(signal, existing, userId);
  }

  async function verifyVpa(req: VpaRequest, { signal, previous }: PartnerCallContext): Promise<PartnerOutcome> {
    const verificationId = cashfreeVerificationId(req.reference);
    const lookupUpi = (query: URLSearchParams) => {
      const referenceId = query.get('reference_id');
      const expected = referenceId === null ? { verificationId } : { verificationId, referenceId };
      return lookup(signal, `/upi?${query}`, (json) => readUpiResponse(json, expected));
    };
    if (previous !== null) {
      const earlier = await lookupUpi(upiStatusQuery(previous.partnerReference, verificationId));
      if (earlier !== null) return { kind: 'answered', result: earlier };
    }
    const created = await create(signal, '/upi', toUpiRequest(req), (json) => readUpiResponse(json, { verificationId }));
    if (created !== 'exists') return { kind: 'answered', result: created };
    const existing = await lookupUpi(new URLSearchParams({ verification_id: verificationId }));
    if (existing === null) throw vanished();
    return { kind: 'answered', result: existing };
  }

  return {
    name: opts.name ?? 'cashfree',
    rails,
    async verify(req: PartnerRequest, ctx: PartnerCallContext): Promise<PartnerOutcome> {
      if (!rails.includes(req.rail)) throw new PartnerRejectedError(undefined, 'Partner is not configured for this rail');
      return req.type === 'bank_account' ? verifyBankAccount(req, ctx) : verifyVpa(req, ctx);
    },
    close: () => agent.close(),
  };
}

// Cashfree says only to check again "after some time", so without a 429's Retry-After the delay is
// left to payval's configured pending poll interval.
function pending(partnerReference: string, retryAfterMs: number | null): PartnerOutcome {
  return { kind: 'pending', partnerReference, retryAfterMs };
}

/** Resolves false, without throwing, once the call's deadline has fired. */
async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  if (ms === 0) return true;
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

// Cashfree said the id was taken but then could not find it: nothing to answer from, and the
// earlier call may well have been billed, so the retry must keep treating it as ambiguous.
function vanished(): PartnerTransientError {
  return new PartnerTransientError('partner.unavailable', { ambiguous: true, message: 'Partner reported a duplicate it cannot find' });
}
