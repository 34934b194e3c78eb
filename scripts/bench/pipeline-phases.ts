// The phases of `npm run bench:pipeline`: N validations through real payval worker processes against
// the partner simulator, and the same N jobs through bare no-op BullMQ workers, each timed the same
// way (the spread of completion times), with in-flight work sampled while they run.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Db } from '../../src/platform/db.js';
import type { PartnerSimulator } from '../../src/partners/simulator/sim-server.js';
import { quantile } from './bench-run.js';
import { cpuSeconds } from './http-load.js';
import { startNodeChild } from './node-child.js';
import { procMemoryMb, startPayval, type PayvalProcess } from './payval-process.js';
import type { PayeeBody } from './payees.js';

export interface PhaseResult {
  n: number;
  /** Completions between the 10th and the 90th percentile ÷ their time span: start-up and tail left out. */
  steadyPerSec: number;
  /** n ÷ (last completion − first completion). */
  firstToLastPerSec: number;
  /** Seconds from spawning the worker processes (jobs already waiting) to the last completion. */
  startToLastS: number;
  maxActiveJobs: number;
  /** Validations the workers were working on at once (their `payval_worker_validations_in_flight`, summed); null for bare workers. */
  maxInFlight: number | null;
  maxPartnerInFlight: number;
  maxProcessingRows: number;
  peakRssMb: number[];
  /**
   * CPU time (user + system) the worker processes used per job from ready to the last completion, in
   * ms: unlike a rate, hardly moved by what else the machine runs (a descheduled process uses none).
   */
  cpuMsPerJob: number;
}

export function rates(completions: number[], spawnedAt: number): Pick<PhaseResult, 'steadyPerSec' | 'firstToLastPerSec' | 'startToLastS'> {
  const sorted = [...completions].sort((a, b) => a - b);
  const n = sorted.length;
  const p10 = quantile(sorted, 0.1);
  const p90 = quantile(sorted, 0.9);
  const inner = sorted.filter((t) => t >= p10 && t <= p90).length;
  return {
    steadyPerSec: p90 > p10 ? (inner - 1) / ((p90 - p10) / 1000) : Number.NaN,
    firstToLastPerSec: n > 1 ? (n - 1) / ((sorted[n - 1]! - sorted[0]!) / 1000) : Number.NaN,
    startToLastS: ((sorted[n - 1] ?? Number.NaN) - spawnedAt) / 1000,
  };
}

