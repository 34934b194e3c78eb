// npm run chaos:partners [-- --validations N --down-seconds S --down-mode reset|503|hang --workers W --report f.json]
//
// 10,000 validations (one JSON batch) through a real payval — one API process and two worker
// processes started as `npm start` starts them — against the partner simulator running here. A few
// seconds in, the primary partner (Cashfree contract) goes down for 60 s and the secondary (Razorpay
// contract) slows down. Prints completed / failed, the most partner calls and charges any one
// validation received, failovers, and the time to drain. Exits non-zero unless every validation is
// final and none was charged twice. Bounded: gives up after --max-seconds (default 300).
//
// Env: CHAOS_MYSQL_URL (mysql://root@127.0.0.1:3306), CHAOS_REDIS_URL (redis://127.0.0.1:6379).

import os from 'node:os';
import { parseArgs } from 'node:util';
import { randomBytes, randomInt } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { request } from 'undici';
import { createDb, dropDatabase, ensureDatabase, migrateLatest } from '../src/platform/db.js';
import { createTenantService } from '../src/tenants/tenant-service.js';
import { startPartnerSimulator, type PartnerSimulator } from '../src/partners/simulator/sim-server.js';
import { createSandboxSim } from '../src/partners/simulator/providers/sandbox-sim.js';
import { createCashfreeSim } from '../src/partners/simulator/providers/cashfree-sim.js';
import { createRazorpaySim } from '../src/partners/simulator/providers/razorpay-sim.js';
import { startPayval, type PayvalProcess } from './bench/payval-process.js';

const { values: args } = parseArgs({
  options: {
    validations: { type: 'string' },
    'down-seconds': { type: 'string' },
    'down-after-seconds': { type: 'string' },
    'down-mode': { type: 'string' },
    workers: { type: 'string' },
    concurrency: { type: 'string' },
    'max-seconds': { type: 'string' },
    report: { type: 'string' },
  },
});
const N = Number(args.validations ?? 10_000);
const DOWN_S = Number(args['down-seconds'] ?? 60);
const DOWN_AFTER_S = Number(args['down-after-seconds'] ?? 3);
const DOWN_MODE = (args['down-mode'] ?? 'reset') as 'reset' | '503' | 'hang';
const WORKERS = Number(args.workers ?? 2);
const CONCURRENCY = Number(args.concurrency ?? 32);
const MAX_S = Number(args['max-seconds'] ?? 300);
if (!(N >= 1 && N <= 10_000)) throw new Error('--validations must be 1–10,000 (one JSON batch)');
if (!['reset', '503', 'hang'].includes(DOWN_MODE)) throw new Error('--down-mode must be reset, 503 or hang');

