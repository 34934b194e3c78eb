// API benchmark (npm run bench:api): POST /v1/validations and GET /v1/validations/{id} of a real payval
// API process (ROLE=api, real MySQL + Redis, a live key, rows just queue) against a bare Express 5 JSON
// handler in its own process, in alternating rounds, at 100 and 1,000 connections (autocannon); then an
// open-loop run at half the measured POST maximum. Self-cleaning: database, Redis keys, processes.
//
//   node --import tsx scripts/bench-api.ts [--duration S] [--rounds N] [--connections 100,1000]
//     [--open-loop-s S] [--open-loop-rate R] [--open-loop-warm N] [--skip-rounds] [--profile DIR] [--mysql-counters] [--counter-ops N]
//     [--log-level info] [--env KEY=VALUE]… [--report FILE]
// --open-loop-warm N: open N keep-alive connections before the open-loop clock starts (default 0: the pool
//   grows during the run, and each new connection also measures how fast Node accepts it).
// --profile DIR: CPU profile of the API over one POST load phase (DIR/api-post.cpuprofile + summary).
// --mysql-counters: MySQL status counters and Redis command counts per POST and per GET, on a private
//   MariaDB + Redis started for the purpose (the shared ones also serve other people's work).
// Env: BENCH_MYSQL_URL (mysql://root@127.0.0.1:3306), BENCH_REDIS_URL (redis://127.0.0.1:6379).
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createBenchRun, envOverrides, fmt, median, printChecks, type Check } from './bench/bench-run.js';
import { createIds } from './bench/api-client.js';
import { prepareDatabase } from './bench/bench-db.js';
import { profilerEnv, startProfiling, stopProfiling } from './bench/cpu-profile.js';
import { closedLoop, fireN, openLoop, type LoadResult, type Target } from './bench/http-load.js';
import { startNodeChild } from './bench/node-child.js';
import { payeeFactory } from './bench/payees.js';
import { startPayval } from './bench/payval-process.js';
import { startPrivateServers } from './bench/private-servers.js';
import { counterTable, createCounterProbe, perOperation } from './bench/server-counters.js';

const TARGETS = { postRatio: 0.25, keepAt1000: 0.9, openLoopP99Ms: 50 };
const { values: args } = parseArgs({
  options: {
    duration: { type: 'string' }, rounds: { type: 'string' }, connections: { type: 'string' }, 'open-loop-s': { type: 'string' }, 'open-loop-rate': { type: 'string' }, 'open-loop-warm': { type: 'string' },
    'skip-rounds': { type: 'boolean' }, profile: { type: 'string' }, 'mysql-counters': { type: 'boolean' }, 'counter-ops': { type: 'string' },
    'log-level': { type: 'string' }, env: { type: 'string', multiple: true }, report: { type: 'string' },
  },
});
const DURATION_S = Number(args.duration ?? 10);
const ROUNDS = Number(args.rounds ?? 3);
const CONNECTIONS = (args.connections ?? '100,1000').split(',').map(Number);
const OPEN_LOOP_S = Number(args['open-loop-s'] ?? 20);
const OPEN_LOOP_WARM = Number(args['open-loop-warm'] ?? 0);
const COUNTER_OPS = Number(args['counter-ops'] ?? 2000);
if (!(DURATION_S > 0 && ROUNDS >= 1 && CONNECTIONS.every((c) => Number.isInteger(c) && c > 0) && OPEN_LOOP_S >= 0 && COUNTER_OPS > 0)) {
  process.stderr.write('bench-api: --duration, --rounds, --connections, --open-loop-s and --counter-ops must be positive\n');
  process.exit(64);
}

