// What `npm run bench:purge` prints: latency per window and per phase (with ratios to the baseline
// phase), InnoDB's row-lock figures per phase, and the purge's own rate, transactions and statements.
import { fmt } from './bench-run.js';
import type { LatencyStats, Phase, Window } from './phase-windows.js';
import type { TraceReport } from './query-trace.js';
import type { rowLockStatus } from './server-counters.js';

const out = (line: string) => process.stdout.write(`${line}\n`);
const cell = (s: LatencyStats | undefined) => (s ? `${String(s.n).padStart(5)} ${fmt(s.p50, 1).padStart(6)} ${fmt(s.p99, 1).padStart(6)} ${fmt(s.max, 1).padStart(7)}${s.failed ? ` ✗${s.failed}` : ''}` : '');

export function printWindows(windows: readonly Window[], progress: ReadonlyArray<{ at: number; n: number }>): void {
  const names = Object.keys(windows[0]?.stats ?? {});
  out(`  ${'phase'.padEnd(9)} ${'window (s)'.padEnd(11)} ${names.map((n) => `${n.padEnd(5)}     n    p50    p99     max`).join('   ')}   purged validations`);
  for (const w of windows) {
    const purged = progress.filter((p) => p.at >= w.from && p.at < w.to).reduce((a, p) => a + p.n, 0);
    out(`  ${w.phase.padEnd(9)} ${`${fmt(w.fromS)}–${fmt(w.toS)}`.padEnd(11)} ${names.map((n) => `${' '.repeat(5)}${cell(w.stats[n])}`).join('   ')}   ${purged ? fmt(purged).padStart(9) : ''}`);
  }
}

export interface PurgeFigures { purged: Record<string, number>; purgeMs: number; traced: TraceReport; pageSize: number; pauseMs: number; cpuSeconds: number }

export function printPurge(f: PurgeFigures, say: (label: string, value: string) => void): void {
  const v = f.purged.validations ?? 0;
  const t = f.traced.transactions;
  say('purged', Object.entries(f.purged).map(([k, n]) => `${k} ${fmt(n)}`).join(', '));
  say('purge time, rate', `${fmt(f.purgeMs / 1000, 1)} s, ${fmt(v / (f.purgeMs / 1000))} validations/s`);
  say('transactions (pages + batch steps)', `${fmt(t.n)}: p50 ${fmt(t.p50, 1)} / p99 ${fmt(t.p99, 1)} ms, longest ${fmt(t.maxMs, 1)} ms`);
  say('CPU of the purging process', `${fmt(f.cpuSeconds, 1)} s (${fmt(f.cpuSeconds / (f.purgeMs / 1000), 2)} cores)`);
  say('share of the purge inside a transaction', `${fmt((100 * t.totalMs) / f.purgeMs, 0)} % (the rest: reads of the next page and rests ≥ ${f.pauseMs} ms)`);
  out(`  statements, by total time (ms)                                       n      total     p50     p99     max`);
  for (const s of f.traced.statements.slice(0, 12)) {
    const shape = s.shape.length > 64 ? `${s.shape.slice(0, 63)}…` : s.shape;
    out(`    ${shape.padEnd(64)} ${String(s.n).padStart(7)} ${fmt(s.totalMs).padStart(10)} ${fmt(s.p50, 1).padStart(7)} ${fmt(s.p99, 1).padStart(7)} ${fmt(s.maxMs, 1).padStart(7)}`);
  }
}

type Locks = Awaited<ReturnType<typeof rowLockStatus>>;
/** `cores`: CPU cores busy per process group (payval, mysqld, bench) and for the whole machine. */
export interface PhaseLocks { phase: string; before: Locks; after: Locks; cores: Record<string, number> }

export function printPhases(byPhase: ReadonlyArray<{ phase: Phase; stats: Record<string, LatencyStats> }>, locks: readonly PhaseLocks[]): void {
  const base = byPhase[0]!.stats;
  const names = Object.keys(base);
  out(`  ${'phase'.padEnd(9)} ${'length'.padStart(8)}  ${names.map((n) => `${n} p50 / p99 ms (× baseline)`.padEnd(36)).join('')}failed  send lag p99  row-lock waits / time / max ms   CPU cores: payval / mysqld / bench / machine`);
  byPhase.forEach(({ phase, stats }, i) => {
    const l = locks[i]!;
    const lat = names.map((n) => {
      const s = stats[n]!;
      return `${fmt(s.p50, 1)} / ${fmt(s.p99, 1)} (${fmt(s.p50 / base[n]!.p50, 2)} / ${fmt(s.p99 / base[n]!.p99, 2)})`.padEnd(36);
    }).join('');
    const failed = names.reduce((a, n) => a + stats[n]!.failed, 0);
    const lag = Math.max(...names.map((n) => stats[n]!.lagP99));
    const lockCell = `+${fmt(l.after.waits - l.before.waits)} / +${fmt(l.after.timeMs - l.before.timeMs)} / ${fmt(l.before.timeMaxMs)}→${fmt(l.after.timeMaxMs)}`;
    out(`  ${phase.name.padEnd(9)} ${`${fmt((phase.to - phase.from) / 1000, 0)} s`.padStart(8)}  ${lat}${String(failed).padStart(6)}  ${`${fmt(lag, 1)} ms`.padStart(11)}  ${lockCell.padEnd(32)} ${['payval', 'mysqld', 'bench', 'machine'].map((k) => fmt(l.cores[k]!, 2)).join(' / ')}`);
  });
}
