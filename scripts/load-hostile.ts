// Hostile-load check (npm run load:hostile): 50 concurrent 8 MB JSON bodies and 50 concurrent gzip bombs,
// anonymous and then with a valid key, against one real `payval serve` (ROLE=all, the heap flags of
// `npm start`), while a separate thread polls GET /healthz. Passes when the process stays up, its peak RSS
// stays ≤ 256 MB and every /healthz answers within 100 ms; prints the figures next to a no-load baseline.
// Bounded (well under a minute) and self-cleaning: its database, Redis keys and child process go away.
//
//   node --import tsx scripts/load-hostile.ts [--concurrency 50] [--bomb-mb 256] [--rounds 3]
// Env: BENCH_MYSQL_URL (mysql://root@127.0.0.1:3306), BENCH_REDIS_URL (redis://127.0.0.1:6379).
import { randomBytes } from 'node:crypto';
import { request, type IncomingMessage } from 'node:http';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { createGzip } from 'node:zlib';
import { createDb, dropDatabase, ensureDatabase, migrateLatest } from '../src/platform/db.js';
import { createTenantService } from '../src/tenants/tenant-service.js';
import { procMemoryMb, sampleRss, startPayval, type PayvalProcess } from './bench/payval-process.js';
import { POLLER_SOURCE, type PollerReport } from './bench/healthz-poller.js';
import { deleteRedisKeys } from './bench/redis-keys.js';

const TARGETS = { peakRssMb: 256, healthzMaxMs: 100 };
const { values: args } = parseArgs({ options: { concurrency: { type: 'string' }, 'bomb-mb': { type: 'string' }, rounds: { type: 'string' } } });
const CONCURRENCY = Number(args.concurrency ?? 50);
const ROUNDS = Number(args.rounds ?? 3);
const BOMB_MB = Number(args['bomb-mb'] ?? 256);
const MYSQL_BASE = (process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306').replace(/\/+$/, '');
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const runId = randomBytes(4).toString('hex');
const dbUrl = `${MYSQL_BASE}/payval_load_${runId}`;
const queuePrefix = `load${runId}`;

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a');
const say = (label: string, value: string) => process.stdout.write(`  ${`${label} `.padEnd(40, '.')} ${value}\n`);

/** The body of issue 11: `{"items":[{"type":"vpa","vpa":"a.b@okaxis"}, …]}`, `bytes` long. */
function hostileBatch(bytes: number): Buffer {
  const item = '{"type":"vpa","vpa":"a.b@okaxis"}';
  const n = Math.floor((bytes - 12) / (item.length + 1));
  return Buffer.from(`{"items":[${`${item},`.repeat(n - 1)}${item}]}`);
}

/** A gzip stream of `mb` MB of JSON whitespace, built without ever holding the inflated bytes. */
async function gzipBomb(mb: number): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gzip.on('data', (c: Buffer) => out.push(c));
  const done = new Promise((resolve) => gzip.once('end', resolve));
  const block = Buffer.alloc(1024 * 1024, 0x20);
  gzip.write('{"items":');
  for (let i = 0; i < mb; i++) if (!gzip.write(block)) await new Promise((r) => gzip.once('drain', r));
  gzip.end('[]}');
  await done;
  return Buffer.concat(out);
}

interface Outcome { status: number | string }

/** One request on its own connection; an answer counts even if the server then closes while we still send. */
function send(base: string, body: Buffer, headers: Record<string, string>): Promise<Outcome> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (o: Outcome) => {
      if (!settled) {
        settled = true;
        resolve(o);
      }
    };
    const req = request(`${base}/v1/batches`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': String(body.length), ...headers } });
    req.on('response', (res: IncomingMessage) => {
      res.resume();
      done({ status: res.statusCode ?? 0 });
    });
    // An error with no answer at all (the connection reset before an answer arrived) counts by its code.
    req.on('error', (err: NodeJS.ErrnoException) => done({ status: err.code ?? 'error' }));
    req.setTimeout(60_000, () => req.destroy());
    req.end(body);
  });
}

