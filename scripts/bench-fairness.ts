// Fairness benchmark (npm run bench:fairness): tenant A's 200,000-row CSV batch is being validated by
// two worker processes (partner simulator at 0 ms) while tenant B sends single validations (one every
// 200 ms for 60 s) and tenant C uploads a 1,000-row batch. Reports B's time to final (created_at →
// completed_at in MySQL) against the same singles with nothing else running (the baseline, measured
// first in the same run), C's time to complete, and A's rate alone and meanwhile. Self-cleaning.
//
//   node --import tsx scripts/bench-fairness.ts [--rows N] [--workers W] [--concurrency C]
//     [--single-every-ms 200] [--single-for-s 60] [--small-rows 1000] [--baseline-s 10]
//     [--max-seconds S] [--log-level info] [--env KEY=VALUE]… [--report FILE] [--seed N]
// Env: BENCH_MYSQL_URL (mysql://root@127.0.0.1:3306), BENCH_REDIS_URL (redis://127.0.0.1:6379).
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createDb, type Db } from '../src/platform/db.js';
import { startPartnerSimulator } from '../src/partners/simulator/sim-server.js';
import { createSandboxSim } from '../src/partners/simulator/providers/sandbox-sim.js';
import { closeClients, getBatch, uploadCsv, type Batch } from './bench/api-client.js';
import { createBenchRun, envOverrides, fmt, printChecks, type Check } from './bench/bench-run.js';
import { prepareDatabase } from './bench/bench-db.js';
import { benchIfscs, generateCsv } from './bench/csv-generator.js';
import { payeeFactory } from './bench/payees.js';
import { startPayval } from './bench/payval-process.js';
import { startWorkers } from './bench/pipeline-phases.js';
import { finalCount, sendSingles, timeToFinal, type FinalStats } from './bench/singles.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string' }, workers: { type: 'string' }, concurrency: { type: 'string' }, 'single-every-ms': { type: 'string' }, 'single-for-s': { type: 'string' },
    'small-rows': { type: 'string' }, 'baseline-s': { type: 'string' }, 'max-seconds': { type: 'string' }, 'log-level': { type: 'string' },
    env: { type: 'string', multiple: true }, report: { type: 'string' }, seed: { type: 'string' },
  },
});
const ROWS = Number(args.rows ?? 200_000);
const WORKERS = Number(args.workers ?? 2);
const EVERY_MS = Number(args['single-every-ms'] ?? 200);
const FOR_S = Number(args['single-for-s'] ?? 60);
const SMALL = Number(args['small-rows'] ?? 1000);
const BASELINE_S = Number(args['baseline-s'] ?? 10);
const MAX_S = Number(args['max-seconds'] ?? 600);
if (![ROWS, WORKERS, EVERY_MS, FOR_S, SMALL, BASELINE_S, MAX_S].every((x) => Number.isInteger(x) && x > 0)) {
  process.stderr.write('bench-fairness: every count and duration must be a positive integer\n');
  process.exit(64);
}
const TARGET_P99_MS = 2000;