const MYSQL = process.env.CHAOS_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
const REDIS_URL = process.env.CHAOS_REDIS_URL ?? 'redis://127.0.0.1:6379';
const runId = randomBytes(4).toString('hex');
const dbUrl = `${MYSQL}/payval_chaos_${runId}`;
const queuePrefix = `chaos${runId}`;
const NORMAL_LATENCY = 'lognormal:15:80';
const SLOW_LATENCY = 'lognormal:250:1200';

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a');
const say = (label: string, value: string) => process.stdout.write(`  ${`${label} `.padEnd(40, '.')} ${value}\n`);
const t0 = performance.now();
const at = () => `t+${fmt((performance.now() - t0) / 1000, 1)} s`;
const log = (msg: string) => process.stdout.write(`  [${at()}] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const children: PayvalProcess[] = [];
let sim: PartnerSimulator | null = null;

async function cleanup(): Promise<void> {
  await Promise.all(children.map((c) => c.stop(10_000).catch(() => undefined)));
  await sim?.close().catch(() => undefined);
  await dropDatabase(dbUrl).catch(() => undefined);
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${queuePrefix}:*`, 'COUNT', '2000');
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\nchaos:partners: ${signal}, cleaning up…\n`);
    void cleanup().finally(() => process.exit(130));
  });
}

async function api<T>(base: string, key: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: T }> {
  const res = await request(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.body.text();
  return { status: res.statusCode, json: (text ? JSON.parse(text) : null) as T };
}

/** Sum of one counter over every worker's /metrics, optionally filtered by a label. */
async function sumMetric(workers: PayvalProcess[], name: string, label?: string): Promise<number> {
  let total = 0;
  for (const w of workers) {
    const text = await fetch(`${w.url}/metrics`).then((r) => r.text(), () => '');
    for (const line of text.split('\n')) {
      if (!line.startsWith(`${name}{`) || (label && !line.includes(label))) continue;
      total += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
    }
  }
  return total;
}

async function main(): Promise<void> {
  process.stdout.write(`payval chaos:partners — ${fmt(N)} validations, ${WORKERS} worker processes × concurrency ${CONCURRENCY}, ${os.cpus().length} CPUs, Node ${process.version}\n`);
  process.stdout.write(`primary cashfree goes down (${DOWN_MODE}) for ${DOWN_S} s from t+${DOWN_AFTER_S} s after submit; secondary razorpay slows from ${NORMAL_LATENCY} to ${SLOW_LATENCY} ms meanwhile\n\n`);

  const creds = {
    cashfree: { clientId: `CF_CHAOS_${runId}`, clientSecret: randomBytes(12).toString('hex') },
    razorpay: { keyId: `rzp_test_${runId}`, keySecret: randomBytes(12).toString('hex') },
  };
  sim = await startPartnerSimulator({
    providers: [createSandboxSim(), createCashfreeSim(creds.cashfree), createRazorpaySim(creds.razorpay)],
    faults: { '*': { latency: NORMAL_LATENCY } },
  });

  await ensureDatabase(dbUrl);
  const db = createDb(dbUrl, 2);
  await migrateLatest(db);
  // A live key: the run measures the live partners (a test key would only ever reach the sandbox).
  const tenant = await createTenantService(db, 'chaos').createTenant('chaos', 'live');
  await db.destroy();

  const env: Record<string, string> = {
    DATABASE_URL: dbUrl,
    REDIS_URL,
    QUEUE_PREFIX: queuePrefix,
    LOG_LEVEL: 'warn',
    NODE_ENV: 'development',
    RATE_LIMIT_POINTS: '100000',
    PARTNERS: 'cashfree,razorpay',
    PARTNER_CASHFREE_BASE_URL: sim.provider('cashfree').baseUrl,
    PARTNER_CASHFREE_CLIENT_ID: creds.cashfree.clientId,
    PARTNER_CASHFREE_CLIENT_SECRET: creds.cashfree.clientSecret,
    PARTNER_RAZORPAY_BASE_URL: sim.provider('razorpay').baseUrl,
    PARTNER_RAZORPAY_KEY_ID: creds.razorpay.keyId,
    PARTNER_RAZORPAY_KEY_SECRET: creds.razorpay.keySecret,
    PARTNER_RAZORPAY_ACCOUNT_NUMBER: '7878780080316316',
    PARTNER_CALL_TIMEOUT_MS: '3000',
    BREAKER_RESET_TIMEOUT_MS: '10000',
    WORKER_CONCURRENCY: String(CONCURRENCY),
    SWEEPER_STUCK_AFTER_MS: '30000',
  };
  const apiProc = await startPayval('api', env);
  children.push(apiProc);
  const workers: PayvalProcess[] = [];
  for (let i = 0; i < WORKERS; i++) workers.push(await startPayval('worker', env));
  children.push(...workers);
  say('API', apiProc.url);
  say('workers', workers.map((w) => `pid ${w.pid}`).join(', '));

  // Distinct accounts, none ending in a simulator magic value, so every one is a plain valid answer.
  const items = Array.from({ length: N }, (_, i) => ({
    type: 'bank_account',
    bank_account: { account_number: `${randomInt(10_000_000, 99_999_999)}${String(i).padStart(4, '0')}19`, ifsc: 'HDFC0000001' },
    rail: i % 2 === 0 ? 'IMPS' : 'NEFT',
    name: 'Priya Nair',
  }));
  process.stdout.write('\n');
  const submitted = performance.now();
  const created = await api<{ id: string }>(apiProc.url, tenant.apiKey, 'POST', '/v1/batches', { items, reference_id: `chaos-${runId}` });
  if (created.status !== 202) throw new Error(`POST /v1/batches: HTTP ${created.status} ${JSON.stringify(created.json).slice(0, 300)}`);
  const batchId = created.json.id;
  log(`batch ${batchId} accepted (${fmt(N)} validations)`);

  let downAt = 0;
  let upAt = 0;
  let upWall = 0;
  const outage = (async () => {
    await sleep(DOWN_AFTER_S * 1000);
    sim!.provider('cashfree').down(DOWN_MODE);
    sim!.provider('razorpay').setFaults({ latency: SLOW_LATENCY });
    downAt = performance.now();
    log(`primary DOWN (${DOWN_MODE}); secondary slowed`);
    await sleep(DOWN_S * 1000);
    sim!.provider('cashfree').up();
    sim!.provider('razorpay').setFaults({ latency: NORMAL_LATENCY });
    upAt = performance.now();
    upWall = Date.now();
    log('primary UP; secondary back to normal');
  })();

  type Batch = { status: string; counts: { completed: number; failed: number; queued: number; processing: number } };
  let batch: Batch | null = null;
  let lastLog = 0;
  for (;;) {
    batch = (await api<Batch>(apiProc.url, tenant.apiKey, 'GET', `/v1/batches/${batchId}`)).json;
    if (batch.status === 'completed' && upAt > 0) break;
    if (performance.now() - lastLog > 5000) {
      lastLog = performance.now();
      const c = batch.counts;
      log(`completed ${fmt(c.completed)}, failed ${fmt(c.failed)}, processing ${fmt(c.processing)}, queued ${fmt(c.queued)}; breakers: primary ${sim.provider('cashfree').faults().down ? 'down' : 'up'}`);
    }
    if ((performance.now() - t0) / 1000 > MAX_S) throw new Error(`not drained after ${MAX_S} s: ${JSON.stringify(batch.counts)}`);
    await sleep(250);
  }
  await outage;
  // The batch can finish during the outage; the drain time is when its last row became final.
  const finishedRes = await api<{ completed_at: string | null; created_at: string }>(apiProc.url, tenant.apiKey, 'GET', `/v1/batches/${batchId}`);
  const drainMs = Date.parse(finishedRes.json.completed_at ?? '') - Date.parse(finishedRes.json.created_at);

  // Per-validation calls and charges, read from the simulator's ledger for every validation id.
  let cursor: string | null = null;
  let maxCalls = 0;
  let maxCharges = 0;
  let chargedTwice = 0;
  let byPartner: Record<string, number> = {};
  let seen = 0;
  do {
    const page: { status: number; json: { data: Array<{ id: string; status: string; result: { partner: string } | null }>; next_cursor: string | null } } =
      await api(apiProc.url, tenant.apiKey, 'GET', `/v1/batches/${batchId}/items?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
    if (page.status !== 200) throw new Error(`GET /v1/batches/{id}/items: HTTP ${page.status}`);
    for (const v of page.json.data) {
      seen++;
      maxCalls = Math.max(maxCalls, sim.callsFor(v.id));
      const charges = sim.chargesFor(v.id);
      maxCharges = Math.max(maxCharges, charges);
      if (charges > 1) chargedTwice++;
      const p = v.result?.partner ?? 'none';
      byPartner = { ...byPartner, [p]: (byPartner[p] ?? 0) + 1 };
    }
    cursor = page.json.next_cursor;
  } while (cursor);

  const failovers = await sumMetric(workers, 'payval_partner_failovers_total');
  const retries = await sumMetric(workers, 'payval_partner_retries_total');
  const waits = await sumMetric(workers, 'payval_partner_waits_total');
  const stats = sim.stats();
  const c = batch.counts;
  const finalShare = (c.completed + c.failed) / N;

  process.stdout.write('\nresults\n');
  say('validations', fmt(N));
  say('completed', fmt(c.completed));
  say('failed', fmt(c.failed));
  say('final', `${fmt(finalShare * 100, 2)} %`);
  say('answered by', Object.entries(byPartner).map(([p, n]) => `${p} ${fmt(n)}`).join(', '));
  say('max partner calls per validation', fmt(maxCalls));
  say('max charges per validation', fmt(maxCharges));
  say('validations charged more than once', fmt(chargedTwice));
  say('failovers (worker metrics)', fmt(failovers));
  say('retries / parked waits', `${fmt(retries)} / ${fmt(waits)}`);
  say('partner calls (cashfree / razorpay)', `${fmt(stats.providers.cashfree?.calls ?? 0)} / ${fmt(stats.providers.razorpay?.calls ?? 0)}`);
  say('charges (cashfree / razorpay)', `${fmt(stats.providers.cashfree?.charges ?? 0)} / ${fmt(stats.providers.razorpay?.charges ?? 0)}`);
  say('time to drain (submit → last final)', `${fmt(drainMs / 1000, 1)} s`);
  say('primary down for', `${fmt((upAt - downAt) / 1000, 1)} s`);
  const sinceUp = (Date.parse(finishedRes.json.completed_at ?? '') - upWall) / 1000;
  say('last final, relative to primary recovery', `${sinceUp >= 0 ? '+' : ''}${fmt(sinceUp, 1)} s`);
  say('wall clock', `${fmt((performance.now() - submitted) / 1000, 1)} s`);

  const ok = seen === N && finalShare === 1 && chargedTwice === 0;
  if (args.report) {
    await writeFile(args.report, JSON.stringify({ validations: N, completed: c.completed, failed: c.failed, max_calls_per_validation: maxCalls, max_charges_per_validation: maxCharges, charged_more_than_once: chargedTwice, failovers, retries, waits, drain_seconds: drainMs / 1000, answered_by: byPartner, simulator: stats, ok }, null, 2));
  }
  process.stdout.write(`\n${ok ? 'PASS' : 'FAIL'}: ${ok ? 'every validation final, none charged twice' : 'see figures above'}\n`);
  process.exitCode = ok ? 0 : 1;
}

main()
  .catch((err: unknown) => {
    process.stderr.write(`chaos:partners failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    for (const c of children) process.stderr.write(`--- ${c.role} ${c.pid} output tail ---\n${c.output().slice(-3000)}\n`);
    process.exitCode = 1;
  })
  .finally(() => cleanup());
