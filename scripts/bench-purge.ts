// Retention purge benchmark (npm run bench:purge): the issue's "a purge of 1,000,000 validations runs in
// bounded batches without holding long locks: reads and new validations keep answering with p99 ≤ 50 ms
// meanwhile". Seeds one tenant's backlog of old, final validations (purge-seed.ts: batches and their
// rows, webhook events with deliveries and attempts, reuse pointers), all created 200 days ago or
// earlier. Starts payval's API and a worker (embedded sandbox partner, 0 ms) as `npm start` runs them,
// with the runtime's own retention set to 3,650 days so its leader leaves the backlog alone. Another
// tenant then sends GET /v1/validations/{id} of its own recent rows and POST /v1/validations at fixed
// rates (open loop, latency from the scheduled send) through three phases: a baseline, the purge, and
// after it. The purge is the real sweep (createRetentionSweep with the service's defaults and its
// 180-day retention) run as the sweeper leader runs it, `run(() => false)`, in a process of its own
// (purge-child.ts), traced statement by statement. By default everything runs on a private MariaDB + Redis
// (the same settings as the shared ones) so SHOW GLOBAL STATUS counts this run only.
//
//   node --import tsx scripts/bench-purge.ts [--rows 1000000] [--get-rate 100] [--post-rate 25]
//     [--baseline-s 60] [--after-s 60] [--warmup-s 10] [--window-s 10] [--read-set 1000]
//     [--page-size N] [--pause-ms N] [--alternate S] [--shared-servers] [--profile DIR] [--log-level warn] [--env KEY=VALUE]… [--report FILE]
// --page-size / --pause-ms: the sweep's RETENTION_PAGE_SIZE / RETENTION_PAUSE_MS (default: the service's).
// --profile DIR: CPU profile of the API over the purge phase (DIR/api-purge.cpuprofile + summary).
// --alternate S: the sweep works S seconds, rests S seconds, and so on; the requests due in its rests are
//   a comparison interleaved with the purge (same load from the rest of the machine), for tuning.
// Env (with --shared-servers): BENCH_MYSQL_URL (mysql://root@127.0.0.1:3306), BENCH_REDIS_URL (redis://127.0.0.1:6379).
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { envSchema } from '../src/config-env.js';
import { createDb } from '../src/platform/db.js';
import { apiEventLoopLag, createIds } from './bench/api-client.js';
import { createBenchRun, envOverrides, fmt, printChecks, type Check } from './bench/bench-run.js';
import { prepareDatabase } from './bench/bench-db.js';
import { profilerEnv, startProfiling, stopProfiling } from './bench/cpu-profile.js';
import { cpuSeconds, machineTicks, startOpenLoop, type Target } from './bench/http-load.js';
import { payeeFactory } from './bench/payees.js';
import { startPayval } from './bench/payval-process.js';
import { perPhase, perWindow, splitByIntervals, type Phase } from './bench/phase-windows.js';
import { startPrivateServers } from './bench/private-servers.js';
import { backlogCounts, seedPurgeBacklog, unpurgedCounts } from './bench/purge-seed.js';
import { printPhases, printPurge, printSplit, printWindows } from './bench/purge-report.js';
import type { TraceReport } from './bench/query-trace.js';
import { startNodeChild } from './bench/node-child.js';
import { innodbStatus, type InnodbStatus } from './bench/server-counters.js';
import { timeToFinal } from './bench/singles.js';

