// What `npm run bench:purge` prints: latency per window and per phase (with ratios to the baseline
// phase), InnoDB's row-lock figures per phase, and the purge's own rate, transactions and statements.
import { fmt } from './bench-run.js';
import type { LatencyStats, Phase, Window } from './phase-windows.js';
import type { TraceReport } from './query-trace.js';
import type { InnodbStatus } from './server-counters.js';

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

/** What the servers did over one phase: InnoDB counters at its start and end, the API's event-loop delay, CPU cores busy. */
export interface PhaseServer { phase: Phase; before: InnodbStatus; after: InnodbStatus; apiLag: { p99: number; max: number }; cores: Record<string, number> }

const latencyCells = (stats: Record<string, LatencyStats>, base: Record<string, LatencyStats>) =>
  Object.keys(base).map((n) => `${fmt(stats[n]!.p50, 1)} / ${fmt(stats[n]!.p99, 1)} (${fmt(stats[n]!.p50 / base[n]!.p50, 2)} / ${fmt(stats[n]!.p99 / base[n]!.p99, 2)})`.padEnd(34)).join('');

export function printPhases(byPhase: ReadonlyArray<{ phase: Phase; stats: Record<string, LatencyStats> }>, server: readonly PhaseServer[]): void {
  const base = byPhase[0]!.stats;
  const names = Object.keys(base);
  out(`  ${'phase'.padEnd(9)} ${'length'.padStart(7)}  ${names.map((n) => `${n} p50 / p99 ms (× baseline)`.padEnd(34)).join('')}failed  client send lag p99`);
  for (const { phase, stats } of byPhase) {
    const failed = names.reduce((a, n) => a + stats[n]!.failed, 0);
    out(`  ${phase.name.padEnd(9)} ${`${fmt((phase.to - phase.from) / 1000, 0)} s`.padStart(7)}  ${latencyCells(stats, base)}${String(failed).padStart(6)}  ${fmt(Math.max(...names.map((n) => stats[n]!.lagP99)), 1)} ms`);
  }
  out('');
  out(`  ${'phase'.padEnd(9)} row-lock waits / time / max ms  deadlocks  disk reads/s  pages flushed/s  fsyncs/s  API loop delay p99 / max  CPU cores payval / mysqld / bench / machine`);
  for (const x of server) {
    const d = (k: keyof InnodbStatus) => x.after[k] - x.before[k];
    const perS = (k: keyof InnodbStatus) => fmt(d(k) / ((x.phase.to - x.phase.from) / 1000), 0);
    const locks = `+${fmt(d('waits'))} / +${fmt(d('timeMs'))} / ${fmt(x.before.timeMaxMs)}→${fmt(x.after.timeMaxMs)}`;
    const cores = ['payval', 'mysqld', 'bench', 'machine'].map((k) => fmt(x.cores[k]!, 2)).join(' / ');
    out(`  ${x.phase.name.padEnd(9)} ${locks.padEnd(31)} ${`+${fmt(d('deadlocks'))}`.padStart(9)}  ${perS('diskReads').padStart(12)}  ${perS('pagesFlushed').padStart(15)}  ${perS('fsyncs').padStart(8)}  ${`${fmt(x.apiLag.p99, 1)} / ${fmt(x.apiLag.max, 1)} ms`.padStart(24)}  ${cores}`);
  }
}

export function printSplit(split: { inside: Record<string, LatencyStats>; outside: Record<string, LatencyStats> }, bursts: number, alternateS: number): void {
  out(`\n  the purge phase in ${bursts} turns of ${alternateS} s, requests due while the sweep worked against those due while it rested:`);
  for (const [label, stats] of [['sweep resting', split.outside], ['sweep working', split.inside]] as const) {
    out(`  ${label.padEnd(17)} ${Object.keys(stats).map((n) => `${n} n ${stats[n]!.n} p50 / p99 ${fmt(stats[n]!.p50, 1)} / ${fmt(stats[n]!.p99, 1)} ms (× resting ${fmt(stats[n]!.p99 / split.outside[n]!.p99, 2)})`).join('   ')}`);
  }
}
