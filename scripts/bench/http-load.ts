// Load generators for `npm run bench:api`: autocannon (closed loop: N connections, each sends its next
// request when the previous answer arrives) and an open-loop driver (requests leave on a fixed timetable
// whatever the server does, and latency runs from the scheduled send time, so a stalled server cannot
// hide its stall by slowing the client down: no coordinated omission).
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { Pool } from 'undici';
import { quantile } from './bench-run.js';

export interface Target { url: string; path: string | (() => string); method: 'GET' | 'POST'; headers: Record<string, string>; body?: () => string }

const pathOf = (t: Target): string => (typeof t.path === 'string' ? t.path : t.path());

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  max: number;
  total: number;
  ok: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  /** CPU the target process used, in cores (1.0 = one core busy the whole time); NaN when unknown. */
  targetCpu: number;
}

/** Busy and total CPU time of the whole machine so far (/proc/stat, in USER_HZ ticks): busy ÷ total × CPUs = cores busy. */
export function machineTicks(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = f as [number, number, number, number, number, number, number, number];
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/** utime + stime of a process, in seconds (NaN once it is gone). */
export function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return Number.NaN;
  }
}

export async function closedLoop(target: Target, connections: number, durationS: number, pid?: number): Promise<LoadResult> {
  const { body, path } = target;
  const cpu0 = pid ? cpuSeconds(pid) : Number.NaN;
  const t0 = performance.now();
  const r = await autocannon({
    url: target.url,
    connections,
    duration: durationS,
    timeout: 10,
    requests: [
      {
        method: target.method,
        path: pathOf(target),
        headers: { ...target.headers, ...(body ? { 'content-type': 'application/json' } : {}) },
        setupRequest: (req: autocannon.Request) => ({ ...req, ...(typeof path === 'string' ? {} : { path: path() }), ...(body ? { body: body() } : {}) }),
      },
    ],
  });
  const cpu = pid ? (cpuSeconds(pid) - cpu0) / ((performance.now() - t0) / 1000) : Number.NaN;
  return {
    rps: r['2xx'] / r.duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
    max: r.latency.max,
    total: r.requests.total,
    ok: r['2xx'],
    errors: r.errors,
    timeouts: r.timeouts,
    non2xx: r.non2xx,
    targetCpu: cpu,
  };
}

export interface OpenLoopResult {
  rate: number;
  sent: number;
  ok: number;
  non2xx: number;
  errors: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  maxOutstanding: number;
  /** How late this process sent requests (its own event loop busy): part of the latencies above. */
  sendLagP99: number;
  clientLoopDelayP99: number;
}

/**
 * One answer of an open loop: when its request was due (performance.now() ms), how long it took from
 * then, and how late this process sent it (part of `ms`).
 */
export interface OpenLoopSample { at: number; ms: number; lag: number; ok: boolean; error: boolean }

export interface RunningOpenLoop {
  /** Every answer so far, in arrival order. */
  samples: OpenLoopSample[];
  /** How late each request left this process (its own event loop busy): part of the latencies. */
  sendLags: number[];
  maxOutstanding(): number;
  /** Resolves once `total` requests were sent (never, without a total). */
  allSent: Promise<void>;
  /** Stops sending, waits for the answers in flight, closes the connections. */
  stop(): Promise<void>;
}

/**
 * Fires `rate` requests per second from now until `stop()` (or `total` requests); each answer's latency
 * runs from its scheduled send time. With `warm` > 0, that many keep-alive connections are opened (GET
 * /healthz at once) before the clock starts, as a client that has been sending for a while holds them:
 * otherwise every connection the pool adds mid-run also measures how fast the server accepts (Node
 * accepts one connection per event-loop turn).
 */