const defaults = envSchema.parse({});
const { values: args } = parseArgs({
  options: {
    rows: { type: 'string' }, 'get-rate': { type: 'string' }, 'post-rate': { type: 'string' }, 'baseline-s': { type: 'string' }, 'after-s': { type: 'string' },
    'warmup-s': { type: 'string' }, 'window-s': { type: 'string' }, 'read-set': { type: 'string' }, 'page-size': { type: 'string' }, 'pause-ms': { type: 'string' },
    alternate: { type: 'string' }, 'shared-servers': { type: 'boolean' }, profile: { type: 'string' }, 'log-level': { type: 'string' }, env: { type: 'string', multiple: true }, report: { type: 'string' },
  },
});
const ROWS = Number(args.rows ?? 1_000_000);
const GET_RATE = Number(args['get-rate'] ?? 100);
const POST_RATE = Number(args['post-rate'] ?? 25);
const BASELINE_S = Number(args['baseline-s'] ?? 60);
const AFTER_S = Number(args['after-s'] ?? 60);
const WARMUP_S = Number(args['warmup-s'] ?? 10);
const WINDOW_S = Number(args['window-s'] ?? 10);
const READ_SET = Number(args['read-set'] ?? 1000);
const PAGE_SIZE = Number(args['page-size'] ?? defaults.RETENTION_PAGE_SIZE);
const PAUSE_MS = Number(args['pause-ms'] ?? defaults.RETENTION_PAUSE_MS);
const ALTERNATE_S = Number(args.alternate ?? 0);
if (![ROWS, GET_RATE, POST_RATE, BASELINE_S, AFTER_S, WINDOW_S, READ_SET, PAGE_SIZE].every((x) => Number.isFinite(x) && x > 0) || !(WARMUP_S >= 0 && PAUSE_MS >= 0 && ALTERNATE_S >= 0)) {
  process.stderr.write('bench-purge: counts, rates and durations must be positive (--warmup-s, --pause-ms and --alternate ≥ 0)\n');
  process.exit(64);
}
const TARGET_P99_MS = 50;
const DAY_MS = 86_400_000;
/** The newest seeded row is this much older than the service's default retention. */
const PAST_RETENTION_DAYS = 20;

const run = createBenchRun('bench-purge', 'bench_purge');
/** CPU cores each process group kept busy between two readings; the machine's from /proc/stat (every process, everyone's). */
function coresBetween(a: Record<string, number>, b: Record<string, number>, seconds: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of ['payval', 'mysqld', 'bench']) out[k] = (b[k]! - a[k]!) / seconds;
  out.machine = ((b.busy! - a.busy!) / (b.total! - a.total!)) * os.cpus().length;
  return out;
}
const { say, step, figures } = run;
interface PurgeResult { startedAt: number; endedAt: number; bursts: Array<{ from: number; to: number }>; purged: Record<string, number>; progress: Array<{ at: number; n: number }>; trace: TraceReport; cpuSeconds: number }
const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));

