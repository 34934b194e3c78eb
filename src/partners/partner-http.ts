// One JSON-over-HTTP call to a partner, with the error classification every HTTP adapter needs.
// Adapters add only their DTO mapping on top; what counts as transient, ambiguous or permanent is
// decided here once.

import { request, type Dispatcher } from 'undici';
import {
  DEFAULT_RETRY_AFTER_MS,
  PartnerAuthError,
  PartnerRateLimitedError,
  PartnerRejectedError,
  PartnerTransientError,
} from './partner-errors.js';

export interface PartnerHttpCall {
  dispatcher: Dispatcher;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  signal: AbortSignal;
  maxBodyBytes: number;
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

/** POSTs `body` as JSON and resolves with the parsed 2xx answer; everything else rejects with a partner error. */
export async function postPartnerJson(call: PartnerHttpCall): Promise<unknown> {
  const { signal } = call;
  if (signal.aborted) throw new PartnerTransientError('partner.timeout', { ambiguous: false });

  let res: Dispatcher.ResponseData;
  try {
    res = await request(call.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...call.headers },
      body: JSON.stringify(call.body),
      signal,
      dispatcher: call.dispatcher,
    });
  } catch (e) {
    throw transportError(e, signal);
  }

  const { statusCode, headers, body } = res;
  if (statusCode < 200 || statusCode > 299) {
    // Drain so the keep-alive socket can be reused; the content is never read into an error.
    await body.dump({ limit: call.maxBodyBytes, signal }).catch(() => undefined);
    throw statusError(statusCode, headers);
  }

  let text: string;
  try {
    text = await readLimited(body, headers, call.maxBodyBytes);
  } catch (e) {
    throw e instanceof PartnerTransientError ? e : transportError(e, signal);
  }
  try {
    return JSON.parse(text);
  } catch {
    // No `cause`: V8's SyntaxError quotes the start of the body, which may hold account data.
    throw new PartnerTransientError('partner.bad_response', { message: 'Partner response is not valid JSON' });
  }
}

export function statusError(statusCode: number, headers: Dispatcher.ResponseData['headers']): Error {
  if (statusCode === 429) return new PartnerRateLimitedError(parseRetryAfterMs(headers['retry-after']));
  if (statusCode === 401 || statusCode === 403) return new PartnerAuthError(statusCode);
  // 408 is the partner giving up on us mid-request: a retry is the right answer, not a rejection.
  if (statusCode === 408) return new PartnerTransientError('partner.timeout', { ambiguous: true });
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
  const raw = (Array.isArray(value) ? value[0] : value)?.trim();
  if (raw === undefined || raw === '') return DEFAULT_RETRY_AFTER_MS;
  if (/^\d+$/.test(raw)) return Math.min(Number(raw) * 1000, MAX_RETRY_AFTER_MS);
  const at = Date.parse(raw);
  if (Number.isNaN(at)) return DEFAULT_RETRY_AFTER_MS;
  return Math.min(Math.max(at - now, 0), MAX_RETRY_AFTER_MS);
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

async function readLimited(
  body: Dispatcher.ResponseData['body'],
  headers: Dispatcher.ResponseData['headers'],
  limit: number,
): Promise<string> {
  const tooLarge = (): PartnerTransientError => {
    body.destroy();
    return new PartnerTransientError('partner.bad_response', { message: 'Partner response is too large' });
  };
  const declared = Number(headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
