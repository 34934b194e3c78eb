// The partner simulator: one HTTP server hosting every emulated provider contract under its own
// prefix (`/sandbox`, `/cashfree`, `/razorpay`), with per-provider fault injection and a ledger of
// calls and billable charges per payval reference, so tests can prove nothing was charged twice.
// It never logs: request bodies carry account numbers.

import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mergeFaults, NO_FAULTS, overrideName, sampleLatencyMs, type DownMode, type SimFaults } from './sim-faults.js';
import { BoundedMap, SIM_MAX_TRACKED, type SimProvider, type SimReply, type SimRequest } from './sim-provider.js';

export interface SimProviderStats {
  calls: number;
  charges: number;
  maxCallsPerReference: number;
  maxChargesPerReference: number;
  faults: SimFaults;
}

export interface SimStats {
  providers: Record<string, SimProviderStats>;
  calls: number;
  charges: number;
  /** Highest number of billable charges any one reference received, summed over providers. */
  maxChargesPerReference: number;
  /** References billed more than once (by one provider or across providers). */
  referencesChargedMoreThanOnce: number;
}

export interface SimProviderHandle {
  readonly name: string;
  readonly baseUrl: string;
  faults(): SimFaults;
  /** Merges a partial fault set; throws TypeError on a bad value. */
  setFaults(patch: Partial<SimFaults> | Record<string, unknown>): void;
  /** Takes the provider down; 'reset' and 'hang' also drop the requests it is holding. */
  down(mode?: DownMode): void;
  up(): void;
  callsFor(reference: string): number;
  chargesFor(reference: string): number;
}

export interface PartnerSimulator {
  readonly url: string;
  readonly port: number;
  provider(name: string): SimProviderHandle;
  providerNames(): string[];
  /** All providers together. */
  callsFor(reference: string): number;
  chargesFor(reference: string): number;
  totalCalls(): number;
  totalCharges(): number;
  stats(): SimStats;
  /** Requests parked in latency or a hang, so tests can check that an aborted client frees them. */
  inFlight(): number;
  /** Fixed latency on every provider (shorthand for setFaults({ latency })). */
  setLatency(ms: number): void;
  /** Forgets all counts and stored verifications and restores every provider's starting faults. */
  reset(): void;
  close(): Promise<void>;
}

export interface PartnerSimulatorOptions {
  providers: SimProvider[];
  port?: number;
  host?: string;
  /** Starting faults, per provider name or for all (`*`); latency may be a spec string (`lognormal:20:200`). */
  faults?: Record<string, Partial<SimFaults> | Record<string, unknown>>;
  /** When set, `/_sim/*` requires `x-sim-control-token`. */
  controlToken?: string;
  random?: () => number;
}

const MAX_BODY_BYTES = 64 * 1024;
const HANG_LIMIT_MS = 120_000;
const PROVIDER_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

interface Ledger {
  calls: BoundedMap<string, number>;
  charges: BoundedMap<string, number>;
  totalCalls: number;
  totalCharges: number;
  maxCalls: number;
  maxCharges: number;
}

const newLedger = (): Ledger => ({
  calls: new BoundedMap(SIM_MAX_TRACKED),
  charges: new BoundedMap(SIM_MAX_TRACKED),
  totalCalls: 0,
  totalCharges: 0,
  maxCalls: 0,
  maxCharges: 0,
});

interface Parked {
  provider: string;
  release(): void;
}

