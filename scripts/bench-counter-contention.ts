// Counter contention benchmark (docs/decisions/0023): the claim + finalise transactions of ONE batch's
// validations, spread over P client processes with C transactions in flight in all, with the batch's
// counts on one row (the old way, on a scratch row with the same UPDATE) vs on the validation's counter
// shard (the real moveShardRows). Alternating rounds; no partner, no Redis: only what MySQL serialises.
//
//   node --import tsx scripts/bench-counter-contention.ts [--concurrency C] [--validations N] [--processes P]
//                                                         [--hold-ms H] [--rounds R]
// --hold-ms: how long a transaction keeps its counter row locked after the UPDATE, on top of this
// machine's local commit — a network round trip to a remote database, a slower disk's fsync. With 0 a
// 2-core machine is CPU-bound either way.
// Env: BENCH_MYSQL_URL (mysql://root@127.0.0.1:3306). Self-cleaning: its database goes away.
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createDb, dropDatabase, ensureDatabase, migrateLatest, type Db, type Trx } from '../src/platform/db.js';
import { activateBatch, addIngestCounts, insertBatch } from '../src/batches/batch-store.js';
import { moveShardRows } from '../src/batches/batch-counter-store.js';
import { rowsPerShard, shardOf } from '../src/batches/counter-shard.js';
import { newId } from '../src/platform/ids.js';
import { createFieldCipher } from '../src/platform/field-cipher.js';

type Mode = 'one-row' | 'shards';
type Bucket = 'queued' | 'processing' | 'completed';

/** One client process: claims and finalises its share of the batch's validations, `concurrency` at a time. */
async function work(db: Db, mode: Mode, batchId: string, ids: string[], concurrency: number, holdMs: number): Promise<void> {
  const move = async (trx: Trx, id: string, from: Bucket, to: Bucket) => {
    await trx('validations').where({ id }).forUpdate().first('id');
    await trx('validations').where({ id }).update({ status: to, updated_at: new Date() });
    if (mode === 'shards') await moveShardRows(trx, batchId, shardOf(id), from, to, 1, new Date());
    else await trx('one_row').where({ id: 1 }).update({ [from]: trx.raw('?? - 1', [from]), [to]: trx.raw('?? + 1', [to]) });
    if (holdMs > 0) await new Promise((r) => setTimeout(r, holdMs));
  };
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < ids.length) {
        const id = ids[next++]!;
        await db.transaction((trx) => move(trx, id, 'queued', 'processing'));
        await db.transaction((trx) => move(trx, id, 'processing', 'completed'));
      }
    }),
  );
}

