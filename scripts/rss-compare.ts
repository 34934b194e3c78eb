// Memory of one payval process (ROLE=all, sandbox partner), run from the TypeScript sources through tsx
// (how `npm start` ran before docs/decisions/0021) and from the compiled build (how it runs now), in the
// same run, alternating which goes first. Both get `npm start`'s heap flags and a migrated database of
// their own. Reports VmRSS after start-up (settled), after N validations, and the peak (VmHWM).
// Self-cleaning: its databases, Redis keys and child processes go away.
//
//   node --import tsx scripts/rss-compare.ts [--validations 200] [--rounds 2] [--settle-s 5] [--concurrency 10]
// Env: BENCH_MYSQL_URL (mysql://root@127.0.0.1:3306), BENCH_REDIS_URL (redis://127.0.0.1:6379).
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { createDb, dropDatabase, ensureDatabase, migrateLatest } from '../src/platform/db.js';
import { createTenantService } from '../src/tenants/tenant-service.js';
import { procMemoryMb, startPayval, type PayvalCode, type PayvalProcess } from './bench/payval-process.js';
import { deleteRedisKeys } from './bench/redis-keys.js';

const { values: args } = parseArgs({
  options: { validations: { type: 'string' }, rounds: { type: 'string' }, 'settle-s': { type: 'string' }, concurrency: { type: 'string' } },
});
const N = Number(args.validations ?? 200);
const ROUNDS = Number(args.rounds ?? 2);
const SETTLE_MS = Number(args['settle-s'] ?? 5) * 1000;
const CONCURRENCY = Number(args.concurrency ?? 10);
if (![N, ROUNDS, CONCURRENCY].every((n) => Number.isInteger(n) && n > 0) || !(SETTLE_MS >= 0)) {
  process.stderr.write('rss-compare: --validations, --rounds and --concurrency must be positive integers, --settle-s >= 0\n');
  process.exit(64);
}
const MYSQL_BASE = (process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306').replace(/\/+$/, '');
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const runId = randomBytes(4).toString('hex');

interface Sample { code: PayvalCode; readyMs: number; idleMb: number; afterMb: number; peakMb: number; completed: number; seconds: number }

const children = new Set<PayvalProcess>();
const cleanups: Array<() => Promise<unknown>> = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

async function cleanup(): Promise<void> {
  await Promise.all([...children].map((c) => c.stop(5000).catch(() => undefined)));
  for (const c of cleanups.splice(0)) await c().catch(() => undefined);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\nrss-compare: ${signal}, cleaning up…\n`);
    void cleanup().finally(() => process.exit(130));
  });
}

/** POST /v1/validations?wait=5, `CONCURRENCY` at a time; distinct valid accounts (ending in 7: no sandbox fault). */
async function validate(url: string, apiKey: string): Promise<number> {
  let next = 0;
  let completed = 0;
  const one = async (): Promise<void> => {
    for (let i = next++; i < N; i = next++) {
      const post = () =>
        fetch(`${url}/v1/validations?wait=5`, {
          method: 'POST',
          // The key makes the one retry below safe: a request that did arrive is answered, not repeated.
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', 'idempotency-key': `rss-${i}` },
          body: JSON.stringify({ type: 'bank_account', bank_account: { account_number: `50100${100_000 + i}7`, ifsc: 'HDFC0000001' }, rail: 'IMPS', name: 'Sunita Devi' }),
        });
      // One retry for a kept-alive socket the server closed just as it was reused (a client-side race).
      const res = await post().catch(() => sleep(100).then(post));
      const body = (await res.json()) as { status?: string };
      if (body.status === 'completed') completed++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, one));
  return completed;
}

async function measure(code: PayvalCode, round: number): Promise<Sample> {
  const tag = `${runId}_${round}_${code === 'build' ? 'js' : 'ts'}`;
  const dbUrl = `${MYSQL_BASE}/payval_bench_rss_${tag}`;
  const prefix = `rss${tag}`;
  cleanups.push(() => dropDatabase(dbUrl), () => deleteRedisKeys(REDIS_URL, prefix));
  // Migrated beforehand, so start-up is the same work for both.
  await ensureDatabase(dbUrl);
  const db = createDb(dbUrl, 2);
  let apiKey: string;
  try {
    await migrateLatest(db);
    ({ apiKey } = await createTenantService(db, 'bench').createTenant('rss'));
  } finally {
    await db.destroy();
  }

  const started = performance.now();
  const proc = await startPayval('all', { DATABASE_URL: dbUrl, REDIS_URL, QUEUE_PREFIX: prefix, LOG_LEVEL: 'warn', NODE_ENV: 'development', RATE_LIMIT_POINTS: '100000' }, 90_000, code);
  const readyMs = performance.now() - started;
  children.add(proc);
  try {
    await sleep(SETTLE_MS);
    const idleMb = procMemoryMb(proc.pid, 'VmRSS');
    const t0 = performance.now();
    const completed = await validate(proc.url, apiKey).catch((err: unknown) => {
      const cause = (err as { cause?: unknown }).cause;
      throw new Error(`${code}: ${String(err)}${cause ? ` (${String(cause)})` : ''}; alive: ${proc.alive()}\n${proc.output().slice(-3000)}`);
    });
    const seconds = (performance.now() - t0) / 1000;
    const afterMb = procMemoryMb(proc.pid, 'VmRSS');
    const peakMb = procMemoryMb(proc.pid, 'VmHWM');
    return { code, readyMs, idleMb, afterMb, peakMb, completed, seconds };
  } finally {
    await proc.stop();
    children.delete(proc);
  }
}

async function main(): Promise<void> {
  process.stdout.write(`payval RSS per process: tsx sources vs compiled build, ROLE=all, ${N} validations, ${ROUNDS} round(s), run ${runId}, ${os.cpus().length} CPUs, Node ${process.version}\n\n`);
  const samples: Sample[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const order: PayvalCode[] = round % 2 === 0 ? ['sources', 'build'] : ['build', 'sources'];
    for (const code of order) {
      const s = await measure(code, round);
      samples.push(s);
      process.stdout.write(
        `  round ${round + 1} ${code.padEnd(7)}  ready ${fmt(s.readyMs / 1000, 2)} s  RSS idle ${fmt(s.idleMb)} MB  after ${s.completed}/${N} validations (${fmt(s.seconds)} s) ${fmt(s.afterMb)} MB  peak ${fmt(s.peakMb)} MB\n`,
      );
    }
  }
  const mean = (code: PayvalCode, f: (s: Sample) => number) => {
    const xs = samples.filter((s) => s.code === code).map(f);
    return xs.reduce((a, b) => a + b, 0) / xs.length;
  };
  process.stdout.write('\n  mean            tsx sources   compiled   compiled / tsx\n');
  for (const [label, f] of [
    ['ready (s)', (s: Sample) => s.readyMs / 1000],
    ['RSS idle (MB)', (s: Sample) => s.idleMb],
    ['RSS after (MB)', (s: Sample) => s.afterMb],
    ['peak RSS (MB)', (s: Sample) => s.peakMb],
  ] as const) {
    const a = mean('sources', f);
    const b = mean('build', f);
    process.stdout.write(`  ${label.padEnd(15)} ${fmt(a, 2).padStart(11)} ${fmt(b, 2).padStart(10)}   ${fmt(b / a, 2).padStart(14)}\n`);
  }
  if (samples.some((s) => s.completed < N)) process.stdout.write('\n  note: some validations were not completed within wait=5 (busy machine?); memory figures still stand\n');
}

main()
  .then(cleanup, async (err: unknown) => {
    process.stderr.write(`rss-compare: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    await cleanup();
    process.exitCode = 1;
  });
