// Pipeline benchmark (npm run bench:pipeline): N validations (JSON batches of distinct, valid payees,
// accepted by the API with no worker running) through real payval worker processes against the partner
// simulator at 0 ms, 50 ms and 1,000 ms; at 0 ms in alternating rounds with the same N jobs through bare
// no-op BullMQ worker processes at the same concurrency. Checks every row final once and no partner
// charged twice. Self-cleaning: databases, Redis keys, processes.
//
//   node --import tsx scripts/bench-pipeline.ts [--validations N] [--workers W] [--concurrency C]
//     [--latencies 0,50,1000] [--rounds R] [--inflight-workers 2] [--inflight-concurrency 2500]
//     [--inflight-validations N] [--max-seconds S] [--profile DIR] [--mysql-counters]
//     [--counter-validations N] [--log-level info] [--env KEY=VALUE]… [--report FILE]
// Env: BENCH_MYSQL_URL (mysql://root@127.0.0.1:3306), BENCH_REDIS_URL (redis://127.0.0.1:6379).
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { envSchema } from '../src/config-env.js';
import { createDb, type Db } from '../src/platform/db.js';
import { VALIDATION_QUEUE } from '../src/platform/queues.js';
import { startPartnerSimulator, type PartnerSimulator } from '../src/partners/simulator/sim-server.js';
import { createSandboxSim } from '../src/partners/simulator/providers/sandbox-sim.js';
import { createBenchRun, envOverrides, fmt, median, printChecks, type Check } from './bench/bench-run.js';
import { closeClients, getBatch } from './bench/api-client.js';
import { completionTimes, prepareDatabase } from './bench/bench-db.js';
import { profilerEnv, startProfiling, stopProfiling } from './bench/cpu-profile.js';
import { payeeFactory } from './bench/payees.js';
import { startPayval } from './bench/payval-process.js';
import { cpuOf, rates, runBarePhase, startSampler, startWorkers, stopWorkers, uploadJsonBatches, waitBatchesFinal, type PhaseResult } from './bench/pipeline-phases.js';
import { runPipelineCounters } from './bench/pipeline-counters.js';

const { values: args } = parseArgs({
  options: {
    validations: { type: 'string' }, workers: { type: 'string' }, concurrency: { type: 'string' }, latencies: { type: 'string' }, rounds: { type: 'string' },
    'inflight-workers': { type: 'string' }, 'inflight-concurrency': { type: 'string' }, 'inflight-validations': { type: 'string' }, 'max-seconds': { type: 'string' },
    profile: { type: 'string' }, 'mysql-counters': { type: 'boolean' }, 'counter-validations': { type: 'string' }, 'log-level': { type: 'string' },
    env: { type: 'string', multiple: true }, report: { type: 'string' },
  },
});
const DEFAULT_CONCURRENCY = envSchema.parse({}).WORKER_CONCURRENCY;
const N = Number(args.validations ?? 20_000);
const WORKERS = Number(args.workers ?? 1);
const CONCURRENCY = Number(args.concurrency ?? DEFAULT_CONCURRENCY);
const LATENCIES = (args.latencies ?? '0,50,1000').split(',').map(Number);
const ROUNDS = Number(args.rounds ?? 1);
const IN_WORKERS = Number(args['inflight-workers'] ?? 2);
const IN_CONCURRENCY = Number(args['inflight-concurrency'] ?? 2500);
const IN_N = Number(args['inflight-validations'] ?? 20_000);
const MAX_S = Number(args['max-seconds'] ?? 900);
const nums = [N, WORKERS, CONCURRENCY, ROUNDS, IN_WORKERS, IN_CONCURRENCY, IN_N, MAX_S];
if (!nums.every((x) => Number.isInteger(x) && x > 0) || !LATENCIES.every((l) => Number.isInteger(l) && l >= 0)) {
  process.stderr.write('bench-pipeline: counts must be positive integers and latencies integers ≥ 0\n');
  process.exit(64);
}
const TARGETS = { at50: 0.9, inFlight: 5000, held: 0.8 };

