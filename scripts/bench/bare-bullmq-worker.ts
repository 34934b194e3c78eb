// The bare baseline of `npm run bench:pipeline`: a BullMQ worker whose processor does nothing, with
// payval's validation-worker options (lock, stall, retention), in its own process. It prints READY once
// connected and, when told to stop (SIGTERM), RESULT with the time of every job it completed.
//   env: REDIS_URL, QUEUE_PREFIX, QUEUE_NAME, CONCURRENCY
import { readFileSync } from 'node:fs';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';

const env = (k: string): string => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is required`);
  return v;
};
const connection = new Redis(env('REDIS_URL'), { maxRetriesPerRequest: null });
const completions: number[] = [];
const worker = new Worker(env('QUEUE_NAME'), async () => undefined, {
  connection,
  prefix: env('QUEUE_PREFIX'),
  concurrency: Number(env('CONCURRENCY')),
  lockDuration: 30_000,
  stalledInterval: 30_000,
  maxStalledCount: 1,
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 50_000 },
});
worker.on('completed', () => void completions.push(Date.now()));
worker.on('error', (err) => process.stderr.write(`bare worker error: ${err.message}\n`));

await worker.waitUntilReady();
const cpuAtReady = process.cpuUsage();
process.stdout.write(`READY ${JSON.stringify({ pid: process.pid })}\n`);
process.once('SIGTERM', () => {
  void worker.close().finally(() => {
    const cpu = process.cpuUsage(cpuAtReady);
    const hwm = Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) / 1024;
    process.stdout.write(`RESULT ${JSON.stringify({ completions, vm_hwm_mb: hwm, cpu_s: (cpu.user + cpu.system) / 1e6 })}\n`, () => {
      connection.disconnect();
      process.exit(0);
    });
  });
});
