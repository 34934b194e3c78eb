// The retention sweep of `npm run bench:purge`, in its own process as in production (where it is a duty
// of the worker process that leads the sweepers), so that its work does not delay the benchmark's own
// load generator. Runs the real sweep once over every tenant, as the leader does (`run(() => false)`),
// with every statement and transaction traced; announces itself with READY just before it starts and
// ends with one RESULT line (see node-child.ts).
//   env: DATABASE_URL, RETENTION_DAYS, PAGE_SIZE, PAUSE_MS, SCAN_MS, ALTERNATE_S (optional)
import { createDb } from '../../src/platform/db.js';
import { createLogger } from '../../src/platform/logger.js';
import { createRetentionSweep } from '../../src/privacy/retention-sweep.js';
import { traceQueries } from './query-trace.js';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`purge-child: ${name} is required`);
  return v;
};

const db = createDb(env('DATABASE_URL'), 2);
const trace = traceQueries(db);
const purged: Record<string, number> = {};
/** When each page of validations was purged (epoch ms) and how many rows it purged. */
const progress: Array<{ at: number; n: number }> = [];
const sweep = createRetentionSweep({
  db,
  logger: createLogger('warn', { write: () => undefined }),
  defaultDays: Number(env('RETENTION_DAYS')),
  pageSize: Number(env('PAGE_SIZE')),
  pauseMs: Number(env('PAUSE_MS')),
  scanEveryMs: Number(env('SCAN_MS')),
  failUnfinished: async (ids) => {
    throw new Error(`the seed left ${ids.length} unfinished validations past retention`);
  },
  onPurged: (table, n) => {
    purged[table] = (purged[table] ?? 0) + n;
    if (table === 'validations') progress.push({ at: Date.now(), n });
  },
});
await db.raw('SELECT 1');
const startedAt = Date.now();
process.stdout.write(`READY ${JSON.stringify({ startedAt })}\n`);
const cpu0 = process.cpuUsage();
// ALTERNATE_S > 0: purge for that long, rest as long, and so on (the rests are the comparison
// interleaved with the purge, exposed to the same load from elsewhere); each burst stops between pages.
const alternateMs = Number(process.env.ALTERNATE_S ?? 0) * 1000;
const bursts: Array<{ from: number; to: number }> = [];
for (;;) {
  const from = Date.now();
  await sweep.run(() => alternateMs > 0 && Date.now() - from >= alternateMs);
  bursts.push({ from, to: Date.now() });
  if (!alternateMs || Date.now() - from < alternateMs) break;
  await new Promise((r) => setTimeout(r, alternateMs));
}
const endedAt = Date.now();
const cpu = process.cpuUsage(cpu0);
trace.stop();
process.stdout.write(`RESULT ${JSON.stringify({ startedAt, endedAt, bursts, purged, progress, trace: trace.report(), cpuSeconds: (cpu.user + cpu.system) / 1e6 })}\n`);
await db.destroy();
