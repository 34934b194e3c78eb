import { Agent, request, type Dispatcher } from 'undici';
import { parseRetryAfterHeader } from '../platform/retry-after.js';
import type { UrlGuard } from './url-guard.js';

/** Stable codes stored with each failed attempt and shown in the delivery log. */
export type SendErrorCode = 'timeout' | 'connection_failed' | 'dns_failed' | 'tls_error' | 'blocked_address' | 'invalid_url' | 'redirect' | 'http_status';

export interface SendResult {
  ok: boolean;
  statusCode: number | null;
  latencyMs: number;
  /** The first kilobyte of the receiver's answer, as text. */
  body: string | null;
  error: SendErrorCode | null;
  errorMessage: string | null;
  retryAfterMs: number | null;
}

const STORED_BODY_BYTES = 1024;
const READ_BODY_BYTES = 64 * 1024;
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT']);
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL']);

function errorCodes(err: unknown): string[] {
  const codes: string[] = [];
  for (let e = err as { code?: unknown; name?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string') codes.push(e.code);
    if (typeof e.name === 'string') codes.push(e.name);
  }
  return codes;
}

function classify(err: unknown, timedOut: boolean): { error: SendErrorCode; message: string } {
  const codes = errorCodes(err);
  if (codes.includes('EWEBHOOKBLOCKED')) return { error: 'blocked_address', message: 'The URL resolves to an address payval may not call.' };
  if (timedOut || codes.some((c) => TIMEOUT_CODES.has(c) || c === 'TimeoutError' || c === 'AbortError')) return { error: 'timeout', message: 'No response within the delivery timeout.' };
  if (codes.some((c) => DNS_CODES.has(c))) return { error: 'dns_failed', message: 'The host name could not be resolved.' };
  if (codes.some((c) => c.startsWith('ERR_TLS') || c.startsWith('CERT_') || c.includes('SELF_SIGNED') || c.startsWith('UNABLE_TO_'))) {
    return { error: 'tls_error', message: 'The TLS handshake failed.' };
  }
  return { error: 'connection_failed', message: `The connection failed${codes[0] ? ` (${codes[0]})` : ''}.` };
}

async function readHead(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      const buf = chunk as Buffer;
      if (size < STORED_BODY_BYTES) chunks.push(buf);
      size += buf.length;
      // Keep reading (so the connection can be reused) only while the answer stays small.
      if (size >= READ_BODY_BYTES) break;
    }
  } finally {
    if (size >= READ_BODY_BYTES) body.destroy();
  }
  return Buffer.concat(chunks).subarray(0, STORED_BODY_BYTES).toString('utf8');
}

/**
 * POSTs one signed delivery. Every connection goes through the SSRF guard's lookup, so a host name
 * that now resolves inside the network is refused at connect time, not just at registration. Redirects
 * are never followed (a 3xx is a failed attempt), and one deadline covers connect, headers and body.
 */
export function createWebhookSender(opts: { guard: UrlGuard; timeoutMs: number; userAgent: string }) {
  const agent = new Agent({
    connect: { lookup: opts.guard.connectLookup, timeout: Math.min(opts.timeoutMs, 10_000) },
    headersTimeout: opts.timeoutMs,
    bodyTimeout: opts.timeoutMs,
    keepAliveTimeout: 10_000,
    connections: 16,
  });

  async function send(url: string, headers: Record<string, string>, body: string): Promise<SendResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const failed = (error: SendErrorCode, message: string): SendResult => ({ ok: false, statusCode: null, latencyMs: elapsed(), body: null, error, errorMessage: message, retryAfterMs: null });
    try {
      // IP literals never reach the lookup, so the address rules are applied to them here too.
      opts.guard.checkSyntax(url);
    } catch (err) {
      const code = (err as { code?: string }).code;
      return code === 'webhook.url_blocked_address' ? failed('blocked_address', 'The URL points at an address payval may not call.') : failed('invalid_url', 'The URL is no longer acceptable.');
    }
    const signal = AbortSignal.timeout(opts.timeoutMs);
    try {
      const res = await request(url, {
        method: 'POST',
        dispatcher: agent,
        signal,
        headers: { 'content-type': 'application/json', 'user-agent': opts.userAgent, ...headers },
        body,
      });
      const text = await readHead(res.body);
      const ok = res.statusCode >= 200 && res.statusCode < 300;
      const redirect = res.statusCode >= 300 && res.statusCode < 400;
      return {
        ok,
        statusCode: res.statusCode,
        latencyMs: elapsed(),
        body: text || null,
        error: ok ? null : redirect ? 'redirect' : 'http_status',
        errorMessage: ok ? null : redirect ? `HTTP ${res.statusCode}: redirects are not followed.` : `HTTP ${res.statusCode}`,
        retryAfterMs: parseRetryAfterHeader(res.headers['retry-after']),
      };
    } catch (err) {
      const c = classify(err, signal.aborted);
      return failed(c.error, c.message);
    }
  }

  return { send, close: () => agent.close() };
}

export type WebhookSender = ReturnType<typeof createWebhookSender>;
