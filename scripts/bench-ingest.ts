// Ingest benchmark (npm run bench:ingest): a realistic N-row CSV uploaded to POST /v1/batches of a real
// payval API process, against the bare multi-row INSERT rate of the same MySQL, while a second client
// keeps reading. Self-cleaning: its databases, its Redis keys, its child processes and its file go away.
//
//   node --import tsx scripts/bench-ingest.ts [--rows N] [--keep-file] [--wait-final] [--report FILE]
//                                             [--worker-during-upload] [--workers N] [--final-timeout-s S] [--seed N]
//                                             [--innodb-buffer-pool-mb N]
//                                             [--env KEY=VALUE]… (a payval setting, e.g. WORKER_CONCURRENCY=1000)
// --workers N: worker processes for --wait-final (default 1); a single batch's rate should grow with them.
// Env: BENCH_ROWS, BENCH_MYSQL_URL (mysql://root@127.0.0.1:3306), BENCH_REDIS_URL (redis://127.0.0.1:6379).
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createDb, dropDatabase, ensureDatabase, migrateLatest } from '../src/platform/db.js';
import { createTenantService } from '../src/tenants/tenant-service.js';
import { benchIfscs, generateCsv } from './bench/csv-generator.js';
import { runBaseline, waitForInnodbQuiet } from './bench/baseline-insert.js';
import { procMemoryMb, sampleRss, startPayval, type PayvalProcess } from './bench/payval-process.js';
import { deleteRedisKeys } from './bench/redis-keys.js';
import { closeClients, createValidation, getBatch, startReadProbe, uploadCsv, type Batch } from './bench/api-client.js';
import { envOverrides } from './bench/bench-run.js';
import { startPartnerSimulator, type PartnerSimulator } from '../src/partners/simulator/sim-server.js';
import { createSandboxSim } from '../src/partners/simulator/providers/sandbox-sim.js';

const TARGETS = { ratio: 0.5, peakRssMb: 256, readP99Ms: 50 };

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string' }, 'keep-file': { type: 'boolean' }, 'wait-final': { type: 'boolean' }, report: { type: 'string' },
    'worker-during-upload': { type: 'boolean' }, 'final-timeout-s': { type: 'string' }, seed: { type: 'string' }, workers: { type: 'string' },
    env: { type: 'string', multiple: true }, 'innodb-buffer-pool-mb': { type: 'string' },
  },
});
// A server setting, not payval's: set for this run and restored after it (InnoDB resizes online).
const BUFFER_POOL_MB = args['innodb-buffer-pool-mb'] === undefined ? null : Number(args['innodb-buffer-pool-mb']);
if (BUFFER_POOL_MB !== null && !(Number.isInteger(BUFFER_POOL_MB) && BUFFER_POOL_MB >= 128)) {
  process.stderr.write('bench-ingest: --innodb-buffer-pool-mb must be an integer ≥ 128\n');
  process.exit(64);
}
const ROWS = Number(args.rows ?? process.env.BENCH_ROWS ?? 1_000_000);
const FINAL_TIMEOUT_S = Number(args['final-timeout-s'] ?? 3600);
const WORKERS = Number(args.workers ?? 1);
if (!Number.isInteger(ROWS) || ROWS < 1 || !(FINAL_TIMEOUT_S > 0) || !Number.isInteger(WORKERS) || WORKERS < 1) {
  process.stderr.write('bench-ingest: --rows and --workers must be positive integers and --final-timeout-s positive\n');
  process.exit(64);
}
const WAIT_FINAL = !!(args['wait-final'] || args['worker-during-upload']);
const MYSQL_BASE = (process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306').replace(/\/+$/, '');
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

const runId = randomBytes(4).toString('hex');
const dbName = `payval_bench_${runId}`;
const payvalUrl = `${MYSQL_BASE}/${dbName}`;
const scratchUrl = `${MYSQL_BASE}/${dbName}_base`;
const queuePrefix = `bench${runId}`;
const csvFile = path.join(os.tmpdir(), `payval-bench-${runId}.csv`);

const figures: Record<string, unknown> = { run_id: runId, rows: ROWS, node: process.version, cpus: os.cpus().length };
const children: PayvalProcess[] = [];
let openDb: ReturnType<typeof createDb> | null = null;
const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a');
const say = (label: string, value: string) => !interrupted && process.stdout.write(`  ${`${label} `.padEnd(34, '.')} ${value}\n`);
const step = (title: string) => !interrupted && process.stdout.write(`\n${title}\n`);

let cleaning: Promise<void> | null = null;
let restoreBufferPool: (() => Promise<void>) | null = null;
let sim: PartnerSimulator | null = null;
let interrupted = false;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    if (interrupted) await closeClients(true).catch(() => undefined);
    await Promise.all(children.map((c) => c.stop(interrupted ? 5000 : 15_000).catch(() => undefined)));
    await sim?.close().catch(() => undefined);
    await openDb?.destroy().catch(() => undefined);
    await closeClients().catch(() => undefined);
    await dropDatabase(scratchUrl).catch(() => undefined);
    await dropDatabase(payvalUrl).catch(() => undefined);
    await deleteRedisKeys(REDIS_URL, queuePrefix).catch((err: unknown) => process.stderr.write(`bench-ingest: Redis cleanup failed: ${String(err)}\n`));
    if (!args['keep-file']) await rm(csvFile, { force: true });
    await restoreBufferPool?.().catch((err: unknown) => process.stderr.write(`bench-ingest: could not restore innodb_buffer_pool_size: ${String(err)}\n`));
  })();
  return cleaning;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    process.stderr.write(`\nbench-ingest: ${signal}, cleaning up…\n`);
    void cleanup().finally(() => process.exit(130));
  });
}