async function main(): Promise<boolean> {
  process.stdout.write(`payval retention purge benchmark: ${fmt(ROWS)} old validations, GET ${GET_RATE}/s + POST ${POST_RATE}/s, page ${PAGE_SIZE} rows, pause ${PAUSE_MS} ms, run ${run.runId}, ${os.cpus().length} CPUs, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
  let mysqlBase = run.mysqlBase;
  let redisUrl = run.redisUrl;
  let mysqldPid = Number.NaN;
  if (!args['shared-servers']) {
    const servers = await startPrivateServers();
    run.onCleanup(() => servers.stop());
    ({ mysqlBase, redisUrl, mysqldPid } = servers);
    say('private MariaDB + Redis', `${mysqlBase}, ${redisUrl} (128 MB buffer pool, flush at commit, as the shared one)`);
  } else say('servers (shared: lock counters include other work)', `${mysqlBase}, ${redisUrl}`);
  // The run owns its database and prefix on the shared servers; private ones go away whole.
  const dbUrl = args['shared-servers'] ? run.dbUrl : `${mysqlBase}/payval_bench_purge`;

  const [old, reader] = await prepareDatabase(dbUrl, ['bench purge: old data', 'bench purge: reader']);
  const db = createDb(dbUrl, 4);
  run.onCleanup(() => db.destroy());
  const endMs = Date.now() - (defaults.RETENTION_DAYS + PAST_RETENTION_DAYS) * DAY_MS;
  step(`seeding ${fmt(ROWS)} final validations of one tenant, created ${defaults.RETENTION_DAYS + PAST_RETENTION_DAYS}–${defaults.RETENTION_DAYS + PAST_RETENTION_DAYS + 90} days ago, and what a purge rewrites`);
  const t0 = performance.now();
  let last = 0;
  await seedPurgeBacklog(db, { tenantId: old!.tenantId, otherTenantId: reader!.tenantId, rows: ROWS, endMs }, (label, done, total) => {
    if (done < total && performance.now() - last < 15_000) return;
    say(label, `${fmt(done)} / ${fmt(total)} after ${fmt((performance.now() - t0) / 1000, 0)} s`);
    last = performance.now();
  });
  const backlog = await backlogCounts(db, old!.tenantId);
  say('backlog', Object.entries(backlog).map(([k, v]) => `${k} ${fmt(v)}`).join(', '));
  figures.backlog = backlog;
  figures.seed_seconds = (performance.now() - t0) / 1000;

  const env = {
    DATABASE_URL: dbUrl, REDIS_URL: redisUrl, QUEUE_PREFIX: run.queuePrefix, NODE_ENV: 'development', LOG_LEVEL: args['log-level'] ?? 'warn',
    RATE_LIMIT_POINTS: '1000000', AUTH_FAILURE_LIMIT: '1000000', PARTNERS: 'sandbox', RETENTION_DAYS: '3650', ...envOverrides(args.env),
  };
  const profileFile = args.profile ? path.resolve(args.profile, 'api-purge.cpuprofile') : null;
  if (args.profile) await mkdir(args.profile, { recursive: true });
  const api = await startPayval('api', { ...env, ...(profileFile ? profilerEnv(profileFile) : {}) });
  run.children.push(api);
  const worker = await startPayval('worker', env);
  run.children.push(worker);
  say('payval API / worker', `${api.url} (pid ${api.pid}) / pid ${worker.pid}, sandbox partner embedded at 0 ms`);

  const auth = { authorization: `Bearer ${reader!.apiKey}` };
  const ids = await createIds(api.url, auth, READ_SET);
  const settled = await timeToFinal(db, ids, 120);
  if (settled.notFinal > 0) throw new Error(`${settled.notFinal} of the reader's ${READ_SET} validations not final after 120 s`);
  say('reader tenant', `${fmt(READ_SET)} recent validations, all final; GETs pick one at random`);
  const payees = payeeFactory();
  const targets: Record<string, Target> = {
    GET: { url: api.url, path: () => `/v1/validations/${ids[Math.floor(Math.random() * ids.length)]}`, method: 'GET', headers: auth },
    POST: { url: api.url, path: '/v1/validations', method: 'POST', headers: auth, body: () => JSON.stringify(payees.next()) },
  };

  step(`open loop: GET ${GET_RATE}/s and POST ${POST_RATE}/s, ${WARMUP_S} s warm-up, ${BASELINE_S} s baseline, the purge, ${AFTER_S} s after`);
  const loops = { GET: await startOpenLoop(targets.GET!, GET_RATE, { connections: 200, warm: 20 }), POST: await startOpenLoop(targets.POST!, POST_RATE, { connections: 200, warm: 10 }) };
  run.onCleanup(() => Promise.all(Object.values(loops).map((l) => l.stop())));
  const loopSamples = () => ({ GET: loops.GET.samples, POST: loops.POST.samples });
  const marks: Array<{ name: string; at: number; innodb: InnodbStatus; apiLag: { p99: number; max: number }; cpu: Record<string, number> }> = [];
  const cpu = () => {
    const self = process.cpuUsage();
    const m = machineTicks();
    // CPU seconds so far per group; the machine's busy and total ticks.
    return { payval: cpuSeconds(api.pid) + cpuSeconds(worker.pid), mysqld: cpuSeconds(mysqldPid), bench: (self.user + self.system) / 1e6, busy: m.busy, total: m.total };
  };
  // The API's event-loop delay read at a mark covers the phase that ends there (a scrape resets it).
  const mark = async (name: string) => marks.push({ name, at: performance.now(), innodb: await innodbStatus(db), apiLag: await apiEventLoopLag(api.url), cpu: cpu() });
  await sleep(WARMUP_S);
  await mark('baseline');
  await sleep(BASELINE_S);

  // The sweep in its own process (purge-child.ts), started here and purging from its READY on.
  const purger = await startNodeChild('purge-child.ts', {
    DATABASE_URL: dbUrl, RETENTION_DAYS: String(defaults.RETENTION_DAYS), PAGE_SIZE: String(PAGE_SIZE), PAUSE_MS: String(PAUSE_MS), SCAN_MS: String(defaults.RETENTION_SCAN_INTERVAL_MS),
    ALTERNATE_S: String(ALTERNATE_S),
  });
  run.children.push(purger);
  await mark('purge');
  if (profileFile) startProfiling(api.pid);
  const ticker = setInterval(() => {
    const recent = perPhase(loopSamples(), [{ name: 'last minute', from: performance.now() - 60_000, to: performance.now() }])[0]!.stats;
    say(`purging for ${fmt((performance.now() - marks.at(-1)!.at) / 1000)} s`, `last minute p99 GET ${fmt(recent.GET!.p99, 1)} / POST ${fmt(recent.POST!.p99, 1)} ms`);
  }, 60_000);
  const result = (await purger.result().finally(() => clearInterval(ticker))) as unknown as PurgeResult;
  await mark('after');
  const profile = profileFile ? await stopProfiling(api.pid, profileFile, 'payval API during the purge') : null;
  await sleep(AFTER_S);
  await mark('end');
  await Promise.all(Object.values(loops).map((l) => l.stop()));

  const phases: Phase[] = marks.slice(0, -1).map((m, i) => ({ name: m.name, from: m.at, to: marks[i + 1]!.at }));
  const series = loopSamples();
  const windows = perWindow(series, phases, WINDOW_S * 1000);
  const purgeMs = phases[1]!.to - phases[1]!.from;
  step(`per ${WINDOW_S}-s window (latency from the scheduled send, ms; a window belongs to the phase it starts in)`);
  // The child's clock is epoch ms; the samples' is this process's performance.now().
  printWindows(windows, result.progress.map((p) => ({ at: p.at - performance.timeOrigin, n: p.n })));
  const { purged, trace: traced } = result;
  step('the purge');
  printPurge({ purged, purgeMs, traced, pageSize: PAGE_SIZE, pauseMs: PAUSE_MS, cpuSeconds: result.cpuSeconds }, say);
  if (profile) process.stdout.write(`${profile}\n`);
  step('per phase');
  const byPhase = perPhase(series, phases);
  const server = phases.map((p, i) => ({
    phase: p, before: marks[i]!.innodb, after: marks[i + 1]!.innodb, apiLag: marks[i + 1]!.apiLag, cores: coresBetween(marks[i]!.cpu, marks[i + 1]!.cpu, (p.to - p.from) / 1000),
  }));
  printPhases(byPhase, server);
  // With --alternate: the purge phase's requests due while the sweep worked against those due while it rested.
  const bursts = result.bursts.map((b) => ({ from: b.from - performance.timeOrigin, to: b.to - performance.timeOrigin }));
  const split = ALTERNATE_S > 0 ? splitByIntervals(series, phases[1]!, bursts) : null;
  if (split) printSplit(split, bursts.length, ALTERNATE_S);

  // Nothing unfinished left behind by the run's own validations, and the purge complete.
  const leftover = await unpurgedCounts(db, old!.tenantId);
  const readerPurged = Number((await db('validations').where({ tenant_id: reader!.tenantId }).whereNotNull('purged_at').count({ n: '*' }))[0]!.n);
  say('left unpurged of the old tenant', Object.entries(leftover).map(([k, v]) => `${k} ${fmt(v)}`).join(', '));
  say("reader's rows purged (must be 0)", fmt(readerPurged));
  Object.assign(figures, { rates: { get: GET_RATE, post: POST_RATE }, page_size: PAGE_SIZE, pause_ms: PAUSE_MS, purge_ms: purgeMs, purged, trace: traced, phases: byPhase, windows, server, split, leftover });

  step('summary');
  const during = split?.inside ?? byPhase[1]!.stats;
  const base = byPhase[0]!.stats;
  const checks: Check[] = Object.keys(series).map((name) => ({
    name: `${name} p99 ${split ? 'while the sweep worked' : 'during the purge'} ≤ ${TARGET_P99_MS} ms`,
    value: `${fmt(during[name]!.p99, 1)} ms (${fmt(during[name]!.p99 / base[name]!.p99, 2)} × baseline ${fmt(base[name]!.p99, 1)} ms), ${during[name]!.failed} failed`,
    ok: during[name]!.p99 <= TARGET_P99_MS && during[name]!.failed === 0,
  }));
  checks.push({ name: 'purge complete, nothing else purged', value: `${fmt(Object.values(leftover).reduce((a, b) => a + b, 0))} left, ${readerPurged} of the reader's`, ok: Object.values(leftover).every((v) => v === 0) && readerPurged === 0 });
  const ok = printChecks(run, checks);
  await run.writeReport(args.report);
  if (args.profile && profile) await writeFile(profileFile!.replace(/\.cpuprofile$/, '-summary.txt'), `${profile}\n`);
  return ok;
}

run.run(main);
