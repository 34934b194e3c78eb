// Upload isolation benchmark (npm run bench:upload-isolation): how another tenant's reads fare while one
// tenant sends hostile or huge CSV uploads to a real payval API process started as `npm start` runs it.
// In one run: the reads alone (the baseline), then during back-to-back 20 MB blank-line uploads, then
// during a 1,000,000-row upload. Self-cleaning: its database, Redis keys, child process and file go away.
//
//   node --import tsx scripts/bench-upload-isolation.ts [--rows N] [--blank-mb N] [--phase-s S] [--seed N]
// Env: BENCH_MYSQL_URL (mysql://root@127.0.0.1:3306), BENCH_REDIS_URL (redis://127.0.0.1:6379).
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { createDb, dropDatabase, ensureDatabase, migrateLatest } from '../src/platform/db.js';
import { createTenantService } from '../src/tenants/tenant-service.js';
import { apiEventLoopLag, closeClients, createValidation, startReadProbe, uploadCsv, type ProbeStats } from './bench/api-client.js';
import { benchIfscs, generateCsv } from './bench/csv-generator.js';
import { procMemoryMb, sampleRss, startPayval, type PayvalProcess } from './bench/payval-process.js';
import { deleteRedisKeys } from './bench/redis-keys.js';

const TARGET_P99_MS = 50;
const { values: args } = parseArgs({ options: { rows: { type: 'string' }, 'blank-mb': { type: 'string' }, 'phase-s': { type: 'string' }, seed: { type: 'string' } } });
const ROWS = Number(args.rows ?? 1_000_000);
const BLANK_BYTES = Math.round(Number(args['blank-mb'] ?? 20) * 1024 * 1024);
const PHASE_MS = Number(args['phase-s'] ?? 20) * 1000;
if (!(ROWS >= 1 && ROWS <= 1_000_000 && BLANK_BYTES > 0 && PHASE_MS > 0)) {
  process.stderr.write('bench-upload-isolation: --rows 1..1000000, --blank-mb and --phase-s positive\n');
  process.exit(64);
}
const MYSQL_BASE = (process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306').replace(/\/+$/, '');
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const runId = randomBytes(4).toString('hex');
const dbUrl = `${MYSQL_BASE}/payval_bench_iso_${runId}`;
const queuePrefix = `benchiso${runId}`;
const csvFile = path.join(os.tmpdir(), `payval-bench-iso-${runId}.csv`);

const fmt = (n: number, d = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : 'n/a');
const say = (label: string, value: string) => process.stdout.write(`  ${`${label} `.padEnd(40, '.')} ${value}\n`);
const reads = (s: ProbeStats) => `p50 ${fmt(s.p50, 1)} / p99 ${fmt(s.p99, 1)} / max ${fmt(s.max, 1)} ms (${fmt(s.count)} reads, ${s.errors} errors)`;

let api: PayvalProcess | null = null;
let cleaning: Promise<void> | null = null;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await closeClients(true).catch(() => undefined);
    await api?.stop(5000).catch(() => undefined);
    await dropDatabase(dbUrl).catch(() => undefined);
    await deleteRedisKeys(REDIS_URL, queuePrefix).catch(() => undefined);
    await rm(csvFile, { force: true });
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void cleanup().finally(() => process.exit(130)));

/** A header, one payee, then `bytes` of line feeds, streamed without holding them. */
function blankLineBody(bytes: number): Readable {
  const block = Buffer.alloc(64 * 1024, '\n');
  let left = bytes;
  return Readable.from(
    (function* () {
      yield Buffer.from('account_number,ifsc\n50100012345671,HDFC0000001\n');
      for (; left > 0; left -= block.length) yield left >= block.length ? block : block.subarray(0, left);
    })(),
  );
}

