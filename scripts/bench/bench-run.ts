// What every benchmark script shares: its own database and queue prefix (so runs never meet), one
// cleanup that runs once (on success, failure or a signal), the printing style and the JSON report.
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dropDatabase } from '../../src/platform/db.js';
import type { PayvalProcess } from './payval-process.js';
import { deleteRedisKeys } from './redis-keys.js';

export const fmt = (n: number, digits = 0): string =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a';

export interface BenchRun {
  name: string;
  runId: string;
  mysqlBase: string;
  redisUrl: string;
  /** `${mysqlBase}/payval_<tag>_<runId>`, dropped at cleanup. */
  dbUrl: string;
  queuePrefix: string;
  figures: Record<string, unknown>;
  children: PayvalProcess[];
  say(label: string, value: string): void;
  step(title: string): void;
  /** Runs at cleanup, newest first, before the databases and Redis keys go. */
  onCleanup(fn: () => Promise<unknown> | unknown): void;
  /** Another database / prefix this run owns (dropped / deleted at cleanup). */
  ownDatabase(url: string): void;
  ownPrefix(redisUrl: string, prefix: string): void;
  cleanup(): Promise<void>;
  writeReport(file: string | undefined): Promise<void>;
  /** Runs `main`, prints the children's output on failure, always cleans up, sets the exit code. */
  run(main: () => Promise<boolean>): void;
}

export function createBenchRun(name: string, tag: string, opts: { mysqlBase?: string; redisUrl?: string } = {}): BenchRun {
  const runId = randomBytes(4).toString('hex');
  const mysqlBase = (opts.mysqlBase ?? process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306').replace(/\/+$/, '');
  const redisUrl = opts.redisUrl ?? process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const dbUrl = `${mysqlBase}/payval_${tag}_${runId}`;
  const queuePrefix = `${tag}${runId}`;
  const databases = [dbUrl];
  const prefixes: Array<[string, string]> = [[redisUrl, queuePrefix]];
  const hooks: Array<() => Promise<unknown> | unknown> = [];
  const children: PayvalProcess[] = [];
  let interrupted = false;
  let cleaning: Promise<void> | null = null;

  const cleanup = (): Promise<void> => {
    cleaning ??= (async () => {
      await Promise.all(children.map((c) => c.stop(interrupted ? 5000 : 15_000).catch(() => undefined)));
      for (const fn of [...hooks].reverse()) await Promise.resolve().then(fn).catch(() => undefined);
      for (const url of databases) await dropDatabase(url).catch(() => undefined);
      for (const [url, prefix] of prefixes) {
        await deleteRedisKeys(url, prefix).catch((err: unknown) => process.stderr.write(`${name}: Redis cleanup failed: ${String(err)}\n`));
      }
    })();
    return cleaning;
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      interrupted = true;
      process.stderr.write(`\n${name}: ${signal}, cleaning up…\n`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  const figures: Record<string, unknown> = { run_id: runId, node: process.version, cpus: os.cpus().length, load_average_at_start: os.loadavg() };

  return {
    name, runId, mysqlBase, redisUrl, dbUrl, queuePrefix, figures, children,
    say: (label, value) => void (!interrupted && process.stdout.write(`  ${`${label} `.padEnd(44, '.')} ${value}\n`)),
    step: (title) => void (!interrupted && process.stdout.write(`\n${title}\n`)),
    onCleanup: (fn) => void hooks.push(fn),
    ownDatabase: (url) => void databases.push(url),
    ownPrefix: (url, prefix) => void prefixes.push([url, prefix]),
    cleanup,
    async writeReport(file) {
      if (!file) return;
      await writeFile(file, `${JSON.stringify(figures, null, 2)}\n`);
      process.stdout.write(`report written to ${file}\n`);
    },
    run(main) {
      main()
        .then(async (ok) => {
          await cleanup();
          process.exitCode = ok ? 0 : 1;
        })
        .catch(async (err: unknown) => {
          if (cleaning) return; // interrupted: the signal handler is cleaning up and will exit
          // knex puts the whole failed statement in the message; a long INSERT is not worth printing.
          process.stderr.write(`\n${name} failed: ${(err instanceof Error ? (err.stack ?? err.message) : String(err)).slice(0, 2000)}\n`);
          for (const c of children) if (c.output().trim()) process.stderr.write(`--- payval ${c.role} ${c.pid} output (tail) ---\n${c.output().slice(-3000)}\n`);
          await cleanup();
          process.exitCode = 1;
        });
    },
  };
}

/** `--env KEY=VALUE` (repeatable) on top of a benchmark's own settings: for trying a knob without editing. */
export function envOverrides(pairs: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs ?? []) {
    const i = p.indexOf('=');
    if (i <= 0) throw new Error(`--env expects KEY=VALUE, got "${p}"`);
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return out;
}

/** Sorted-copy quantile (nearest rank); NaN for no samples. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export const median = (values: readonly number[]): number => {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export interface Check { name: string; value: string; ok: boolean }

/** Prints the checks and returns whether all passed. */
export function printChecks(run: BenchRun, checks: Check[]): boolean {
  for (const c of checks) run.say(c.name, `${c.value}  ${c.ok ? 'PASS' : 'MISS'}`);
  const missed = checks.filter((c) => !c.ok).map((c) => c.name);
  process.stdout.write(missed.length ? `\nMISSED: ${missed.join('; ')}\n` : '\nall targets met\n');
  run.figures.checks = checks;
  return missed.length === 0;
}