let worstLoopDelayMs = 0;
const answers: Record<string, number> = {};

/** One phase: CONCURRENCY requests at once; prints the answers and the server's worst event-loop delay. */
async function phase(name: string, base: string, body: Buffer, headers: Record<string, string>, proc: PayvalProcess, lag = true): Promise<void> {
  if (lag) await eventLoopLagMs(base);
  const started = performance.now();
  const outcomes = await Promise.all(Array.from({ length: CONCURRENCY }, () => send(base, body, headers)));
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[String(o.status)] = (counts[String(o.status)] ?? 0) + 1;
  for (const [status, n] of Object.entries(counts)) answers[status] = (answers[status] ?? 0) + n;
  const max = lag ? (await eventLoopLagMs(base)).max : Number.NaN;
  if (max > worstLoopDelayMs) worstLoopDelayMs = max;
  const delay = lag ? `; loop delay max ${fmt(max)} ms` : '';
  say(name, `${fmt(performance.now() - started)} ms; ${Object.entries(counts).map(([s, n]) => `${n}×${s}`).join(', ')}${delay}; alive ${proc.alive()}`);
}

/** payval's own event-loop delay (prom-client resets it on every scrape): the server's view, free of client scheduling. */
async function eventLoopLagMs(base: string): Promise<{ p99: number; max: number }> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const read = (name: string) => Number(new RegExp(`^payval_nodejs_eventloop_lag_${name}_seconds(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1]) * 1000;
  return { p99: read('p99'), max: read('max') };
}

function startPoller(url: string, everyMs: number): { stop(): Promise<PollerReport> } {
  // Its own thread, so the latency measured is the server's, not this busy sender's event loop.
  const worker = new Worker(POLLER_SOURCE, { eval: true, workerData: { url, everyMs } });
  return {
    stop: () =>
      new Promise((resolve, reject) => {
        worker.once('message', (r: PollerReport) => void worker.terminate().then(() => resolve(r)));
        worker.once('error', reject);
        worker.postMessage('stop');
      }),
  };
}

async function main(): Promise<boolean> {
  process.stdout.write(`payval hostile-load check: ${CONCURRENCY} concurrent bodies per phase, run ${runId}, ${os.cpus().length} CPUs, Node ${process.version}\n\n`);
  const big = hostileBatch(8_000_000);
  const bomb = await gzipBomb(BOMB_MB);
  say('8 MB body', `${fmt(big.length)} bytes, ${fmt((big.length - 12) / 34)} items`);
  say('gzip bomb', `${fmt(bomb.length)} bytes inflating to ${fmt(BOMB_MB)} MB (×${fmt((BOMB_MB * 1024 * 1024) / bomb.length)})`);

  await ensureDatabase(dbUrl);
  const db = createDb(dbUrl, 2);
  await migrateLatest(db);
  const { apiKey } = await createTenantService(db, 'load').createTenant('load tester');
  await db.destroy();
  // The tenant limit and the failed-auth throttle are raised so every body reaches the code under test
  // (they have their own tests); everything else is the default configuration.
  const proc = await startPayval('all', { DATABASE_URL: dbUrl, REDIS_URL, QUEUE_PREFIX: queuePrefix, LOG_LEVEL: 'warn', RATE_LIMIT_POINTS: '1000000', AUTH_FAILURE_LIMIT: '1000000' });
  try {
    say('payval', `pid ${proc.pid}, RSS after start ${fmt(procMemoryMb(proc.pid, 'VmRSS'), 1)} MB`);
    say('machine load average (1 min)', `${fmt(os.loadavg()[0]!, 2)} on ${os.cpus().length} CPUs`);
    const baselinePoller = startPoller(`${proc.url}/healthz`, 20);
    await new Promise((r) => setTimeout(r, 3000));
    const baseline = await baselinePoller.stop();
    say('baseline /healthz (no load)', `${baseline.count} polls, p50 ${fmt(baseline.p50, 1)} / p99 ${fmt(baseline.p99, 1)} / max ${fmt(baseline.max, 1)} ms`);

    const rss = sampleRss(proc.pid, 50);
    const poller = startPoller(`${proc.url}/healthz`, 20);
    const auth = { authorization: `Bearer ${apiKey}` };
    for (let round = 1; round <= ROUNDS; round++) {
      process.stdout.write(`\nround ${round} of ${ROUNDS}\n`);
      await phase('anonymous 8 MB bodies', proc.url, big, {}, proc);
      await phase('anonymous gzip bombs', proc.url, bomb, { 'content-encoding': 'gzip' }, proc);
      await phase('authenticated 8 MB bodies', proc.url, big, auth, proc);
      await phase('authenticated gzip bombs', proc.url, bomb, { ...auth, 'content-encoding': 'gzip' }, proc);
      await eventLoopLagMs(proc.url);
      await Promise.all([
        phase('all four at once: anonymous 8 MB', proc.url, big, {}, proc, false),
        phase('all four at once: anonymous bombs', proc.url, bomb, { 'content-encoding': 'gzip' }, proc, false),
        phase('all four at once: authenticated 8 MB', proc.url, big, auth, proc, false),
        phase('all four at once: authenticated bombs', proc.url, bomb, { ...auth, 'content-encoding': 'gzip' }, proc, false),
      ]);
      const together = (await eventLoopLagMs(proc.url)).max;
      if (together > worstLoopDelayMs) worstLoopDelayMs = together;
      say('all four at once: loop delay max', `${fmt(together)} ms`);
    }
    const loaded = await poller.stop();
    rss.stop();
    const alive = proc.alive();
    const peak = Math.max(procMemoryMb(proc.pid, 'VmHWM') || 0, rss.peak());
    process.stdout.write('\nsummary\n');
    say('/healthz under load', `${loaded.count} polls, ${loaded.failures} failed, p50 ${fmt(loaded.p50, 1)} / p99 ${fmt(loaded.p99, 1)} / max ${fmt(loaded.max, 1)} ms`);
    say('/healthz p99 vs baseline', `×${fmt(loaded.p99 / baseline.p99, 1)}`);
    say('payval event-loop delay, worst phase', `${fmt(worstLoopDelayMs)} ms`);
    say('answers', Object.entries(answers).map(([status, n]) => `${fmt(n)}×${status}`).join(', '));
    say('machine load average (1 min)', `${fmt(os.loadavg()[0]!, 2)} on ${os.cpus().length} CPUs`);
    say('peak RSS (VmHWM, sampled every 50 ms)', `${fmt(peak, 1)} MB`);
    const checks = [
      { name: 'process still up', ok: alive, value: String(alive) },
      { name: `peak RSS ≤ ${TARGETS.peakRssMb} MB`, ok: peak <= TARGETS.peakRssMb, value: `${fmt(peak, 1)} MB` },
      { name: `every /healthz ≤ ${TARGETS.healthzMaxMs} ms`, ok: loaded.failures === 0 && loaded.max <= TARGETS.healthzMaxMs, value: `max ${fmt(loaded.max, 1)} ms, ${loaded.failures} failed` },
    ];
    for (const c of checks) say(c.name, `${c.value}  ${c.ok ? 'PASS' : 'MISS'}`);
    if (!alive) process.stderr.write(`--- payval output (tail) ---\n${proc.output().slice(-3000)}\n`);
    return checks.every((c) => c.ok);
  } finally {
    await proc.stop(10_000);
    await dropDatabase(dbUrl).catch(() => undefined);
    await deleteRedisKeys(REDIS_URL, queuePrefix).catch(() => undefined);
  }
}

main().then(
  (ok) => {
    process.stdout.write(ok ? '\nall targets met\n' : '\nMISSED a target\n');
    process.exitCode = ok ? 0 : 1;
  },
  async (err: unknown) => {
    process.stderr.write(`load-hostile failed: ${err instanceof Error ? err.message : String(err)}\n`);
    await dropDatabase(dbUrl).catch(() => undefined);
    await deleteRedisKeys(REDIS_URL, queuePrefix).catch(() => undefined);
    process.exitCode = 1;
  },
);