export async function startOpenLoop(target: Target, rate: number, opts: { connections?: number; warm?: number; total?: number } = {}): Promise<RunningOpenLoop> {
  const connections = opts.connections ?? 1000;
  const pool = new Pool(target.url, { connections, pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: 30_000, bodyTimeout: 30_000 });
  const warm = Math.min(opts.warm ?? 0, connections);
  if (warm > 0) await Promise.all(Array.from({ length: warm }, async () => (await pool.request({ method: 'GET', path: '/healthz' })).body.dump()));
  const headers = { ...target.headers, ...(target.body ? { 'content-type': 'application/json' } : {}) };
  const total = opts.total ?? Number.POSITIVE_INFINITY;
  const gapMs = 1000 / rate;
  const samples: OpenLoopSample[] = [];
  const sendLags: number[] = [];
  let outstanding = 0, maxOutstanding = 0, stopped = false;
  const inFlight = new Set<Promise<void>>();
  const fire = (scheduled: number) => {
    const lag = performance.now() - scheduled;
    sendLags.push(lag);
    outstanding++;
    maxOutstanding = Math.max(maxOutstanding, outstanding);
    const answered = (ok: boolean, error: boolean) => void samples.push({ at: scheduled, ms: performance.now() - scheduled, lag, ok, error });
    const p = pool
      .request({ method: target.method, path: pathOf(target), headers, ...(target.body ? { body: target.body() } : {}) })
      .then(async (res) => {
        await res.body.dump();
        answered(res.statusCode >= 200 && res.statusCode < 300, false);
      })
      .catch(() => answered(false, true))
      .finally(() => {
        outstanding--;
        inFlight.delete(p);
      });
    inFlight.add(p);
  };
  const start = performance.now() + 20;
  let i = 0;
  let timer: NodeJS.Timeout | undefined;
  const allSent = new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (!stopped && i < total && start + i * gapMs <= now) fire(start + i++ * gapMs);
      if (i >= total) return resolve();
      if (!stopped) timer = setTimeout(tick, Math.max(0, start + i * gapMs - performance.now()));
    };
    timer = setTimeout(tick, 20);
  });
  return {
    samples,
    sendLags,
    maxOutstanding: () => maxOutstanding,
    allSent,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await Promise.all([...inFlight]);
      await pool.close();
    },
  };
}

/** `rate` requests per second for `durationS` (see startOpenLoop), summarised. */
export async function openLoop(target: Target, rate: number, durationS: number, connections = 1000, warm = 0): Promise<OpenLoopResult> {
  const run = await startOpenLoop(target, rate, { connections, warm, total: Math.max(1, Math.round(rate * durationS)) });
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  await run.allSent;
  await run.stop();
  loop.disable();
  const latencies = run.samples.filter((s) => !s.error).map((s) => s.ms);
  return {
    rate, sent: run.sendLags.length, ...countAnswers(run.samples),
    p50: quantile(latencies, 0.5), p90: quantile(latencies, 0.9), p99: quantile(latencies, 0.99), max: quantile(latencies, 1),
    maxOutstanding: run.maxOutstanding(), sendLagP99: quantile(run.sendLags, 0.99), clientLoopDelayP99: loop.percentile(99) / 1e6,
  };
}

export const countAnswers = (samples: readonly OpenLoopSample[]): { ok: number; non2xx: number; errors: number } => ({
  ok: samples.filter((s) => s.ok).length,
  non2xx: samples.filter((s) => !s.ok && !s.error).length,
  errors: samples.filter((s) => s.error).length,
});

/** Exactly `n` requests from `concurrency` connections (for counting per request); returns the 2xx count. */
export async function fireN(target: Target, n: number, concurrency: number): Promise<{ ok: number; failed: number; ms: number; firstFailure: string | null }> {
  const pool = new Pool(target.url, { connections: concurrency, pipelining: 1, keepAliveTimeout: 60_000 });
  const headers = { ...target.headers, ...(target.body ? { 'content-type': 'application/json' } : {}) };
  let next = 0;
  let ok = 0;
  let failed = 0;
  let firstFailure: string | null = null;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++;
        try {
          const res = await pool.request({ method: target.method, path: pathOf(target), headers, ...(target.body ? { body: target.body() } : {}) });
          const text = await res.body.text();
          if (res.statusCode >= 200 && res.statusCode < 300) ok++;
          else {
            failed++;
            firstFailure ??= `HTTP ${res.statusCode} ${text.slice(0, 300)}`;
          }
        } catch (err) {
          failed++;
          firstFailure ??= String(err);
        }
      }
    }),
  );
  const ms = performance.now() - t0;
  await pool.close();
  return { ok, failed, ms, firstFailure };
}
