// `bench:pipeline --mysql-counters`: MySQL status counters and Redis commands per validation, for the
// API's part (a single POST, a JSON batch row) and the workers' part (a single validation, a batch row),
// on a private MariaDB + Redis (see private-servers.ts) with the partner simulator at 0 ms.
import { createDb } from '../../src/platform/db.js';
import { startPartnerSimulator } from '../../src/partners/simulator/sim-server.js';
import { createSandboxSim } from '../../src/partners/simulator/providers/sandbox-sim.js';
import { fmt, type BenchRun } from './bench-run.js';
import { prepareDatabase } from './bench-db.js';
import { fireN } from './http-load.js';
import { payeeFactory } from './payees.js';
import { startPayval } from './payval-process.js';
import { runBarePhase, startWorkers, stopWorkers, uploadJsonBatches, waitBatchesFinal } from './pipeline-phases.js';
import { VALIDATION_QUEUE } from '../../src/platform/queues.js';
import { startPrivateServers } from './private-servers.js';
import { counterTable, createCounterProbe, perOperation, type Snapshot } from './server-counters.js';

export async function runPipelineCounters(run: BenchRun, opts: { n: number; workers: number; concurrency: number; env: Record<string, string> }): Promise<unknown> {
  const { n } = opts;
  run.step(`MySQL status counters and Redis commands per validation (${fmt(n)} singles, then a ${fmt(n)}-row JSON batch; ${opts.workers} worker(s) × ${opts.concurrency}; private MariaDB + Redis)`);
  const servers = await startPrivateServers();
  run.onCleanup(() => servers.stop());
  const sim = await startPartnerSimulator({ providers: [createSandboxSim()] });
  run.onCleanup(() => sim.close());
  const dbUrl = `${servers.mysqlBase}/payval_bench_pipe_counters`;
  const [tenant] = await prepareDatabase(dbUrl, ['bench counters']);
  const env: Record<string, string> = {
    DATABASE_URL: dbUrl, REDIS_URL: servers.redisUrl, QUEUE_PREFIX: run.queuePrefix, NODE_ENV: 'development', LOG_LEVEL: 'info',
    RATE_LIMIT_POINTS: '1000000', PARTNERS: 'sandbox', PARTNER_SANDBOX_BASE_URL: sim.provider('sandbox').baseUrl,
    WORKER_CONCURRENCY: String(opts.concurrency), ...opts.env,
  };
  const probe = createCounterProbe(servers.mysqlBase, servers.redisUrl);
  run.onCleanup(() => probe.close());
  const db = createDb(dbUrl, 2);
  run.onCleanup(() => db.destroy());
  const api = await startPayval('api', env);
  run.children.push(api);
  const payees = payeeFactory();

  // What the processes do when there is no work (BullMQ's blocking polls, the sweeper), per second.
  const idleWorkers = await startWorkers(opts.workers, env);
  await new Promise((r) => setTimeout(r, 2000));
  const idle0 = await probe.snapshot();
  await new Promise((r) => setTimeout(r, 5000));
  const idle = { from: idle0, to: await probe.snapshot() };
  await stopWorkers(idleWorkers);

  /** Starts the workers, waits until `done()`, and returns the snapshots around it (start-up included). */
  async function workersUntil(done: () => Promise<boolean>): Promise<[Snapshot, Snapshot]> {
    const before = await probe.snapshot();
    const workers = await startWorkers(opts.workers, env);
    run.children.push(...workers);
    const deadline = Date.now() + 600_000;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error('validations not final after 600 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    const after = await probe.snapshot();
    await stopWorkers(workers);
    return [before, after];
  }

  const s0 = await probe.snapshot();
  const posted = await fireN({ url: api.url, path: '/v1/validations', method: 'POST', headers: { authorization: `Bearer ${tenant!.apiKey}` }, body: () => JSON.stringify(payees.next()) }, n, 50);
  const s1 = await probe.snapshot();
  if (posted.failed) throw new Error(`${posted.failed} POSTs failed: ${posted.firstFailure}`);
  const unfinished = async () => Number(((await db('validations').whereNotIn('status', ['completed', 'failed']).count({ n: '*' })) as Array<{ n: string }>)[0]?.n ?? 1);
  const [w0, w1] = await workersUntil(async () => (await unfinished()) === 0);

  const b0 = await probe.snapshot();
  const batchIds = await uploadJsonBatches(api.url, tenant!.apiKey, payees.next, n);
  const b1 = await probe.snapshot();
  const [bw0, bw1] = await workersUntil(async () => {
    await waitBatchesFinal(db, batchIds, 0.001).catch(() => undefined);
    return (await unfinished()) === 0;
  });
  await api.stop();

  // The floor: the same number of jobs added in bulk and run by a bare no-op BullMQ worker.
  const q0 = await probe.snapshot();
  await runBarePhase(servers.redisUrl, `${run.queuePrefix}bare`, VALIDATION_QUEUE, n, opts.workers, opts.concurrency, 600);
  const q1 = await probe.snapshot();

  const columns = {
    'API: POST': perOperation(s0, s1, n, idle),
    'worker: single': perOperation(w0, w1, n, idle),
    'API: batch row': perOperation(b0, b1, n, idle),
    'worker: batch row': perOperation(bw0, bw1, n, idle),
    'bare BullMQ job': perOperation(q0, q1, n),
  };
  const pick = (k: 'mysql' | 'redis') => Object.fromEntries(Object.entries(columns).map(([name, c]) => [name, c[k]]));
  process.stdout.write(`MySQL (SHOW GLOBAL STATUS delta per validation; idle background subtracted; worker columns include worker start-up)\n${counterTable(pick('mysql'))}\n`);
  process.stdout.write(`Redis (INFO commandstats delta per validation)\n${counterTable(pick('redis'))}\n`);
  run.say('partner calls / charges', `${fmt(sim.totalCalls())} / ${fmt(sim.totalCharges())} for ${fmt(2 * n)} validations`);
  return { n, columns, partner_calls: sim.totalCalls(), partner_charges: sim.totalCharges() };
}