const run = createBenchRun('bench-pipeline', 'bench_pipe');
const { say, step, figures } = run;
let sim: PartnerSimulator | null = null;
let db: Db | null = null;

async function main(): Promise<boolean> {
  process.stdout.write(`payval pipeline benchmark: ${fmt(N)} validations, ${WORKERS} worker process(es) × concurrency ${CONCURRENCY} (default ${DEFAULT_CONCURRENCY}), partner at ${LATENCIES.join(' / ')} ms, run ${run.runId}, ${os.cpus().length} CPUs, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
  sim = await startPartnerSimulator({ providers: [createSandboxSim()] });
  run.onCleanup(() => sim?.close());
  run.onCleanup(() => closeClients());
  const [tenant] = await prepareDatabase(run.dbUrl, ['bench pipeline']);
  db = createDb(run.dbUrl, 4);
  run.onCleanup(() => db?.destroy());
  const env: Record<string, string> = {
    DATABASE_URL: run.dbUrl, REDIS_URL: run.redisUrl, QUEUE_PREFIX: run.queuePrefix, NODE_ENV: 'development', LOG_LEVEL: args['log-level'] ?? 'info',
    RATE_LIMIT_POINTS: '1000000', PARTNERS: 'sandbox', PARTNER_SANDBOX_BASE_URL: sim.provider('sandbox').baseUrl, BATCH_JSON_MAX_ITEMS: '10000',
    ...envOverrides(args.env),
  };
  const api = await startPayval('api', env);
  run.children.push(api);
  say('payval API (accepts the batches)', `${api.url}; partner simulator ${sim.url}`);
  const payees = payeeFactory();
  let ok = true;

  /** Uploads n rows, then starts the workers and times them to the last final row. */
  async function payvalPhase(label: string, latencyMs: number, workers: number, concurrency: number, n: number, profileDir?: string): Promise<PhaseResult | null> {
    sim!.reset();
    sim!.setLatency(latencyMs);
    const batchIds = await uploadJsonBatches(api.url, tenant!.apiKey, payees.next, n);
    const sampler = startSampler(run.redisUrl, run.queuePrefix, sim, db);
    const spawnedAt = Date.now();
    const workerEnv = { ...env, WORKER_CONCURRENCY: String(concurrency) };
    let procs;
    try {
      procs = await startWorkers(workers, workerEnv, profileDir ? (i) => profilerEnv(path.resolve(profileDir, `worker-${i + 1}.cpuprofile`)) : undefined);
    } catch (err) {
      await sampler.stop();
      const lines = String(err).split('\n');
      say(label, `payval refused to start: ${(lines.find((l) => /WORKER_CONCURRENCY/.test(l)) ?? lines.find((l) => /must|invalid/i.test(l)) ?? lines[0]!).trim().slice(0, 200)}`);
      return null;
    }
    run.children.push(...procs);
    sampler.watch(procs.map((p) => p.url));
    const cpuAtStart = cpuOf(procs);
    if (profileDir) for (const p of procs) startProfiling(p.pid);
    await waitBatchesFinal(db!, batchIds, MAX_S, (final) => say('progress', `${fmt(final)} / ${fmt(n)} final`), [...procs, api]);
    if (profileDir) {
      for (const [i, p] of procs.entries()) {
        const file = path.resolve(profileDir, `worker-${i + 1}.cpuprofile`);
        const text = await stopProfiling(p.pid, file, `payval worker ${i + 1} of ${workers}, partner ${latencyMs} ms, concurrency ${concurrency}`);
        await writeFile(file.replace(/\.cpuprofile$/, '-summary.txt'), `${text}\n`);
        process.stdout.write(`${text}\n  profile: ${file}\n`);
      }
    }
    const { peakRssMb, cpuS } = await stopWorkers(procs, cpuAtStart);
    const sampled = await sampler.stop();
    const times = await completionTimes(db!, batchIds);
    ok = (await verify(api.url, tenant!.apiKey, batchIds, n, label)) && ok;
    return { n, ...rates(times, spawnedAt), ...sampled, peakRssMb, cpuMsPerJob: (cpuS * 1000) / n };
  }

  const show = (label: string, r: PhaseResult) => {
    say(label, `${fmt(r.steadyPerSec)}/s steady (10–90 %), ${fmt(r.firstToLastPerSec)}/s first→last, ${fmt(r.startToLastS, 1)} s from spawn to last`);
    say(`${label}: in flight (max)`, `${r.maxInFlight === null ? '' : `${fmt(r.maxInFlight)} validations, `}${fmt(r.maxActiveJobs)} active jobs, ${fmt(r.maxPartnerInFlight)} partner calls, ${fmt(r.maxProcessingRows)} rows processing`);
    say(`${label}: peak RSS per process`, r.peakRssMb.map((m) => `${fmt(m, 1)} MB`).join(', '));
    say(`${label}: worker CPU per job`, `${fmt(r.cpuMsPerJob, 3)} ms`);
  };

  const checks: Check[] = [];
  if (LATENCIES.includes(0)) {
    step(`partner 0 ms: payval vs bare BullMQ no-op workers, ${WORKERS} process(es) × ${CONCURRENCY}, ${ROUNDS} round(s), alternating`);
    const ratios: number[] = [];
    const rates: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? ['bare', 'payval'] : ['payval', 'bare'];
      const got: Record<string, PhaseResult> = {};
      for (const who of order) {
        if (who === 'bare') {
          const prefix = `${run.queuePrefix}bare${r}`;
          run.ownPrefix(run.redisUrl, prefix);
          got.bare = await runBarePhase(run.redisUrl, prefix, VALIDATION_QUEUE, N, WORKERS, CONCURRENCY, MAX_S);
        } else {
          const p = await payvalPhase('payval 0 ms', 0, WORKERS, CONCURRENCY, N);
          if (p) got.payval = p;
        }
        show(`round ${r + 1} ${who}`, got[who]!);
      }
      ratios.push(got.payval!.steadyPerSec / got.bare!.steadyPerSec);
      rates.push(got.payval!.steadyPerSec);
      say(`round ${r + 1} ratio payval / bare`, fmt(ratios.at(-1)!, 3));
      figures[`zero_ms_round_${r + 1}`] = got;
    }
    figures.zero_ms_ratio_median = median(ratios);
    figures.zero_ms_rate_median = median(rates);
    say('median ratio payval / bare (0 ms)', fmt(median(ratios), 3));
  }
  if (LATENCIES.includes(50)) {
    step(`partner 50 ms: ${WORKERS} process(es) × ${CONCURRENCY}; ideal = concurrency ÷ latency = ${fmt((WORKERS * CONCURRENCY) / 0.05)}/s`);
    const r = await payvalPhase('payval 50 ms', 50, WORKERS, CONCURRENCY, N);
    if (r) {
      show('payval 50 ms', r);
      const share = r.steadyPerSec / ((WORKERS * CONCURRENCY) / 0.05);
      checks.push({ name: `50 ms: ≥ ${TARGETS.at50} × concurrency ÷ latency`, value: fmt(share, 3), ok: share >= TARGETS.at50 });
      figures.fifty_ms = { ...r, share_of_ideal: share };
    }
  }
  for (const latency of LATENCIES.filter((l) => l !== 0 && l !== 50)) {
    step(`partner ${latency} ms: ${IN_WORKERS} process(es) × ${IN_CONCURRENCY} (${fmt(IN_WORKERS * IN_CONCURRENCY)} slots), ${fmt(IN_N)} validations`);
    const r = await payvalPhase(`payval ${latency} ms`, latency, IN_WORKERS, IN_CONCURRENCY, IN_N);
    if (r) show(`payval ${latency} ms`, r);
    // In flight = validations being worked on at once (active jobs: claimed, at the partner, or being
    // finalised). Partner calls at once are printed beside it: below the slots whenever the machine
    // finishes fewer than slots ÷ latency validations a second, since each call then waits its turn for CPU.
    // A validation in flight is a place of WORKER_CONCURRENCY taken (a batch slice job holds many rows).
    const inFlight = r?.maxInFlight ?? r?.maxActiveJobs ?? 0;
    checks.push({ name: `${latency} ms: ${fmt(TARGETS.inFlight)} validations in flight at once`, value: r ? `${fmt(inFlight)} (${fmt(r.maxPartnerInFlight)} at the partner at once)` : 'refused', ok: inFlight >= TARGETS.inFlight });
    // The rate it must hold: 0.8 × what the slots allow at this latency, or 0.8 × the 0 ms rate of this run
    // (the median of its rounds: the first is often the slowest) when that is lower (the machine cannot
    // finish validations faster than with an instant partner).
    const zero = figures.zero_ms_rate_median as number | undefined;
    const bound = Math.min((IN_WORKERS * IN_CONCURRENCY) / (latency / 1000), zero ?? Infinity);
    if (r) {
      const share = r.steadyPerSec / bound;
      const of = zero !== undefined && zero < (IN_WORKERS * IN_CONCURRENCY) / (latency / 1000) ? `the 0 ms rate ${fmt(zero)}/s` : `slots ÷ latency ${fmt(bound)}/s`;
      checks.push({ name: `${latency} ms: rate ≥ ${TARGETS.held} × ${of}`, value: `${fmt(r.steadyPerSec)}/s = ${fmt(share, 3)}`, ok: share >= TARGETS.held });
    }
    figures[`ms_${latency}`] = r;
  }
  if (args.profile) {
    await mkdir(args.profile, { recursive: true });
    step(`CPU profile of the worker(s): partner 0 ms, ${WORKERS} × ${CONCURRENCY}, ${fmt(N)} validations`);
    await payvalPhase('payval 0 ms (profiled)', 0, WORKERS, CONCURRENCY, N, args.profile);
  }
  await api.stop();
  if (args['mysql-counters']) {
    figures.counters = await runPipelineCounters(run, { n: Number(args['counter-validations'] ?? 2000), workers: WORKERS, concurrency: CONCURRENCY, env: envOverrides(args.env) });
  }

  step('summary');
  if (figures.zero_ms_ratio_median !== undefined) say('0 ms: payval / bare BullMQ (median)', fmt(figures.zero_ms_ratio_median as number, 3));
  printChecks(run, checks);
  say('correctness (every row final once, no double charge)', ok ? 'PASS' : 'FAIL');
  await run.writeReport(args.report);
  return ok;
}

/** Every row final, the batches completed with counts that add up, one charge per validation. */
async function verify(apiUrl: string, apiKey: string, batchIds: string[], n: number, label: string): Promise<boolean> {
  const rows = (await db!('validations').whereIn('batch_id', batchIds).select('status').count({ n: '*' }).groupBy('status')) as Array<{ status: string; n: string }>;
  const by = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  const final = (by.completed ?? 0) + (by.failed ?? 0);
  const batches = await Promise.all(batchIds.map((id) => getBatch(apiUrl, apiKey, id)));
  const countsOk = batches.every((b) => b.status === 'completed' && b.counts.completed + b.counts.failed + b.counts.rejected === b.counts.total);
  const stats = sim!.stats();
  const ok = final === n && countsOk && stats.charges === n && stats.referencesChargedMoreThanOnce === 0;
  say(`${label}: check`, `${fmt(final)} / ${fmt(n)} final (${fmt(by.failed ?? 0)} failed), batches ${countsOk ? 'completed, counts add up' : 'NOT consistent'}; partner calls ${fmt(stats.calls)}, charges ${fmt(stats.charges)}, charged twice ${stats.referencesChargedMoreThanOnce}  ${ok ? 'OK' : 'FAIL'}`);
  return ok;
}

run.run(main);