async function child(): Promise<void> {
  const [url, mode, batchId, offset, procs, concurrency, holdMs] = process.argv.slice(3) as [string, Mode, string, string, string, string, string];
  const db = createDb(url, Number(concurrency) + 1);
  const ids: string[] = await db('validations').where({ batch_id: batchId }).orderBy('id').pluck('id');
  process.stdout.write('ready\n');
  await new Promise((r) => process.stdin.once('data', r));
  process.stdin.pause(); // or the open pipe keeps this process alive once its work is done
  await work(db, mode, batchId, ids.filter((_, i) => i % Number(procs) === Number(offset)), Number(concurrency), Number(holdMs));
  await db.destroy();
}

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: { concurrency: { type: 'string' }, validations: { type: 'string' }, processes: { type: 'string' }, 'hold-ms': { type: 'string' }, rounds: { type: 'string' } },
  });
  const C = Number(args.concurrency ?? 32);
  const N = Number(args.validations ?? 2000);
  const P = Number(args.processes ?? 1);
  const holdMs = Number(args['hold-ms'] ?? 0);
  const rounds = Number(args.rounds ?? 3);
  if (![C, N, P, rounds].every((n) => Number.isInteger(n) && n > 0) || !(holdMs >= 0)) {
    process.stderr.write('bench-counter-contention: --concurrency, --validations, --processes and --rounds must be positive integers, --hold-ms ≥ 0\n');
    process.exit(64);
  }
  const url = `${(process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306').replace(/\/+$/, '')}/payval_bench_ctr_${randomBytes(4).toString('hex')}`;
  await ensureDatabase(url);
  const db = createDb(url, 4);
  try {
    await migrateLatest(db);
    await db('tenants').insert({ id: 'ten_bench', name: 'bench', status: 'active', created_at: new Date() });
    await db.raw('CREATE TABLE one_row (id INT PRIMARY KEY, queued INT UNSIGNED, processing INT UNSIGNED, completed INT UNSIGNED)');

    const makeBatch = async (): Promise<string> => {
      const batchId = newId('bat');
      // No metadata: the cipher seals nothing here, so a throwaway key does.
      await insertBatch(db, createFieldCipher({ keys: { bench: randomBytes(32) }, activeKeyId: 'bench' }), { id: batchId, tenantId: 'ten_bench', livemode: false, source: 'csv', referenceId: null, metadata: null });
      const ids = Array.from({ length: N }, () => newId('val'));
      const now = new Date();
      for (let i = 0; i < N; i += 500) {
        await db('validations').insert(
          ids.slice(i, i + 500).map((id) => ({ id, tenant_id: 'ten_bench', type: 'vpa', rail: 'UPI', status: 'queued', vpa: 'bench@okaxis', account_blind_index: id.padEnd(64, '0'), attempts: 0, batch_id: batchId, batch_row_count: 1, created_at: now, updated_at: now })),
        );
      }
      const acceptedPerShard = rowsPerShard(ids.map((validationId) => ({ validationId, rows: 1 })));
      await db.transaction((trx) => addIngestCounts(trx, batchId, { total: N, skipped: 0, rejected: 0, accepted: N, unique: N, acceptedPerShard }));
      await activateBatch(db, batchId);
      await db('one_row').delete();
      await db('one_row').insert({ id: 1, queued: N, processing: 0, completed: 0 });
      return batchId;
    };

    const run = async (mode: Mode): Promise<number> => {
      const batchId = await makeBatch();
      const perProcess = String(Math.ceil(C / P));
      const children = Array.from({ length: P }, (_, i) =>
        spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'child', url, mode, batchId, String(i), String(P), perProcess, String(holdMs)], { stdio: ['pipe', 'pipe', 'inherit'] }),
      );
      const exits = children.map((c) => new Promise<number | null>((r) => c.once('exit', r)));
      await Promise.all(children.map((c) => new Promise((r) => c.stdout!.once('data', r))));
      const started = performance.now();
      for (const c of children) c.stdin!.write('go\n');
      const codes = await Promise.all(exits);
      const seconds = (performance.now() - started) / 1000;
      if (codes.some((code) => code !== 0)) throw new Error(`a client process failed: exit codes ${codes.join(', ')}`);
      const done = Number((await db('validations').where({ batch_id: batchId, status: 'completed' }).count({ n: '*' }))[0]!.n);
      if (done !== N) throw new Error(`only ${done} of ${N} validations completed`);
      return (2 * N) / seconds;
    };

    process.stdout.write(`counter contention: ${N} validations of one batch, ${P} process(es), ${C} transactions in flight, ${holdMs} ms extra hold, ${os.cpus().length} CPUs\n`);
    const rates: Record<Mode, number[]> = { 'one-row': [], shards: [] };
    for (let round = 1; round <= rounds; round++) {
      for (const mode of ['one-row', 'shards'] as const) {
        const rate = await run(mode);
        rates[mode].push(rate);
        process.stdout.write(`  round ${round} ${mode.padEnd(8)} ${Math.round(rate)} transactions/s (${Math.round(rate / 2)} validations/s), load ${os.loadavg()[0]!.toFixed(1)}\n`);
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    process.stdout.write(`median: one row ${Math.round(median(rates['one-row']))} tx/s, shards ${Math.round(median(rates.shards))} tx/s, ratio ${(median(rates.shards) / median(rates['one-row'])).toFixed(2)}\n`);
  } finally {
    await db.destroy();
    await dropDatabase(url);
  }
}

if (process.argv[2] === 'child') await child();
else await main();