const run = createBenchRun('bench-api', 'bench_api');
const { say, step, figures } = run;
// What `npm start` runs with (LOG_LEVEL=info by default); the tenant's rate limit must not be the bottleneck.
const payvalEnv = (dbUrl: string, redisUrl: string, prefix: string) => ({
  DATABASE_URL: dbUrl, REDIS_URL: redisUrl, QUEUE_PREFIX: prefix, NODE_ENV: 'development', LOG_LEVEL: args['log-level'] ?? 'info',
  RATE_LIMIT_POINTS: '1000000', AUTH_FAILURE_LIMIT: '1000000', ...envOverrides(args.env),
});
const line = (r: LoadResult) =>
  `${fmt(r.rps).padStart(6)} req/s  p50 ${fmt(r.p50)} / p99 ${fmt(r.p99)} ms  err ${r.errors} to ${r.timeouts} non2xx ${r.non2xx}  cpu ${fmt(r.targetCpu, 2)} (${fmt((r.targetCpu * 1000) / r.rps, 2)} ms/req)`;

async function main(): Promise<boolean> {
  process.stdout.write(`payval API benchmark: ${args['skip-rounds'] ? 'no rounds' : `${ROUNDS} rounds × ${DURATION_S} s per target`}, connections ${CONNECTIONS.join(' / ')}, run ${run.runId}, ${os.cpus().length} CPUs, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
  const [tenant] = await prepareDatabase(run.dbUrl, ['bench api']);
  const profileFile = args.profile ? path.resolve(args.profile, 'api-post.cpuprofile') : null;
  if (args.profile) await mkdir(args.profile, { recursive: true });
  const api = await startPayval('api', { ...payvalEnv(run.dbUrl, run.redisUrl, run.queuePrefix), ...(profileFile ? profilerEnv(profileFile) : {}) });
  run.children.push(api);
  const bare = await startNodeChild('bare-express.ts', {});
  run.children.push(bare);
  say('payval API', `${api.url} (pid ${api.pid}, LOG_LEVEL ${args['log-level'] ?? 'info'})`);
  say('bare Express 5', `${bare.url} (pid ${bare.pid})`);

  const auth = { authorization: `Bearer ${tenant!.apiKey}` };
  const payees = payeeFactory();
  const post = (url: string): Target => ({ url, path: '/v1/validations', method: 'POST', headers: auth, body: () => JSON.stringify(payees.next()) });
  const created = await fireN(post(api.url), 1, 1); // warms the key cache and the connection pools
  if (created.ok !== 1) throw new Error(`POST /v1/validations: ${created.firstFailure}`);
  const ids = await createIds(api.url, auth, 500);
  const get = (url: string): Target => ({ url, path: () => `/v1/validations/${ids[Math.floor(Math.random() * ids.length)]}`, method: 'GET', headers: auth });

  const summary: Record<string, { bare: number; payval: number; ratio: number; payvalP99: number; errors: number; timeouts: number; non2xx: number }> = {};
  if (!args['skip-rounds']) {
    for (const [endpoint, target] of [['POST', post], ['GET', get]] as const) {
      for (const conns of CONNECTIONS) {
        step(`${endpoint} /v1/validations${endpoint === 'GET' ? '/{id}' : ''} at ${conns} connections (alternating bare / payval, ${DURATION_S} s each)`);
        const rounds: Array<{ bare: LoadResult; payval: LoadResult; ratio: number }> = [];
        for (let r = 0; r < ROUNDS; r++) {
          const order = r % 2 === 0 ? (['bare', 'payval'] as const) : (['payval', 'bare'] as const);
          const got: Partial<Record<'bare' | 'payval', LoadResult>> = {};
          for (const who of order) {
            got[who] = await closedLoop(target(who === 'bare' ? bare.url : api.url), conns, DURATION_S, who === 'bare' ? bare.pid : api.pid);
            await new Promise((res) => setTimeout(res, 1000));
          }
          const ratio = got.payval!.rps / got.bare!.rps;
          rounds.push({ bare: got.bare!, payval: got.payval!, ratio });
          say(`round ${r + 1} bare`, line(got.bare!));
          say(`round ${r + 1} payval`, `${line(got.payval!)}  ratio ${fmt(ratio, 3)}`);
        }
        const s = {
          bare: median(rounds.map((x) => x.bare.rps)), payval: median(rounds.map((x) => x.payval.rps)), ratio: median(rounds.map((x) => x.ratio)),
          payvalP99: median(rounds.map((x) => x.payval.p99)), errors: sum(rounds, 'errors'), timeouts: sum(rounds, 'timeouts'), non2xx: sum(rounds, 'non2xx'),
        };
        summary[`${endpoint} ${conns}`] = s;
        say('median', `bare ${fmt(s.bare)} req/s, payval ${fmt(s.payval)} req/s (p99 ${fmt(s.payvalP99)} ms), ratio ${fmt(s.ratio, 3)}`);
        figures[`${endpoint.toLowerCase()}_${conns}`] = { rounds, median: s };
      }
    }
  }

  let open: Awaited<ReturnType<typeof openLoop>> | null = null;
  const max = summary[`POST ${CONNECTIONS[0]}`]?.payval;
  const fixedRate = args['open-loop-rate'] ? Number(args['open-loop-rate']) : null;
  if ((max || fixedRate) && OPEN_LOOP_S > 0) {
    const rate = fixedRate ?? Math.max(1, Math.round(max! / 2));
    step(`open loop: POST at a fixed ${fmt(rate)}/s (${fixedRate ? '--open-loop-rate' : `half the median payval maximum at ${CONNECTIONS[0]} connections`}) for ${OPEN_LOOP_S} s, latency from the scheduled send`);
    const bareOpen = await openLoop(post(bare.url), rate, OPEN_LOOP_S, 1000, OPEN_LOOP_WARM);
    open = await openLoop(post(api.url), rate, OPEN_LOOP_S, 1000, OPEN_LOOP_WARM);
    for (const [who, o] of [['bare (reference)', bareOpen], ['payval', open]] as const) {
      say(who, `p50 ${fmt(o.p50, 1)} / p90 ${fmt(o.p90, 1)} / p99 ${fmt(o.p99, 1)} / max ${fmt(o.max, 1)} ms; ${fmt(o.ok)} ok, ${o.non2xx} non-2xx, ${o.errors} errors; ≤ ${o.maxOutstanding} outstanding`);
      say(`${who}: client send lag p99`, `${fmt(o.sendLagP99, 1)} ms (client event-loop delay p99 ${fmt(o.clientLoopDelayP99, 1)} ms)`);
    }
    figures.open_loop = { rate, bare: bareOpen, payval: open };
  }

  if (profileFile) {
    step(`CPU profile of the API: POST at ${CONNECTIONS[0]} connections for ${DURATION_S} s`);
    startProfiling(api.pid);
    const r = await closedLoop(post(api.url), CONNECTIONS[0]!, DURATION_S, api.pid);
    const text = await stopProfiling(api.pid, profileFile, `payval API under POST load (${line(r)})`);
    await writeFile(profileFile.replace(/\.cpuprofile$/, '-summary.txt'), `${text}\n`);
    process.stdout.write(`${text}\n  profile: ${profileFile}\n`);
  }
  if (args['mysql-counters']) await counters();

  step('summary');
  const checks: Check[] = [];
  const p100 = summary[`POST ${CONNECTIONS[0]}`];
  const p1000 = summary[`POST ${CONNECTIONS.at(-1)}`];
  for (const [k, s] of Object.entries(summary)) say(`${k} payval / bare`, `${fmt(s.payval)} / ${fmt(s.bare)} req/s = ${fmt(s.ratio, 3)}`);
  if (p100) checks.push({ name: `POST ≥ ${TARGETS.postRatio} × bare at ${CONNECTIONS[0]} connections`, value: fmt(p100.ratio, 3), ok: p100.ratio >= TARGETS.postRatio });
  if (p100 && p1000 && CONNECTIONS.length > 1) {
    checks.push({ name: `POST at ${CONNECTIONS.at(-1)}: no errors / timeouts / non-2xx`, value: `${p1000.errors} / ${p1000.timeouts} / ${p1000.non2xx}`, ok: p1000.errors + p1000.timeouts + p1000.non2xx === 0 });
    const keep = p1000.payval / p100.payval;
    // The load generator shares the machine and costs more at 1,000 connections: the bare handler's own ratio says how much.
    say(`bare req/s at ${CONNECTIONS.at(-1)} ÷ at ${CONNECTIONS[0]} (the load generator's share)`, fmt(p1000.bare / p100.bare, 2));
    checks.push({ name: `POST req/s at ${CONNECTIONS.at(-1)} ≥ ${TARGETS.keepAt1000} × at ${CONNECTIONS[0]}`, value: fmt(keep, 2), ok: keep >= TARGETS.keepAt1000 });
  }
  if (open) checks.push({ name: `open-loop p99 ≤ ${TARGETS.openLoopP99Ms} ms at ${fmt(open.rate)}/s`, value: `${fmt(open.p99, 1)} ms, ${open.errors + open.non2xx} failed`, ok: open.p99 <= TARGETS.openLoopP99Ms && open.errors + open.non2xx === 0 });
  printChecks(run, checks);
  await run.writeReport(args.report);
  return true;
}

const sum = (rounds: Array<{ payval: LoadResult }>, k: 'errors' | 'timeouts' | 'non2xx') => rounds.reduce((n, r) => n + r.payval[k], 0);

/** Per-request MySQL status and Redis command counts, on private servers (see private-servers.ts). */
async function counters(): Promise<void> {
  step(`MySQL status counters and Redis commands per request (${fmt(COUNTER_OPS)} POSTs, then ${fmt(COUNTER_OPS)} GETs, 100 connections, private MariaDB + Redis)`);
  const servers = await startPrivateServers();
  run.onCleanup(() => servers.stop());
  const dbUrl = `${servers.mysqlBase}/payval_bench_api_counters`;
  const [tenant] = await prepareDatabase(dbUrl, ['bench api counters']);
  const api = await startPayval('api', payvalEnv(dbUrl, servers.redisUrl, run.queuePrefix));
  run.children.push(api);
  const probe = createCounterProbe(servers.mysqlBase, servers.redisUrl);
  run.onCleanup(() => probe.close());
  const headers = { authorization: `Bearer ${tenant!.apiKey}` };
  const payees = payeeFactory();
  const ids = await createIds(api.url, headers, 200);
  const idle0 = await probe.snapshot();
  await new Promise((r) => setTimeout(r, 3000));
  const idle1 = await probe.snapshot();
  const posted = await fireN({ url: api.url, path: '/v1/validations', method: 'POST', headers, body: () => JSON.stringify(payees.next()) }, COUNTER_OPS, 100);
  const afterPost = await probe.snapshot();
  const got = await fireN({ url: api.url, path: () => `/v1/validations/${ids[Math.floor(Math.random() * ids.length)]}`, method: 'GET', headers }, COUNTER_OPS, 100);
  const afterGet = await probe.snapshot();
  if (posted.failed || got.failed) say('warning', `${posted.failed} POSTs and ${got.failed} GETs failed (${posted.firstFailure ?? got.firstFailure}); counts are per successful request`);
  const idle = { from: idle0, to: idle1 };
  const perPost = perOperation(idle1, afterPost, posted.ok, idle);
  const perGet = perOperation(afterPost, afterGet, got.ok, idle);
  process.stdout.write(`MySQL (SHOW GLOBAL STATUS delta per request, idle background subtracted)\n${counterTable({ 'per POST': perPost.mysql, 'per GET': perGet.mysql })}\n`);
  process.stdout.write(`Redis (INFO commandstats delta per request)\n${counterTable({ 'per POST': perPost.redis, 'per GET': perGet.redis })}\n`);
  figures.counters = { ops: COUNTER_OPS, post: perPost, get: perGet, post_ms: posted.ms, get_ms: got.ms };
  await api.stop();
}

run.run(main);