/** POSTs the body; resolves with the answer even when payval answers early and closes the connection. */
function post(base: string, apiKey: string, body: Readable, length: number): Promise<{ status: number; code: string | null; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/v1/batches`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'text/csv', 'content-length': String(length) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, code: (JSON.parse(text || '{}') as { error?: { code?: string } }).error?.code ?? null, ms: performance.now() - started }));
    });
    req.on('error', (err) => {
      if (!req.writableEnded || !req.headersSent) reject(err);
    });
    body.on('error', reject).pipe(req);
  });
}

/** The API process's own event-loop delay since the last scrape (p99 / max), from its /metrics. */
async function eventLoopLag(base: string): Promise<string> {
  const lag = await apiEventLoopLag(base);
  return `p99 ${fmt(lag.p99, 1)} / max ${fmt(lag.max, 1)} ms`;
}

async function main(): Promise<void> {
  process.stdout.write(`payval upload isolation: ${fmt(ROWS)}-row upload, ${fmt(BLANK_BYTES / 1024 / 1024, 0)} MB blank-line uploads, ${PHASE_MS / 1000} s phases, run ${runId}, ${os.cpus().length} CPUs\n`);
  const csv = await generateCsv(csvFile, ROWS, benchIfscs(), Number(args.seed ?? 20261121));
  await ensureDatabase(dbUrl);
  const db = createDb(dbUrl, 2);
  await migrateLatest(db);
  const tenants = createTenantService(db, 'bench');
  const uploader = await tenants.createTenant('bench uploader');
  const reader = await tenants.createTenant('bench reader');
  await db.destroy();
  api = await startPayval('api', { DATABASE_URL: dbUrl, REDIS_URL, QUEUE_PREFIX: queuePrefix, LOG_LEVEL: 'warn', NODE_ENV: 'development', RATE_LIMIT_POINTS: '100000' });
  const rss = sampleRss(api.pid);
  const probeId = await createValidation(api.url, reader.apiKey);
  const probeDuring = async <T>(work: () => Promise<T>): Promise<{ result: T; stats: ProbeStats; lag: string }> => {
    await eventLoopLag(api!.url); // prom-client resets its event-loop histogram on every scrape
    const probe = startReadProbe(api!.url, reader.apiKey, probeId);
    try {
      const result = await work();
      return { result, stats: await probe.stop(), lag: await eventLoopLag(api!.url) };
    } catch (err) {
      await probe.stop();
      throw err;
    }
  };

  process.stdout.write('\na. another tenant reads GET /v1/validations/{id} every 20 ms, nothing else running\n');
  const base = await probeDuring(() => new Promise((r) => setTimeout(r, PHASE_MS)));
  say('reads', reads(base.stats));
  say('API event-loop delay (10 ms sampling)', base.lag);

  process.stdout.write(`\nb. the same reads during back-to-back ${fmt(BLANK_BYTES / 1024 / 1024)} MB blank-line uploads, for ${PHASE_MS / 1000} s\n`);
  const blank = await probeDuring(async () => {
    const answers: Array<{ status: number; code: string | null; ms: number }> = [];
    const until = performance.now() + PHASE_MS;
    const length = 48 + BLANK_BYTES;
    do answers.push(await post(api!.url, uploader.apiKey, blankLineBody(BLANK_BYTES), length));
    while (performance.now() < until);
    return answers;
  });
  const kinds = [...new Set(blank.result.map((a) => `${a.status} ${a.code ?? ''}`.trim()))].join(', ');
  say('uploads', `${blank.result.length}, answered ${kinds} in ${fmt(Math.max(...blank.result.map((a) => a.ms)) / 1000, 2)} s at most`);
  say('reads', reads(blank.stats));
  say('API event-loop delay (10 ms sampling)', blank.lag);

  process.stdout.write(`\nc. the same reads during one ${fmt(ROWS)}-row upload (${fmt(csv.bytes / 1024 / 1024, 1)} MB)\n`);
  const big = await probeDuring(() => uploadCsv(api!.url, uploader.apiKey, csvFile));
  const b = big.result.batch;
  say('upload', `${b.status}: ${fmt(b.counts.total)} rows (${fmt(b.counts.rejected)} rejected) in ${fmt(big.result.ms / 1000, 1)} s`);
  say('reads', reads(big.stats));
  say('API event-loop delay (10 ms sampling)', big.lag);
  rss.stop();
  say('API peak RSS (VmHWM)', `${fmt(Math.max(procMemoryMb(api.pid, 'VmHWM') || 0, rss.peak()), 1)} MB`);

  process.stdout.write('\nsummary (reads of another tenant)\n');
  const checks = [['blank-line uploads', blank.stats], [`${fmt(ROWS)}-row upload`, big.stats]] as const;
  say('baseline p99', `${fmt(base.stats.p99, 1)} ms`);
  let missed = 0;
  for (const [what, s] of checks) {
    const ok = s.p99 <= TARGET_P99_MS && s.errors === 0;
    if (!ok) missed++;
    say(`p99 during ${what}`, `${fmt(s.p99, 1)} ms = ${fmt(s.p99 / base.stats.p99, 2)} × baseline  ${ok ? 'PASS' : 'MISS'} (≤ ${TARGET_P99_MS} ms, no errors)`);
  }
  process.stdout.write(missed ? `\nMISSED ${missed} target(s)\n` : '\nall targets met\n');
}

main()
  .then(() => cleanup())
  .catch(async (err: unknown) => {
    if (cleaning) return;
    process.stderr.write(`\nbench-upload-isolation failed: ${(err instanceof Error ? err.message : String(err)).slice(0, 1000)}\n`);
    if (api?.output().trim()) process.stderr.write(`--- payval api output (tail) ---\n${api.output().slice(-3000)}\n`);
    await cleanup();
    process.exitCode = 1;
  });