/** Samples BullMQ's active lists under `prefix`, the simulator's parked calls and `processing` rows. */
export function startSampler(redisUrl: string, prefix: string, sim: PartnerSimulator | null, db: Db | null) {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  let keys: string[] = [];
  let maxActive = 0, maxPartner = 0, maxProcessing = 0, ticks = 0, stopped = false;
  let metricUrls: string[] = [];
  let maxInFlight: number | null = null;
  const inFlightNow = async (): Promise<number> => {
    const values = await Promise.all(metricUrls.map(async (url) => {
      const text = await fetch(`${url}/metrics`).then((r) => r.text(), () => '');
      return Number(/^payval_worker_validations_in_flight(?:\{[^}]*\})? (\d+)/m.exec(text)?.[1] ?? 0);
    }));
    return values.reduce((a, b) => a + b, 0);
  };
  const loop = (async () => {
    while (!stopped) {
      if (metricUrls.length) maxInFlight = Math.max(maxInFlight ?? 0, await inFlightNow());
      if (ticks++ % 5 === 0) keys = await scanActive(redis, prefix).catch(() => keys);
      if (keys.length) {
        const lens = (await redis.pipeline(keys.map((k) => ['llen', k])).exec().catch(() => [])) ?? [];
        maxActive = Math.max(maxActive, lens.reduce((s, [, v]) => s + Number(v ?? 0), 0));
      }
      if (sim) maxPartner = Math.max(maxPartner, sim.inFlight());
      if (db && ticks % 5 === 0) {
        const [row] = (await db('validations').where({ status: 'processing' }).count({ n: '*' }).catch(() => [{ n: 0 }])) as Array<{ n: number | string }>;
        maxProcessing = Math.max(maxProcessing, Number(row?.n ?? 0));
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    /** payval worker processes to read `/metrics` from. */
    watch(urls: string[]) {
      metricUrls = urls;
    },
    async stop() {
      stopped = true;
      await loop;
      redis.disconnect();
      return { maxActiveJobs: maxActive, maxInFlight, maxPartnerInFlight: maxPartner, maxProcessingRows: maxProcessing };
    },
  };
}

async function scanActive(redis: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*:active`, 'COUNT', '1000');
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found;
}

/** POST /v1/batches with JSON items, `chunk` per batch; returns the batch ids. */
export async function uploadJsonBatches(apiUrl: string, apiKey: string, next: () => PayeeBody, n: number, chunk = 10_000): Promise<string[]> {
  const ids: string[] = [];
  for (let done = 0; done < n; done += chunk) {
    const items = Array.from({ length: Math.min(chunk, n - done) }, next);
    const res = await fetch(`${apiUrl}/v1/batches`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ items }) });
    const text = await res.text();
    if (res.status !== 202) throw new Error(`POST /v1/batches: HTTP ${res.status} ${text.slice(0, 300)}`);
    ids.push((JSON.parse(text) as { id: string }).id);
  }
  return ids;
}

/** Waits until every batch is final (completed / failed); throws after `maxS`. */
export async function waitBatchesFinal(db: Db, batchIds: string[], maxS: number, onProgress?: (final: number) => void, processes: PayvalProcess[] = []): Promise<void> {
  const deadline = Date.now() + maxS * 1000;
  let lastPrint = Date.now();
  for (;;) {
    // A worker killed from outside (a busy shared machine) must fail the run, not leave it waiting.
    const dead = processes.find((p) => !p.alive());
    if (dead) throw new Error(`payval ${dead.role} ${dead.pid} exited during the run:\n${dead.output().slice(-2000)}`);
    const rows = (await db('batches').whereIn('id', batchIds).select('status')) as Array<{ status: string }>;
    if (rows.length === batchIds.length && rows.every((r) => r.status === 'completed' || r.status === 'failed')) return;
    if (Date.now() > deadline) throw new Error(`batches not final after ${maxS} s`);
    if (onProgress && Date.now() - lastPrint > 10_000) {
      lastPrint = Date.now();
      const [row] = (await db('validations').whereIn('batch_id', batchIds).whereIn('status', ['completed', 'failed']).count({ n: '*' })) as Array<{ n: number | string }>;
      onProgress(Number(row?.n ?? 0));
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Starts `count` payval worker processes at once. */
export async function startWorkers(count: number, env: Record<string, string>, profileEnv?: (i: number) => Record<string, string>): Promise<PayvalProcess[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => startPayval('worker', { ...env, ...(profileEnv?.(i) ?? {}) })));
}

/** Peak RSS of each, and the CPU seconds all of them used since `cpuAtStart` (cpuOf() when they were ready). */
export async function stopWorkers(workers: PayvalProcess[], cpuAtStart = 0): Promise<{ peakRssMb: number[]; cpuS: number }> {
  const rss = workers.map((w) => procMemoryMb(w.pid, 'VmHWM'));
  const cpuS = cpuOf(workers) - cpuAtStart;
  await Promise.all(workers.map((w) => w.stop()));
  return { peakRssMb: rss, cpuS };
}

/** utime + stime of the processes, in seconds. */
export function cpuOf(workers: readonly PayvalProcess[]): number {
  return workers.reduce((sum, w) => sum + cpuSeconds(w.pid), 0);
}

/** The same N jobs through bare no-op BullMQ worker processes, on their own queue prefix. */
export async function runBarePhase(redisUrl: string, prefix: string, queueName: string, n: number, workers: number, concurrency: number, maxS: number): Promise<PhaseResult> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(queueName, { connection, prefix, defaultJobOptions: { attempts: 5, backoff: { type: 'fixed', delay: 1000 } } });
  try {
    for (let i = 0; i < n; i += 1000) {
      await queue.addBulk(Array.from({ length: Math.min(1000, n - i) }, (_, k) => ({ name: 'validate', data: { validationId: `val_bare_${i + k}` }, opts: { jobId: `validation-val_bare_${i + k}` } })));
    }
    const sampler = startSampler(redisUrl, prefix, null, null);
    const spawnedAt = Date.now();
    const env = { REDIS_URL: redisUrl, QUEUE_PREFIX: prefix, QUEUE_NAME: queueName, CONCURRENCY: String(concurrency) };
    const children = await Promise.all(Array.from({ length: workers }, () => startNodeChild('bare-bullmq-worker.ts', env)));
    try {
      const deadline = Date.now() + maxS * 1000;
      for (;;) {
        const c = await queue.getJobCounts('wait', 'active', 'delayed', 'prioritized', 'waiting-children');
        if (Object.values(c).reduce((s, v) => s + v, 0) === 0) break;
        if (Date.now() > deadline) throw new Error(`bare BullMQ not drained after ${maxS} s: ${JSON.stringify(c)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await Promise.all(children.map((c) => c.stop()));
    }
    const results = await Promise.all(children.map((c) => c.result()));
    const completions = results.flatMap((r) => r.completions as number[]);
    const sampled = await sampler.stop();
    if (completions.length < n) throw new Error(`bare workers completed ${completions.length} of ${n} jobs`);
    const cpuS = results.reduce((sum, r) => sum + Number(r.cpu_s), 0);
    return { n, ...rates(completions, spawnedAt), ...sampled, peakRssMb: results.map((r) => Number(r.vm_hwm_mb)), cpuMsPerJob: (cpuS * 1000) / n };
  } finally {
    await queue.close();
    connection.disconnect();
  }
}
