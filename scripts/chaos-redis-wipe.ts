// npm run chaos:redis-wipe [-- --rows N --wipe-at F --workers W --max-waiting N --max-seconds S --report f.json]
//
// A 200,000-row CSV uploaded to a real payval (one API process and two worker processes, started as
// `npm start` starts them) with the sandbox partner answering at once. When half the batch is final,
// every Redis key under this run's QUEUE_PREFIX is deleted at once (never FLUSHALL: the server is
// shared). Prints the normal drain rate measured before the wipe, the time the rest took after it,
// and their ratio, then checks every accepted row is final exactly once and no payee was charged
// twice. Exits non-zero unless all of that holds and the drain after the wipe is within 3× of the
// normal rate. Bounded by --max-seconds (default 1500). Self-cleaning: database, Redis keys, file.
//
// Env: CHAOS_MYSQL_URL (mysql://root@127.0.0.1:3306), CHAOS_REDIS_URL (redis://127.0.0.1:6379).

import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { lookupIfsc } from '../src/bank-data/ifsc-directory.js';
import { createDb, dropDatabase, ensureDatabase, migrateLatest } from '../src/platform/db.js';
import { createTenantService } from '../src/tenants/tenant-service.js';
import { startPartnerSimulator, type PartnerSimulator } from '../src/partners/simulator/sim-server.js';
import { createSandboxSim } from '../src/partners/simulator/providers/sandbox-sim.js';
import { startPayval, type PayvalProcess } from './bench/payval-process.js';
import { generateCsv } from './bench/csv-generator.js';
import { closeClients, getBatch, uploadCsv } from './bench/api-client.js';
import { wipeRedisPrefix } from '../test/helpers/redis-wipe.js';
import { drainFigures, type DrainSample } from './chaos/drain-meter.js';
import { checkBatchIntegrity, recoveryLogFigures } from './chaos/wipe-checks.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string' },
    'wipe-at': { type: 'string' },
    workers: { type: 'string' },
    'max-waiting': { type: 'string' },
    'max-seconds': { type: 'string' },
    report: { type: 'string' },
  },
});
const ROWS = Number(args.rows ?? 200_000);
const WIPE_AT = Number(args['wipe-at'] ?? 0.5);
const WORKERS = Number(args.workers ?? 2);
const MAX_WAITING = Number(args['max-waiting'] ?? 50_000);
const MAX_S = Number(args['max-seconds'] ?? 1500);
const TARGET_SLOWDOWN = 3;
if (!(Number.isInteger(ROWS) && ROWS >= 1000 && WIPE_AT > 0.1 && WIPE_AT < 0.9 && WORKERS >= 1 && MAX_WAITING >= 1000 && MAX_S > 0)) {
  process.stderr.write('chaos:redis-wipe: --rows ≥ 1000, 0.1 < --wipe-at < 0.9, --workers ≥ 1, --max-waiting ≥ 1000\n');
  process.exit(64);
}

const MYSQL = process.env.CHAOS_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
const REDIS_URL = process.env.CHAOS_REDIS_URL ?? 'redis://127.0.0.1:6379';
const runId = randomBytes(4).toString('hex');
const dbUrl = `${MYSQL}/payval_chaos_${runId}`;
const queuePrefix = `chaos${runId}`;
const csvFile = path.join(os.tmpdir(), `payval-chaos-wipe-${runId}.csv`);

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a');
const say = (label: string, value: string) => process.stdout.write(`  ${`${label} `.padEnd(44, '.')} ${value}\n`);
const t0 = Date.now();
const log = (msg: string) => process.stdout.write(`  [t+${fmt((Date.now() - t0) / 1000, 1)} s] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const deadline = () => {
  if ((Date.now() - t0) / 1000 > MAX_S) throw new Error(`gave up after --max-seconds ${MAX_S}`);
};

const children: PayvalProcess[] = [];
let sim: PartnerSimulator | null = null;
let cleaning: Promise<void> | null = null;

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await Promise.all(children.map((c) => c.stop(10_000).catch(() => undefined)));
    await closeClients(true).catch(() => undefined);
    await sim?.close().catch(() => undefined);
    await dropDatabase(dbUrl).catch(() => undefined);
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
    await wipeRedisPrefix(redis, queuePrefix).catch(() => undefined);
    redis.disconnect();
    await rm(csvFile, { force: true });
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\nchaos:redis-wipe: ${signal}, cleaning up…\n`);
    void cleanup().finally(() => process.exit(130));
  });
}

