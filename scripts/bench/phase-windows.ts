// Latency per phase and per fixed window inside each phase, for benchmarks whose load runs across
// phases (before / during / after some background work). A request belongs to the phase and window in
// which it was due to be sent, so a stall is charged to the moment it started.
import { quantile } from './bench-run.js';
import type { OpenLoopSample } from './http-load.js';

export interface Phase { name: string; from: number; to: number }
/** `lagP99`: how late this process sent its requests (its own event loop busy), included in the latencies. */
export interface LatencyStats { n: number; failed: number; p50: number; p99: number; max: number; lagP99: number }
/** `from`/`to` as the samples' clock; `fromS`/`toS` from the phase's start. */
export interface Window { phase: string; from: number; to: number; fromS: number; toS: number; stats: Record<string, LatencyStats> }

export function latencyStats(samples: readonly OpenLoopSample[]): LatencyStats {
  const ms = samples.filter((s) => !s.error).map((s) => s.ms);
  return { n: samples.length, failed: samples.filter((s) => !s.ok).length, p50: quantile(ms, 0.5), p99: quantile(ms, 0.99), max: quantile(ms, 1), lagP99: quantile(samples.map((s) => s.lag), 0.99) };
}

const inRange = (samples: readonly OpenLoopSample[], from: number, to: number) => samples.filter((s) => s.at >= from && s.at < to);

/** Each series' figures over each whole phase. */
export function perPhase(series: Record<string, readonly OpenLoopSample[]>, phases: readonly Phase[]): Array<{ phase: Phase; stats: Record<string, LatencyStats> }> {
  return phases.map((phase) => ({
    phase,
    stats: Object.fromEntries(Object.entries(series).map(([name, s]) => [name, latencyStats(inRange(s, phase.from, phase.to))])),
  }));
}

/** Windows of `windowMs` from each phase's start; a remainder under half a window joins the window before it. */
export function perWindow(series: Record<string, readonly OpenLoopSample[]>, phases: readonly Phase[], windowMs: number): Window[] {
  const out: Window[] = [];
  for (const phase of phases) {
    for (let from = phase.from; from < phase.to; from += windowMs) {
      const to = phase.to - (from + windowMs) < windowMs / 2 ? phase.to : from + windowMs;
      out.push({
        phase: phase.name,
        from,
        to,
        fromS: (from - phase.from) / 1000,
        toS: (to - phase.from) / 1000,
        stats: Object.fromEntries(Object.entries(series).map(([name, s]) => [name, latencyStats(inRange(s, from, to))])),
      });
      if (to === phase.to) break;
    }
  }
  return out;
}

/**
 * Each series' figures over `phase`, split by whether a request was due inside one of `intervals`
 * (the purge's bursts) or outside all of them (its rests): two samples interleaved in time.
 */
export function splitByIntervals(series: Record<string, readonly OpenLoopSample[]>, phase: Phase, intervals: ReadonlyArray<{ from: number; to: number }>): { inside: Record<string, LatencyStats>; outside: Record<string, LatencyStats> } {
  const isInside = (s: OpenLoopSample) => intervals.some((i) => s.at >= i.from && s.at < i.to);
  const part = (want: boolean) => Object.fromEntries(Object.entries(series).map(([name, all]) => [name, latencyStats(inRange(all, phase.from, phase.to).filter((s) => isInside(s) === want))]));
  return { inside: part(true), outside: part(false) };
}
