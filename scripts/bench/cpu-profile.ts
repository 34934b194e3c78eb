// Profiles a benchmark's child process over one phase only (cpu-profiler.mjs does the profiling).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatSummary, summariseProfile, type CpuProfile } from './cpuprofile-summary.js';

const PRELOAD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'cpu-profiler.mjs');

/** Env for a child that may be profiled later: writes to `file` when told to (`start` / `stop`). */
export function profilerEnv(file: string): Record<string, string> {
  return { BENCH_CPU_PROFILE: file, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${PRELOAD}`.trim() };
}

export function startProfiling(pid: number): void {
  process.kill(pid, 'SIGUSR2');
}

/** Stops the profiler in `pid`, waits for its file, and returns the formatted summary. */
export async function stopProfiling(pid: number, file: string, title: string, top = 30): Promise<string> {
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + 60_000;
  while (!existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`no CPU profile written to ${file}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return formatSummary(summariseProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, { top }), title);
}