async function main(): Promise<void> {
  process.stdout.write(`payval chaos:redis-wipe — ${fmt(ROWS)}-row CSV, ${WORKERS} worker processes, sandbox at 0 ms, Redis emptied at ${fmt(WIPE_AT * 100)} % final; ${os.cpus().length} CPUs, Node ${process.version}\n\n`);
  sim = await startPartnerSimulator({ providers: [createSandboxSim({ apiKey: `sbx-${runId}` })] });
  await ensureDatabase(dbUrl);
  const db = createDb(dbUrl, 4);
  await migrateLatest(db);
  const tenant = await createTenantService(db, 'chaos').createTenant('chaos-redis-wipe');

  const env: Record<string, string> = {
    DATABASE_URL: dbUrl,
    REDIS_URL,
    QUEUE_PREFIX: queuePrefix,
    LOG_LEVEL: 'warn',
    NODE_ENV: 'development',
    RATE_LIMIT_POINTS: '100000',
    PARTNERS: 'sandbox',
    PARTNER_SANDBOX_BASE_URL: sim.provider('sandbox').baseUrl,
    PARTNER_SANDBOX_API_KEY: `sbx-${runId}`,
    BATCH_FEED_MAX_WAITING: String(MAX_WAITING),
  };
  const api = await startPayval('api', env);
  children.push(api);
  const workers: PayvalProcess[] = [];
  for (let i = 0; i < WORKERS; i++) workers.push(await startPayval('worker', env));
  children.push(...workers);
  say('API / workers', `${api.url} / ${workers.map((w) => `pid ${w.pid}`).join(', ')}`);

  const ifscs = ['HDFC0000001', 'SBIN0000001', 'ICIC0000001', 'UTIB0000001', 'PUNB0000100', 'KKBK0000958'].filter((c) => lookupIfsc(c));
  const csv = await generateCsv(csvFile, ROWS, ifscs);
  say('CSV', `${fmt(csv.rows)} rows, ${fmt(csv.bytes / 1e6, 1)} MB (${fmt(csv.mix.malformed)} malformed, ${fmt(csv.mix.duplicates)} duplicates)`);
  const upload = await uploadCsv(api.url, tenant.apiKey, csvFile);
  const batchId = upload.batch.id;
  const accepted = upload.batch.counts.total - upload.batch.counts.rejected;
  log(`batch ${batchId} accepted: ${fmt(accepted)} rows to validate (upload ${fmt(upload.ms / 1000, 1)} s)`);

  const samples: DrainSample[] = [];
  let wipe: DrainSample | null = null;
  let wipedKeys = 0;
  let lastLog = 0;
  let batch = upload.batch;
  for (;;) {
    deadline();
    batch = await getBatch(api.url, tenant.apiKey, batchId);
    const sample = { at: Date.now(), final: batch.counts.completed + batch.counts.failed };
    if (batch.status === 'completed') break;
    if (!wipe) samples.push(sample);
    if (!wipe && sample.final >= WIPE_AT * accepted) {
      const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
      wipe = { at: Date.now(), final: sample.final };
      wipedKeys = await wipeRedisPrefix(redis, queuePrefix);
      redis.disconnect();
      log(`Redis EMPTIED: ${fmt(wipedKeys)} keys under ${queuePrefix}:* deleted with ${fmt(sample.final)} of ${fmt(accepted)} rows final`);
    }
    if (sample.at - lastLog > 10_000) {
      lastLog = sample.at;
      const c = batch.counts;
      log(`final ${fmt(sample.final)} / ${fmt(accepted)} (queued ${fmt(c.queued)}, processing ${fmt(c.processing)})`);
    }
    await sleep(250);
  }
  if (!wipe) throw new Error('the batch finished before the wipe; use more --rows or a lower --wipe-at');
  const completedAt = Date.parse(String((batch as { completed_at?: string }).completed_at ?? ''));
  const figures = drainFigures(samples, accepted, wipe, Number.isFinite(completedAt) ? completedAt : Date.now());
  log('batch completed');

  const integrity = await checkBatchIntegrity(db, sim, batchId, accepted);
  await db.destroy();
  const recovery = recoveryLogFigures(workers.map((w) => w.output()), wipe.at);

  process.stdout.write('\nresults\n');
  say('normal drain rate (before the wipe)', `${fmt(figures.normalRowsPerSecond)} rows/s`);
  say('rows left at the wipe', fmt(figures.remainingAtWipe));
  say('time to drain after the wipe', `${fmt(figures.drainAfterWipeSeconds, 1)} s (${fmt(figures.afterWipeRowsPerSecond)} rows/s)`);
  say('same rows at the normal rate', `${fmt(figures.expectedSeconds, 1)} s`);
  say('drain after the wipe ÷ normal', `${fmt(figures.slowdown, 2)}× (target ≤ ${TARGET_SLOWDOWN}×)`);
  say('loss noticed after', recovery.noticedAfterMs === null ? 'n/a (no warning in the log tail)' : `${fmt(recovery.noticedAfterMs)} ms`);
  say('rows requeued by recovery', recovery.requeued === null ? 'n/a' : `${fmt(recovery.requeued)} (${fmt(recovery.pages ?? 0)} pages, ${fmt(recovery.seconds ?? 0, 1)} s)`);
  say('batch feeds restarted', fmt(recovery.feedsRestarted));
  say('rows final (completed / failed)', `${fmt(integrity.completed)} / ${fmt(integrity.failed)} of ${fmt(accepted)}`);
  say('validations charged once / reused', `${fmt(integrity.chargedOnce)} / ${fmt(integrity.notCharged)}`);
  say('validations charged more than once', fmt(integrity.chargedTwice));

  const ok = integrity.ok && figures.slowdown <= TARGET_SLOWDOWN;
  if (args.report) await writeFile(args.report, JSON.stringify({ rows: ROWS, accepted, wiped_keys: wipedKeys, ...figures, recovery, integrity, ok }, null, 2));
  process.stdout.write(`\n${ok ? 'PASS' : 'FAIL'}: ${integrity.ok ? 'every row final once, none charged twice' : integrity.problems.join('; ')}; drain after the wipe ${fmt(figures.slowdown, 2)}× the normal time\n`);
  process.exitCode = ok ? 0 : 1;
}

main()
  .catch((err: unknown) => {
    process.stderr.write(`chaos:redis-wipe failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    for (const c of children) process.stderr.write(`--- ${c.role} ${c.pid} output tail ---\n${c.output().slice(-3000)}\n`);
    process.exitCode = 1;
  })
  .finally(() => cleanup());