export async function startPartnerSimulator(opts: PartnerSimulatorOptions): Promise<PartnerSimulator> {
  const host = opts.host ?? '127.0.0.1';
  const random = opts.random ?? Math.random;
  const providers = new Map<string, SimProvider>();
  for (const p of opts.providers) {
    if (!PROVIDER_NAME.test(p.name) || providers.has(p.name)) throw new TypeError(`bad or duplicate provider name "${p.name}"`);
    providers.set(p.name, p);
  }
  const initialFaults = new Map<string, SimFaults>();
  for (const name of providers.keys()) {
    let f: SimFaults = { ...NO_FAULTS };
    if (opts.faults?.['*']) f = mergeFaults(f, opts.faults['*']);
    if (opts.faults?.[name]) f = mergeFaults(f, opts.faults[name]);
    initialFaults.set(name, f);
  }
  const faults = new Map(initialFaults);
  const ledgers = new Map<string, Ledger>([...providers.keys()].map((n) => [n, newLedger()]));
  // Charges per reference over all providers: a failover that bills a second partner shows up here.
  let allCharges = new BoundedMap<string, number>(SIM_MAX_TRACKED);
  let maxAllCharges = 0;
  let chargedTwice = 0;
  const parked = new Set<Parked>();
  const controlDigest = opts.controlToken === undefined ? null : digest(opts.controlToken);

  const ledgerOf = (name: string): Ledger => ledgers.get(name)!;

  const countCall = (name: string, reference: string | null): number => {
    const l = ledgerOf(name);
    l.totalCalls += 1;
    if (reference === null) return 1;
    const n = (l.calls.get(reference) ?? 0) + 1;
    l.calls.set(reference, n);
    l.maxCalls = Math.max(l.maxCalls, n);
    return n;
  };

  const charge = (name: string, reference: string): void => {
    const l = ledgerOf(name);
    const n = (l.charges.get(reference) ?? 0) + 1;
    l.charges.set(reference, n);
    l.totalCharges += 1;
    l.maxCharges = Math.max(l.maxCharges, n);
    const all = (allCharges.get(reference) ?? 0) + 1;
    allCharges.set(reference, all);
    maxAllCharges = Math.max(maxAllCharges, all);
    if (all === 2) chargedTwice += 1;
  };

  // Resolves true once `ms` have passed, false if the client went away, the provider was taken down
  // (the socket is then reset) or the server is closing.
  const hold = (provider: string, res: ServerResponse, ms: number): Promise<boolean> =>
    new Promise((resolve) => {
      if (clientGone(res)) return resolve(false);
      if (ms <= 0) return resolve(true);
      const entry: Parked = { provider, release: () => finish(false) };
      const finish = (elapsed: boolean): void => {
        clearTimeout(timer);
        res.off('close', entry.release);
        parked.delete(entry);
        resolve(elapsed);
      };
      const timer = setTimeout(() => finish(true), ms);
      res.on('close', entry.release);
      parked.add(entry);
    });

  const hang = async (provider: string, res: ServerResponse): Promise<void> => {
    if (await hold(provider, res, HANG_LIMIT_MS)) send(res, 504, { error: 'simulated_gateway_timeout' });
    else reset(res);
  };

  const reset = (res: ServerResponse): void => {
    res.socket?.destroy();
  };

  const handleProvider = async (provider: SimProvider, req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<void> => {
    const raw = await readBody(req, MAX_BODY_BYTES);
    if (raw === 'too_large') return send(res, 413, { error: 'payload_too_large' }, { connection: 'close' });
    let body: unknown;
    let invalidJson = false;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        invalidJson = true;
      }
    }
    const name = provider.name;
    const simReq: SimRequest = { method: req.method ?? 'GET', path, query, headers: req.headers, body, invalidJson };
    const callNumber = countCall(name, safeReference(provider, simReq));
    const f = faults.get(name)!;

    if (f.down === 'reset') return reset(res);
    if (f.down === 'hang') return hang(name, res);
    if (f.down === '503') return send(res, 503, { error: 'simulated_outage' });
    if (random() < f.resetRate) return reset(res);
    if (random() < f.hangRate) return hang(name, res);
    if (!(await hold(name, res, sampleLatencyMs(f.latency, random)))) return reset(res);
    if (random() < f.rateLimitRate) {
      return send(res, 429, { error: 'simulated_rate_limit' }, { 'retry-after': String(f.retryAfterSeconds) });
    }
    if (random() < f.errorRate) return send(res, f.errorStatus, { error: 'simulated_error' });

    let charged = false;
    const reply: SimReply = await provider.handle(simReq, {
      callNumber,
      charge: (reference) => {
        charged = true;
        charge(name, reference);
      },
      answer: { name: (n, payee) => overrideName(f, n, payee), reference: f.answerReference },
    });
    if (reply.kind === 'hang') return hang(name, res);
    if (charged && random() < f.ambiguousRate) return hang(name, res);
    if (charged && reply.status >= 200 && reply.status < 300 && random() < f.malformedRate) {
      return sendRaw(res, 200, '{"status":"VALID","name_at_bank":', reply.headers);
    }
    send(res, reply.status, reply.body, reply.headers);
  };

  const handleControl = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    if (controlDigest !== null && !tokenMatches(req.headers['x-sim-control-token'], controlDigest)) {
      return send(res, 401, { error: 'unauthorized' });
    }
    if (path === '/_sim/stats' && req.method === 'GET') return send(res, 200, handle.stats());
    if (path === '/_sim/reset' && req.method === 'POST') {
      handle.reset();
      return send(res, 200, { reset: true });
    }
    const m = /^\/_sim\/providers\/([a-z0-9_-]+)\/(faults|down|up)$/.exec(path);
    const name = m?.[1];
    if (!m || name === undefined || !providers.has(name)) return send(res, 404, { error: 'not_found' });
    if (req.method !== 'POST') return send(res, 405, { error: 'method_not_allowed' }, { allow: 'POST' });
    const raw = await readBody(req, MAX_BODY_BYTES);
    if (raw === 'too_large') return send(res, 413, { error: 'payload_too_large' });
    let body: unknown = {};
    try {
      if (raw.length > 0) body = JSON.parse(raw.toString('utf8'));
    } catch {
      return send(res, 400, { error: 'invalid_json' });
    }
    const p = handle.provider(name);
    try {
      if (m[2] === 'faults') p.setFaults(body as Record<string, unknown>);
      else if (m[2] === 'down') p.down(((body as { mode?: DownMode } | null)?.mode ?? '503') as DownMode);
      else p.up();
    } catch (e) {
      return send(res, 400, { error: 'invalid_faults', message: (e as Error).message });
    }
    send(res, 200, { provider: name, faults: p.faults() });
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://sim.invalid');
    const path = url.pathname;
    if (path === '/healthz') return send(res, 200, { status: 'ok' });
    if (path.startsWith('/_sim/')) return handleControl(req, res, path);
    const slash = path.indexOf('/', 1);
    const name = path.slice(1, slash === -1 ? undefined : slash);
    const provider = providers.get(name);
    if (!provider) return send(res, 404, { error: 'not_found' });
    return handleProvider(provider, req, res, slash === -1 ? '/' : path.slice(slash), url.searchParams);
  };

  const server = createServer((req, res) => {
    route(req, res).catch(() => send(res, 500, { error: 'internal_error' }));
  });
  // Longer than the client's 4 s keep-alive so the client, not us, decides when to drop idle sockets.
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let closing: Promise<void> | null = null;

  const providerHandle = (name: string): SimProviderHandle => {
    if (!providers.has(name)) throw new TypeError(`no simulated provider "${name}"`);
    return {
      name,
      baseUrl: `${url}/${name}`,
      faults: () => ({ ...faults.get(name)! }),
      setFaults: (patch) => {
        faults.set(name, mergeFaults(faults.get(name)!, patch));
      },
      down: (mode = '503') => {
        faults.set(name, mergeFaults(faults.get(name)!, { down: mode }));
        // A real outage also drops what was in flight; a 503 outage lets in-flight calls finish.
        if (mode !== '503') for (const p of [...parked]) if (p.provider === name) p.release();
      },
      up: () => {
        faults.set(name, mergeFaults(faults.get(name)!, { down: null }));
      },
      callsFor: (reference) => ledgerOf(name).calls.get(reference) ?? 0,
      chargesFor: (reference) => ledgerOf(name).charges.get(reference) ?? 0,
    };
  };

  const handle: PartnerSimulator = {
    url,
    port,
    provider: providerHandle,
    providerNames: () => [...providers.keys()],
    callsFor: (reference) => [...ledgers.values()].reduce((n, l) => n + (l.calls.get(reference) ?? 0), 0),
    chargesFor: (reference) => allCharges.get(reference) ?? 0,
    totalCalls: () => [...ledgers.values()].reduce((n, l) => n + l.totalCalls, 0),
    totalCharges: () => [...ledgers.values()].reduce((n, l) => n + l.totalCharges, 0),
    stats: () => {
      const out: Record<string, SimProviderStats> = {};
      for (const [name, l] of ledgers) {
        out[name] = { calls: l.totalCalls, charges: l.totalCharges, maxCallsPerReference: l.maxCalls, maxChargesPerReference: l.maxCharges, faults: { ...faults.get(name)! } };
      }
      return {
        providers: out,
        calls: handle.totalCalls(),
        charges: handle.totalCharges(),
        maxChargesPerReference: maxAllCharges,
        referencesChargedMoreThanOnce: chargedTwice,
      };
    },
    inFlight: () => parked.size,
    setLatency: (ms) => {
      for (const name of providers.keys()) {
        faults.set(name, mergeFaults(faults.get(name)!, { latency: { kind: 'fixed', ms: Number.isFinite(ms) && ms > 0 ? ms : 0 } }));
      }
    },
    reset: () => {
      for (const name of providers.keys()) ledgers.set(name, newLedger());
      for (const p of providers.values()) p.reset();
      allCharges = new BoundedMap(SIM_MAX_TRACKED);
      maxAllCharges = 0;
      chargedTwice = 0;
      for (const [name, f] of initialFaults) faults.set(name, f);
    },
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        for (const p of [...parked]) p.release();
        server.close(() => resolve());
        // Hanging and keep-alive sockets would otherwise hold close() open for up to 120 s.
        server.closeAllConnections();
      });
      return closing;
    },
  };
  return handle;
}

function safeReference(provider: SimProvider, req: SimRequest): string | null {
  try {
    const ref = provider.referenceOf(req);
    return typeof ref === 'string' && ref.length > 0 && ref.length <= 128 ? ref : null;
  } catch {
    return null;
  }
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

function clientGone(res: ServerResponse): boolean {
  return res.destroyed || res.socket === null || res.socket.destroyed;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendRaw(res, status, JSON.stringify(body), headers);
}

function sendRaw(res: ServerResponse, status: number, payload: string, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
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

function tokenMatches(header: string | string[] | undefined, expected: Buffer): boolean {
  return typeof header === 'string' && timingSafeEqual(digest(header), expected);
}

/** For providers: constant-time comparison of a credential header against its expected value. */
export function secretMatches(header: string | string[] | undefined, expected: string): boolean {
  return tokenMatches(header, digest(expected));
}