async function main(): Promise<void> {
  process.stdout.write(`payval ingest benchmark: ${fmt(ROWS)} rows, run ${runId}, ${os.cpus().length} CPUs, Node ${process.version}\n`);

  step('a. generate');
  const csv = await generateCsv(csvFile, ROWS, benchIfscs(), Number(args.seed ?? 20261121));
  say('file', `${csvFile}${args['keep-file'] ? ' (kept)' : ''}`);
  say('size', `${fmt(csv.bytes / 1024 / 1024, 1)} MB`);
  say('generation time', `${fmt(csv.ms / 1000, 2)} s`);
  say('mix', `${fmt(csv.mix.bank)} bank, ${fmt(csv.mix.vpa)} VPA, ${fmt(csv.mix.malformed)} malformed, ${fmt(csv.mix.duplicates)} duplicates, ${fmt(csv.mix.quotedNames)} quoted names`);
  figures.generate = { bytes: csv.bytes, seconds: csv.ms / 1000, mix: csv.mix };

  step('b. bare baseline: 1,000-row INSERTs into a copy of `validations`, one connection');
  await ensureDatabase(payvalUrl);
  const db = createDb(payvalUrl, 2);
  openDb = db;
  const poolBytes = async () => Number(((await db.raw('SELECT @@GLOBAL.innodb_buffer_pool_size AS b')) as unknown as [[{ b: number | string }]])[0][0].b);
  if (BUFFER_POOL_MB !== null) {
    const before = await poolBytes();
    // On a connection of its own without a database: the run's databases are dropped before the restore.
    const setPool = async (bytes: number) => {
      const own = createDb(`${MYSQL_BASE}/`, 1);
      try {
        await own.raw('SET GLOBAL innodb_buffer_pool_size = ?', [bytes]);
      } finally {
        await own.destroy();
      }
    };
    await setPool(BUFFER_POOL_MB * 1024 * 1024);
    restoreBufferPool = () => setPool(before);
    // The resize runs in the background; wait until the server reports the new size.
    for (let i = 0; i < 60 && (await poolBytes()) < BUFFER_POOL_MB * 1024 * 1024; i++) await new Promise((r) => setTimeout(r, 500));
  }
  say('InnoDB buffer pool', `${fmt((await poolBytes()) / 1024 / 1024)} MB${BUFFER_POOL_MB === null ? ' (the server\'s own setting)' : ' (set for this run, restored after)'}`);
  figures.innodb_buffer_pool_mb = (await poolBytes()) / 1024 / 1024;
  await migrateLatest(db);
  await ensureDatabase(scratchUrl);
  const baseline = await runBaseline({ scratchUrl, sourceDb: dbName, rows: ROWS });
  await dropDatabase(scratchUrl);
  say('rows inserted', `${fmt(baseline.rows)} in ${fmt(baseline.insertMs / 1000, 2)} s`);
  say('baseline rate', `${fmt(baseline.rowsPerSec)} rows/s`);
  const quiet = await waitForInnodbQuiet(payvalUrl);
  say('InnoDB write-back settled in', `${fmt(quiet.ms / 1000, 1)} s (${fmt(quiet.dirtyPages)} dirty pages left)`);
  figures.baseline = { rows: baseline.rows, seconds: baseline.insertMs / 1000, rows_per_sec: baseline.rowsPerSec, columns: baseline.columns.length };

  step('c. start payval');
  // The sandbox partner as a server of its own (in this process), as a bank is: the simulator a worker
  // embeds when no base URL is set shares the worker's event loop, and a CPU-bound worker then makes
  // its own partner time out.
  sim = await startPartnerSimulator({ providers: [createSandboxSim()] });
  const env = {
    PARTNERS: 'sandbox',
    PARTNER_SANDBOX_BASE_URL: sim.provider('sandbox').baseUrl,
    DATABASE_URL: payvalUrl, REDIS_URL, QUEUE_PREFIX: queuePrefix, LOG_LEVEL: 'warn', NODE_ENV: 'development', RATE_LIMIT_POINTS: '100000',
    // Only raised, never lowered, so --rows above the defaults (1,000,000 rows, 256 MiB) is measured, not refused.
    BATCH_MAX_ROWS: String(Math.max(ROWS, 1_000_000)),
    BATCH_MAX_BYTES: String(Math.min(4 * 1024 ** 3, Math.max(csv.bytes + 1024, 256 * 1024 ** 2))),
    ...envOverrides(args.env),
  };
  const api = await startPayval('api', env);
  children.push(api);
  const rss = sampleRss(api.pid);
  say('API', `${api.url} (pid ${api.pid}, RSS after start ${fmt(procMemoryMb(api.pid, 'VmRSS'), 1)} MB)`);
  const tenants = createTenantService(db, 'bench');
  const uploader = await tenants.createTenant('bench uploader');
  const reader = await tenants.createTenant('bench reader');
  await db.destroy();
  openDb = null;
  let workers: PayvalProcess[] = [];
  let workerStarted = 0;
  const startWorker = async () => {
    workers = await Promise.all(Array.from({ length: WORKERS }, () => startPayval('worker', env)));
    children.push(...workers);
    workerStarted = performance.now();
    say(WORKERS === 1 ? 'worker' : `${WORKERS} workers`, `pid ${workers.map((w) => w.pid).join(', ')}`);
  };
  if (args['worker-during-upload']) await startWorker();

  step('d/e. upload (text/csv, streamed) with a read probe every 20 ms from another tenant');
  const probeId = await createValidation(api.url, reader.apiKey);
  const probe = startReadProbe(api.url, reader.apiKey, probeId);
  const uploadStarted = performance.now();
  let upload;
  try {
    upload = await uploadCsv(api.url, uploader.apiKey, csvFile);
  } finally {
    figures.probe = await probe.stop();
  }
  const { batch } = upload;
  const accepted = batch.counts.total - batch.counts.rejected;
  const seconds = upload.ms / 1000;
  const acceptedPerSec = accepted / seconds;
  const ratio = acceptedPerSec / baseline.rowsPerSec;
  const probeStats = figures.probe as Awaited<ReturnType<typeof probe.stop>>;
  say('batch', `${batch.id} ${batch.status}`);
  say('rows', `${fmt(batch.counts.total)} total, ${fmt(accepted)} accepted, ${fmt(batch.counts.rejected)} rejected${batch.unique_validations === undefined ? '' : `, ${fmt(batch.unique_validations)} unique validations`}`);
  say('upload time (first byte → 202)', `${fmt(seconds, 2)} s (last byte sent at ${fmt(upload.lastByteMs / 1000, 2)} s)`);
  say('accepted rows/s', fmt(acceptedPerSec));
  say('total rows/s', fmt(batch.counts.total / seconds));
  say('upload throughput', `${fmt(upload.bytes / 1024 / 1024 / seconds, 1)} MB/s`);
  say('ratio to baseline', fmt(ratio, 2));
  say('read probes', `${fmt(probeStats.count)} ok, ${fmt(probeStats.errors)} errors`);
  say('read latency p50 / p99 / max', `${fmt(probeStats.p50, 1)} / ${fmt(probeStats.p99, 1)} / ${fmt(probeStats.max, 1)} ms`);
  figures.upload = {
    batch_id: batch.id, status: batch.status, counts: batch.counts, unique_validations: batch.unique_validations ?? null,
    seconds, last_byte_seconds: upload.lastByteMs / 1000, accepted_rows_per_sec: acceptedPerSec, total_rows_per_sec: batch.counts.total / seconds, ratio,
  };

  step('f. API process memory');
  const hwm = procMemoryMb(api.pid, 'VmHWM');
  rss.stop();
  const peakRss = Math.max(hwm || 0, rss.peak());
  say('peak RSS (VmHWM)', `${fmt(hwm, 1)} MB`);
  say('peak RSS (sampled every 200 ms)', `${fmt(rss.peak(), 1)} MB`);
  figures.memory = { vm_hwm_mb: hwm, sampled_peak_rss_mb: rss.peak() };

  let invariantOk: boolean | null = null;
  if (WAIT_FINAL) {
    step('g. validation to the final state');
    if (workers.length === 0) await startWorker();
    const from = args['worker-during-upload'] ? uploadStarted : workerStarted;
    const deadline = Date.now() + FINAL_TIMEOUT_S * 1000;
    let b: Batch = batch;
    let lastPrint = Date.now();
    while (b.status !== 'completed' && b.status !== 'failed') {
      if (Date.now() > deadline) throw new Error(`batch not completed after ${FINAL_TIMEOUT_S} s: ${JSON.stringify(b.counts)}`);
      await new Promise((r) => setTimeout(r, 1000));
      b = await getBatch(api.url, uploader.apiKey, batch.id);
      if (Date.now() - lastPrint >= 10_000) {
        lastPrint = Date.now();
        const done = b.counts.completed + b.counts.failed;
        say('progress', `${fmt(done)} / ${fmt(accepted)} final (${fmt(done / ((performance.now() - from) / 1000))}/s)`);
      }
    }
    const elapsed = (performance.now() - from) / 1000;
    const endToEnd = (performance.now() - uploadStarted) / 1000;
    const c = b.counts;
    invariantOk = c.completed + c.failed + c.rejected === c.total;
    say('status', `${b.status}: ${fmt(c.completed)} completed, ${fmt(c.failed)} failed, ${fmt(c.rejected)} rejected`);
    say('elapsed', `${fmt(elapsed, 1)} s from ${args['worker-during-upload'] ? 'upload start' : 'worker start'}`);
    say('validations/s', `${fmt((c.completed + c.failed) / elapsed)} (${WORKERS} worker process${WORKERS === 1 ? '' : 'es'})`);
    say('upload start → last final', `${fmt(endToEnd, 1)} s`);
    say('validations/s end to end', fmt((c.completed + c.failed) / endToEnd));
    say('completed + failed + rejected', `${fmt(c.completed + c.failed + c.rejected)} ${invariantOk ? '=' : '≠'} total ${fmt(c.total)}`);
    figures.final = {
      status: b.status, counts: c, workers: WORKERS, seconds: elapsed, validations_per_sec: (c.completed + c.failed) / elapsed,
      upload_to_last_final_seconds: endToEnd, end_to_end_validations_per_sec: (c.completed + c.failed) / endToEnd, counts_consistent: invariantOk,
    };
  }

  step('summary');
  const checks = [
    { name: `ingest ratio ≥ ${TARGETS.ratio}`, value: fmt(ratio, 2), ok: ratio >= TARGETS.ratio },
    { name: `peak API RSS ≤ ${TARGETS.peakRssMb} MB`, value: `${fmt(peakRss, 1)} MB`, ok: peakRss <= TARGETS.peakRssMb },
    { name: `read p99 ≤ ${TARGETS.readP99Ms} ms`, value: `${fmt(probeStats.p99, 1)} ms`, ok: probeStats.p99 <= TARGETS.readP99Ms },
    ...(invariantOk === null ? [] : [{ name: 'final counts add up', value: String(invariantOk), ok: invariantOk }]),
  ];
  say('baseline insert rate', `${fmt(baseline.rowsPerSec)} rows/s`);
  say('payval accepted rows/s', `${fmt(acceptedPerSec)} rows/s`);
  for (const c of checks) say(c.name, `${c.value}  ${c.ok ? 'PASS' : 'MISS'}`);
  const missed = checks.filter((c) => !c.ok).map((c) => c.name);
  process.stdout.write(missed.length ? `\nMISSED: ${missed.join('; ')}\n` : '\nall targets met\n');
  figures.targets = { ...TARGETS, results: checks };
  if (args.report) {
    await writeFile(args.report, `${JSON.stringify(figures, null, 2)}\n`);
    process.stdout.write(`report written to ${args.report}\n`);
  }
}

main()
  .then(() => cleanup())
  .catch(async (err: unknown) => {
    if (cleaning) return; // interrupted: the signal handler is cleaning up and will exit
    // knex puts the whole failed statement in the message; a 1,000-row INSERT is not worth printing.
    process.stderr.write(`\nbench-ingest failed: ${(err instanceof Error ? err.message : String(err)).slice(0, 1000)}\n`);
    for (const c of children) if (c.output().trim()) process.stderr.write(`--- payval ${c.role} output (tail) ---\n${c.output().slice(-3000)}\n`);
    await cleanup();
    process.exitCode = 1;
  });
