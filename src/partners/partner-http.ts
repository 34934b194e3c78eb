// One JSON-over-HTTP call to a partner, with the error classification every HTTP adapter needs.
// Adapters add only their DTO mapping on top; what counts as transient, ambiguous or permanent is
// decided here once.

import { Agent, type Dispatcher } from 'undici';
import { exchange, type ExchangeAnswer } from './partner-exchange.js';
import {
  DEFAULT_RETRY_AFTER_MS,
  PartnerAuthError,
  PartnerRateLimitedError,
  PartnerRejectedError,
  PartnerTransientError,
} from './partner-errors.js';
import { parseRetryAfterHeader } from '../platform/retry-after.js';

export interface PartnerHttpCall {
  dispatcher: Dispatcher;
  method?: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  /** Sent as JSON; omit for GET. */
  body?: unknown;
  signal: AbortSignal;
  maxBodyBytes: number;
}

export interface PartnerHttpResponse {
  statusCode: number;
  headers: ExchangeAnswer['headers'];
  /** The parsed JSON body; undefined when the body was empty or not JSON. */
  json: unknown;
}

// A partner asking us to wait longer than this is treated as if it asked for this long, so one
// odd header cannot park a validation for days.
const MAX_RETRY_AFTER_MS = 10 * 60_000;

// Errors raised before anything was written to the partner: a retry cannot double-charge.
const NOT_SENT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
]);
const TIMEOUT_CODES: ReadonlySet<string> = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * One HTTP exchange with a partner. Resolves with any status (adapters read partners' error bodies
 * to classify them); rejects only with a PartnerTransientError for transport failures, timeouts and
 * oversized bodies. A 2xx body that is not JSON is a bad response.
 */
export async function sendPartnerRequest(call: PartnerHttpCall): Promise<PartnerHttpResponse> {
  const { signal } = call;
  if (signal.aborted) throw new PartnerTransientError('partner.timeout', { ambiguous: false });
  const method = call.method ?? (call.body === undefined ? 'GET' : 'POST');

  let answer: ExchangeAnswer;
  try {
    answer = await exchange({
      dispatcher: call.dispatcher,
      method,
      url: call.url,
      headers: {
        accept: 'application/json',
        ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...call.headers,
      },
      ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
      signal,
      maxBodyBytes: call.maxBodyBytes,
      tooLarge: () => new PartnerTransientError('partner.bad_response', { message: 'Partner response is too large' }),
    });
  } catch (e) {
    throw e instanceof PartnerTransientError ? e : transportError(e, signal);
  }
  const { statusCode, headers } = answer;
  const text = answer.body.toString('utf8');
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    // No `cause`: V8's SyntaxError quotes the start of the body, which may hold account data.
    if (statusCode >= 200 && statusCode <= 299) {
      throw new PartnerTransientError('partner.bad_response', { message: 'Partner response is not valid JSON' });
    }
    json = undefined;
  }
  return { statusCode, headers, json };
}

/** POSTs `body` as JSON and resolves with the parsed 2xx answer; everything else rejects with a partner error. */
export async function postPartnerJson(call: PartnerHttpCall): Promise<unknown> {
  const res = await sendPartnerRequest({ ...call, method: 'POST' });
  if (res.statusCode < 200 || res.statusCode > 299) throw statusError(res.statusCode, res.headers);
  return res.json;
}

export function statusError(statusCode: number, headers: Dispatcher.ResponseData['headers']): Error {
  if (statusCode === 429) return new PartnerRateLimitedError(parseRetryAfterMs(headers['retry-after']));
  if (statusCode === 401 || statusCode === 403) return new PartnerAuthError(statusCode);
  // 408 is the partner giving up on us mid-request: a retry is the right answer, not a rejection.
  if (statusCode === 408) return new PartnerTransientError('partner.timeout', { ambiguous: true });
  // 503 says the service is not taking requests: nothing was processed, so failing over is safe.
  if (statusCode === 503) {
    return new PartnerTransientError('partner.unavailable', { ambiguous: false, message: 'Partner answered HTTP 503' });
  }
  if (statusCode >= 400 && statusCode <= 499) return new PartnerRejectedError(statusCode);
  if (statusCode >= 500) {
    return new PartnerTransientError('partner.unavailable', {
      ambiguous: true,
      message: `Partner answered HTTP ${statusCode}`,
    });
  }
  return new PartnerTransientError('partner.bad_response', { message: `Partner answered HTTP ${statusCode}` });
}

/** Retry-After as delta-seconds or an HTTP-date; missing or unreadable means the default. */
export function parseRetryAfterMs(value: string | string[] | undefined, now: number = Date.now()): number {
  const ms = parseRetryAfterHeader(value, now);
  return ms === null ? DEFAULT_RETRY_AFTER_MS : Math.min(ms, MAX_RETRY_AFTER_MS);
}

export function transportError(e: unknown, signal: AbortSignal): PartnerTransientError {
  // The caller's signal is the per-call deadline; once it fired, whatever undici threw is a timeout.
  if (signal.aborted) return new PartnerTransientError('partner.timeout', { ambiguous: true, cause: e });
  const code = errorCode(e);
  if (code !== undefined && TIMEOUT_CODES.has(code)) {
    return new PartnerTransientError('partner.timeout', { ambiguous: true, cause: e });
  }
  const sent = code === undefined || !NOT_SENT_CODES.has(code);
  return new PartnerTransientError('partner.unavailable', { ambiguous: sent, cause: e });
}

function errorCode(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  // Node's happy-eyeballs connect reports an AggregateError; its members carry the codes.
  const inner = (e as { errors?: unknown }).errors;
  return Array.isArray(inner) && inner.length > 0 ? errorCode(inner[0]) : undefined;
}

export interface PartnerAgentOptions {
  connectTimeoutMs: number;
  /**
   * Backstop for header/body stalls when a caller's signal has no deadline; the caller's
   * AbortSignal.timeout is what normally ends a slow call.
   */
  responseTimeoutMs?: number;
}

/** One keep-alive pool per partner, with explicit connect, header and body timeouts. */
export function createPartnerAgent(opts: PartnerAgentOptions): Agent {
  const responseTimeoutMs = opts.responseTimeoutMs ?? 30_000;
  return new Agent({
    connect: { timeout: opts.connectTimeoutMs },
    headersTimeout: responseTimeoutMs,
    bodyTimeout: responseTimeoutMs,
    // Below Node's default 5 s server keep-alive, so we rarely reuse a socket the server is closing.
    keepAliveTimeout: 4_000,
    keepAliveMaxTimeout: 30_000,
  });
}

/** Partner base URLs must be absolute http(s); the trailing slash is dropped so paths can be appended. */
export function normalisePartnerBaseUrl(raw: string, partner: string): string {
  const url = new URL(raw);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`${partner} base URL must be http(s)`);
  return url.href.replace(/\/+$/, '');
}
