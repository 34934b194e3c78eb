// The benchmark's HTTP side: the streamed upload, the read probe beside it, and batch polling.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Agent, Client, request } from 'undici';
import { payeeFactory } from './payees.js';

export interface BatchCounts { total: number; rejected: number; queued: number; processing: number; completed: number; failed: number }
export interface Batch { id: string; status: string; counts: BatchCounts; unique_validations?: number; rejected_rows?: unknown[]; failure: unknown }

// No timeouts: a million-row upload legitimately keeps the request open for minutes.
const agent = new Agent({ headersTimeout: 0, bodyTimeout: 0, keepAliveTimeout: 30_000 });

/** `abort` tears down in-flight requests (an interrupted run must not wait for a million-row upload). */
export async function closeClients(abort = false): Promise<void> {
  await (abort ? agent.destroy() : agent.close());
}

async function json<T>(res: { statusCode: number; body: { text(): Promise<string> } }, expected: number, what: string): Promise<T> {
  const text = await res.body.text();
  if (res.statusCode !== expected) throw new Error(`${what}: HTTP ${res.statusCode} ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

export async function createValidation(base: string, apiKey: string): Promise<string> {
  const res = await request(`${base}/v1/validations`, {
    method: 'POST',
    dispatcher: agent,
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'bank_account', bank_account: { account_number: '50100012345671', ifsc: 'HDFC0000001' }, rail: 'IMPS', name: 'Ramesh Kumar' }),
  });
  return (await json<{ id: string }>(res, 202, 'POST /v1/validations')).id;
}

export interface UploadResult { batch: Batch; ms: number; lastByteMs: number; bytes: number }

/** Streams the file as text/csv; `ms` runs from the first byte to the 202, `lastByteMs` to the last byte read. */
export async function uploadCsv(base: string, apiKey: string, file: string): Promise<UploadResult> {
  const { size } = await stat(file);
  const body = createReadStream(file, { highWaterMark: 256 * 1024 });
  let lastByteMs = 0;
  const started = performance.now();
  body.once('end', () => {
    lastByteMs = performance.now() - started;
  });
  const res = await request(`${base}/v1/batches`, {
    method: 'POST',
    dispatcher: agent,
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'text/csv', 'content-length': String(size) },
    body,
  });
  const batch = await json<Batch>(res, 202, 'POST /v1/batches');
  return { batch, ms: performance.now() - started, lastByteMs, bytes: size };
}

export async function getBatch(base: string, apiKey: string, id: string): Promise<Batch> {
  const res = await request(`${base}/v1/batches/${id}`, { dispatcher: agent, headers: { authorization: `Bearer ${apiKey}` } });
  return json<Batch>(res, 200, 'GET /v1/batches/:id');
}

export interface ProbeStats { count: number; errors: number; p50: number; p99: number; max: number }

/**
 * GETs one validation every ~20 ms on its own keep-alive connection until stopped. Probes run one at
 * a time, so a stall shows up as one slow sample (and fewer probes), not as a pile of queued ones.
 */
export function startReadProbe(base: string, apiKey: string, validationId: string, everyMs = 20): { stop(): Promise<ProbeStats> } {
  const client = new Client(base, { keepAliveTimeout: 60_000, pipelining: 1 });
  const samples: number[] = [];
  let errors = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const t0 = performance.now();
      try {
        const res = await client.request({ method: 'GET', path: `/v1/validations/${validationId}`, headers: { authorization: `Bearer ${apiKey}` } });
        await res.body.text();
        if (res.statusCode === 200) samples.push(performance.now() - t0);
        else errors++;
      } catch {
        errors++;
      }
      const wait = everyMs - (performance.now() - t0);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await client.close();
      const sorted = [...samples].sort((a, b) => a - b);
      const q = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]! : Number.NaN);
      return { count: sorted.length, errors, p50: q(0.5), p99: q(0.99), max: sorted.at(-1) ?? Number.NaN };
    },
  };
}

/** `n` single validations of distinct payees (10 requests at a time); their ids. */
export async function createIds(url: string, headers: Record<string, string>, n: number): Promise<string[]> {
  const payees = payeeFactory();
  const ids: string[] = [];
  await Promise.all(Array.from({ length: 10 }, async () => {
    while (ids.length < n) {
      const res = await fetch(`${url}/v1/validations`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(payees.next()) });
      if (res.status !== 202) throw new Error(`POST /v1/validations: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`);
      ids.push(((await res.json()) as { id: string }).id);
    }
  }));
  return ids;
}

/** The API process's own event-loop delay since the last scrape of its /metrics (prom-client resets the histogram on each). */
export async function apiEventLoopLag(base: string): Promise<{ p99: number; max: number }> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const ms = (name: string) => Number(new RegExp(`^payval_nodejs_eventloop_lag_${name}_seconds(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)?.[1]) * 1000;
  return { p99: ms('p99'), max: ms('max') };
}
