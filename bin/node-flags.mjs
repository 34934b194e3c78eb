#!/usr/bin/env node
// The V8 heap flags payval runs with (`npm start`, the Docker image), from the same environment the
// process will read: `node $(node bin/node-flags.mjs) dist/src/cli/payval.js serve`.
//
// The young generation is 32 MB: a worker keeps many objects alive across a scavenge, and a smaller
// one costs about 20 % more CPU per validation (README "Memory"). The old generation is capped so a
// process cannot grow without bound, at a size that follows what it runs: an API process (uploads
// included) gets 192 MB — with 128 MB it used 60–90 MB under load and spent 23 % of its CPU in GC,
// 11 % with more room (decision 0025); a worker needs about 64 KB per job in flight on top of a 64 MB
// base (measured: 124 MB of heap in use with 2,500 jobs in flight), so WORKER_CONCURRENCY sets its cap.
import { pathToFileURL } from 'node:url';

/** Must equal WORKER_CONCURRENCY's default in src/config-env.ts (a unit test checks it). */
export const DEFAULT_WORKER_CONCURRENCY = 200;
export const BASE_HEAP_MB = 192;
export const HEAP_PER_JOB_KB = 64;

export function oldSpaceMb(env) {
  const role = env.ROLE || 'all';
  if (role === 'api') return BASE_HEAP_MB;
  const parsed = Number(env.WORKER_CONCURRENCY);
  // An invalid value is refused by the configuration with a clear message; size for the default meanwhile.
  const concurrency = Number.isInteger(parsed) && parsed > 0 ? Math.min(parsed, 5000) : DEFAULT_WORKER_CONCURRENCY;
  return Math.max(BASE_HEAP_MB, 64 + Math.ceil((concurrency * HEAP_PER_JOB_KB) / 1024));
}

export function nodeFlags(env = process.env) {
  return [`--max-old-space-size=${oldSpaceMb(env)}`, '--max-semi-space-size=32'];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.stdout.write(`${nodeFlags().join(' ')}\n`);
