// The partner simulator as a real HTTP server, so the connector, timeouts and sockets are exercised
// exactly as against a real partner. It never logs: request bodies carry account numbers.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseSandboxPayload, type SandboxRoute } from './sandbox-payload.js';
import { decideSandboxOutcome } from './sandbox-rules.js';

export interface SandboxServer {
  readonly url: string;
  readonly port: number;
  /** Calls accepted for this reference (the callNumber the rules last saw). */
  callsFor(reference: string): number;
  totalCalls(): number;
  /** Requests parked in latency or a hang, so tests can check that an aborted client frees them. */
  inFlight(): number;
  setLatency(ms: number): void;
  /** Forgets all call counts and restores the starting latency. */
  reset(): void;
  close(): Promise<void>;
}

export interface SandboxServerOptions {
  port?: number;
  host?: string;
  latencyMs?: number;
  apiKey?: string;
}

const MAX_BODY_BYTES = 16 * 1024;
const MAX_TRACKED_REFERENCES = 100_000;
const HANG_LIMIT_MS = 120_000;
const ROUTES: Readonly<Record<string, SandboxRoute>> = {
  '/v1/verifications/bank-account': 'bank-account',
  '/v1/verifications/vpa': 'vpa',
};

export async function startSandboxServer(opts: SandboxServerOptions = {}): Promise<SandboxServer> {
  const host = opts.host ?? '127.0.0.1';
  const initialLatencyMs = sanitiseLatency(opts.latencyMs ?? 0);
  let latencyMs = initialLatencyMs;
  // Map iteration order is insertion order, so the first key is the oldest reference.
  const calls = new Map<string, number>();
  let total = 0;
  const waiters = new Set<() => void>();
  const keyDigest = opts.apiKey === undefined ? null : digest(opts.apiKey);

  const countCall = (reference: string): number => {
    const n = (calls.get(reference) ?? 0) + 1;
    if (n === 1 && calls.size >= MAX_TRACKED_REFERENCES) {
      const oldest = calls.keys().next();
      if (!oldest.done) calls.delete(oldest.value);
    }
    calls.set(reference, n);
    total += 1;
    return n;
  };

  // Resolves true once `ms` have passed, false if the client went away or the server is closing.
  const hold = (res: ServerResponse, ms: number): Promise<boolean> =>
    new Promise((resolve) => {
      if (clientGone(res)) return resolve(false);
      if (ms <= 0) return resolve(true);
      const finish = (elapsed: boolean): void => {
        clearTimeout(timer);
        res.off('close', onClose);
        waiters.delete(onClose);
        resolve(elapsed);
      };
      const onClose = (): void => finish(false);
      const timer = setTimeout(() => finish(true), ms);
      res.on('close', onClose);
      waiters.add(onClose);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/healthz') {
      return req.method === 'GET' ? send(res, 200, { status: 'ok' }) : send(res, 405, { error: 'method_not_allowed' });
    }
    const route = ROUTES[path];
    if (route === undefined) return send(res, 404, { error: 'not_found' });
    if (req.method !== 'POST') return send(res, 405, { error: 'method_not_allowed' }, { allow: 'POST' });
    if (keyDigest !== null && !keyMatches(req.headers['x-api-key'], keyDigest)) {
      return send(res, 401, { error: 'unauthorized' });
    }

    const raw = await readBody(req, MAX_BODY_BYTES);
    if (raw === 'too_large') return send(res, 413, { error: 'payload_too_large' }, { connection: 'close' });
    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      return send(res, 400, { error: 'invalid_json' });
    }
    const call = parseSandboxPayload(route, json);
    if (call === null) return send(res, 400, { error: 'invalid_request' });

    const outcome = decideSandboxOutcome(call.input, countCall(call.reference));
    if (!(await hold(res, latencyMs))) return;
    if (outcome.kind === 'hang') {
      if (await hold(res, HANG_LIMIT_MS)) send(res, 504, { error: 'sandbox_timeout' });
      return;
    }
    if (outcome.kind === 'error') return send(res, outcome.httpStatus, { error: 'sandbox_unavailable' });
    send(res, 200, {
      reference: call.reference,
      sandbox_reference: `sbx_${randomBytes(8).toString('hex')}`,
      status: outcome.status,
      name_at_bank: outcome.nameAtBank,
    });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => send(res, 500, { error: 'internal_error' }));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | null = null;

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    callsFor: (reference) => calls.get(reference) ?? 0,
    totalCalls: () => total,
    inFlight: () => waiters.size,
    setLatency: (ms) => {
      latencyMs = sanitiseLatency(ms);
    },
    reset: () => {
      calls.clear();
      total = 0;
      latencyMs = initialLatencyMs;
    },
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        for (const release of [...waiters]) release();
        server.close(() => resolve());
        // Hanging and keep-alive sockets would otherwise hold close() open for up to 120 s.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too_large'> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) return resolve('too_large');
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.off('end', onEnd);
        resolve('too_large');
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => resolve(Buffer.concat(chunks));
    req.on('data', onData);
    req.on('end', onEnd);
    req.once('error', reject);
  });
}

function sanitiseLatency(ms: number): number {
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
}

function clientGone(res: ServerResponse): boolean {
  return res.destroyed || res.socket === null || res.socket.destroyed;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}

// Comparing fixed-length digests keeps the check constant-time whatever the header's length.
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function keyMatches(header: string | string[] | undefined, expected: Buffer): boolean {
  return typeof header === 'string' && timingSafeEqual(digest(header), expected);
}