const run = createBenchRun('bench-fairness', 'bench_fair');
const { say, step, figures } = run;
const stats = (s: FinalStats) =>
  `${s.notFinal ? '≥ ' : ''}p50 ${fmt(s.p50)} / p90 ${fmt(s.p90)} / p99 ${fmt(s.p99)} / max ${fmt(s.max)} ms (${fmt(s.count)} singles, ${s.notFinal} not final${s.notFinal ? ' when the run stopped waiting' : ''})`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<boolean> {
  process.stdout.write(`payval fairness benchmark: A uploads ${fmt(ROWS)} rows, B sends a single every ${EVERY_MS} ms for ${FOR_S} s, C uploads ${fmt(SMALL)} rows; ${WORKERS} worker process(es), partner 0 ms; run ${run.runId}, ${os.cpus().length} CPUs, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
  const bigCsv = path.join(os.tmpdir(), `payval-bench-fair-${run.runId}-a.csv`);
  const smallCsv = path.join(os.tmpdir(), `payval-bench-fair-${run.runId}-c.csv`);
  run.onCleanup(() => Promise.all([rm(bigCsv, { force: true }), rm(smallCsv, { force: true })]));
  const seed = Number(args.seed ?? 20261121);
  await generateCsv(bigCsv, ROWS, benchIfscs(), seed);
  await generateCsv(smallCsv, SMALL, benchIfscs(), seed + 1);

  const sim = await startPartnerSimulator({ providers: [createSandboxSim()] });
  run.onCleanup(() => sim.close());
  run.onCleanup(() => closeClients());
  const [a, b, c] = await prepareDatabase(run.dbUrl, ['tenant A (bulk)', 'tenant B (singles)', 'tenant C (small batch)']);
  const db: Db = createDb(run.dbUrl, 2);
  run.onCleanup(() => db.destroy());
  const env: Record<string, string> = {
    DATABASE_URL: run.dbUrl, REDIS_URL: run.redisUrl, QUEUE_PREFIX: run.queuePrefix, NODE_ENV: 'development', LOG_LEVEL: args['log-level'] ?? 'info',
    RATE_LIMIT_POINTS: '1000000', PARTNERS: 'sandbox', PARTNER_SANDBOX_BASE_URL: sim.provider('sandbox').baseUrl,
    BATCH_MAX_ROWS: String(Math.max(ROWS, 1_000_000)),
    ...(args.concurrency ? { WORKER_CONCURRENCY: args.concurrency } : {}),
    ...envOverrides(args.env),
  };
  const api = await startPayval('api', env);
  run.children.push(api);
  const workers = await startWorkers(WORKERS, env);
  run.children.push(...workers);
  say('processes', `API pid ${api.pid}, workers ${workers.map((w) => w.pid).join(', ')}`);
  const payees = payeeFactory();

  step(`baseline: B's singles with nothing else running (${BASELINE_S} s)`);
  const alone = await sendSingles(api.url, b!.apiKey, payees.next, EVERY_MS, BASELINE_S);
  const aloneStats = await timeToFinal(db, alone.ids, 60);
  say('B alone: time to final', stats(aloneStats));

  step(`A uploads ${fmt(ROWS)} rows (CSV)`);
  const upload = await uploadCsv(api.url, a!.apiKey, bigCsv);
  const batchA = upload.batch;
  say('A accepted', `${fmt(batchA.counts.total - batchA.counts.rejected)} rows in ${fmt(upload.ms / 1000, 1)} s (batch ${batchA.id})`);
  const deadline = Date.now() + 120_000;
  while ((await finalCount(db, { batch_id: batchA.id })) < 100) {
    if (Date.now() > deadline) throw new Error("A's batch is not being processed after 120 s");
    await sleep(250);
  }
  const a0 = await finalCount(db, { batch_id: batchA.id });
  await sleep(10_000);
  const aAlone = ((await finalCount(db, { batch_id: batchA.id })) - a0) / 10;
  say('A alone (10 s)', `${fmt(aAlone)} validations/s`);

  step(`B sends a single every ${EVERY_MS} ms for ${FOR_S} s while A runs; C uploads ${fmt(SMALL)} rows after 10 s`);
  const aStart = await finalCount(db, { batch_id: batchA.id });
  const tStart = performance.now();
  const cRun = (async () => {
    await sleep(10_000);
    const up = await uploadCsv(api.url, c!.apiKey, smallCsv);
    let batch: Batch = up.batch;
    const until = Date.now() + MAX_S * 1000;
    while (batch.status !== 'completed' && batch.status !== 'failed' && Date.now() < until) {
      await sleep(250);
      batch = await getBatch(api.url, c!.apiKey, batch.id);
    }
    const [row] = (await db('batches').where({ id: batch.id }).select('created_at', 'completed_at')) as Array<{ created_at: Date; completed_at: Date | null }>;
    const ms = row?.completed_at ? new Date(row.completed_at).getTime() - new Date(row.created_at).getTime() : Number.NaN;
    return { batch, ms, aFinalThen: await finalCount(db, { batch_id: batchA.id }) };
  })();
  const during = await sendSingles(api.url, b!.apiKey, payees.next, EVERY_MS, FOR_S);
  const aDuring = ((await finalCount(db, { batch_id: batchA.id })) - aStart) / ((performance.now() - tStart) / 1000);
  const duringStats = await timeToFinal(db, during.ids, 120);
  say('B during A: time to final', stats(duringStats));
  say('B: POSTs refused / failed', `${during.failed} (baseline ${alone.failed})`);
  say('A meanwhile', `${fmt(aDuring)} validations/s (alone ${fmt(aAlone)}/s)`);
  const cRes = await cRun;
  const aAccepted = batchA.counts.total - batchA.counts.rejected;
  const cTime = Number.isFinite(cRes.ms) ? `in ${fmt(cRes.ms / 1000, 1)} s (created → completed)` : `after ${fmt(MAX_S)} s, when the run stopped waiting`;
  say(`C: ${fmt(SMALL)}-row batch`, `${cRes.batch.status} ${cTime}; A was ${fmt(cRes.aFinalThen)} / ${fmt(aAccepted)} final then`);
  const cIfQueuedBehindA = (aAccepted - aStart) / Math.max(1, aAlone);
  const cFairShare = SMALL / Math.max(1, aAlone / 2);
  say('C if it waited behind all of A', `≈ ${fmt(cIfQueuedBehindA)} s (A's remaining rows ÷ A's rate)`);
  say('C with half the workers (fair share)', `≈ ${fmt(cFairShare)} s (C's rows ÷ half A's rate)`);

  figures.b_alone = aloneStats;
  figures.b_during = duringStats;
  figures.a = { rows: ROWS, accepted: aAccepted, upload_seconds: upload.ms / 1000, alone_per_sec: aAlone, during_per_sec: aDuring };
  figures.c = { rows: SMALL, status: cRes.batch.status, seconds: cRes.ms / 1000, a_final_then: cRes.aFinalThen, behind_a_estimate_seconds: cIfQueuedBehindA, fair_share_estimate_seconds: cFairShare };

  step('summary');
  say('B p99 during A / alone', `${fmt(duringStats.p99)} / ${fmt(aloneStats.p99)} ms = ${fmt(duringStats.p99 / aloneStats.p99, 1)} ×`);
  const checks: Check[] = [
    { name: `B's singles: p99 time to final ≤ ${fmt(TARGET_P99_MS)} ms during A`, value: `${fmt(duringStats.p99)} ms, ${duringStats.notFinal} not final`, ok: duringStats.p99 <= TARGET_P99_MS && duringStats.notFinal === 0 },
    {
      name: "C not starved: done in < ½ of the wait behind A",
      value: `${Number.isFinite(cRes.ms) ? fmt(cRes.ms / 1000, 1) : `> ${fmt(MAX_S)}`} s vs ≈ ${fmt(cIfQueuedBehindA)} s; A ${fmt(cRes.aFinalThen)} / ${fmt(aAccepted)} final then`,
      ok: cRes.batch.status === 'completed' && cRes.ms / 1000 < cIfQueuedBehindA / 2,
    },
  ];
  printChecks(run, checks);
  await run.writeReport(args.report);
  return during.failed === 0 && alone.failed === 0;
}

run.run(main);
