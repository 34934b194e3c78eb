// Name-matcher micro-benchmark (npm run bench:name-match): matches per second over the labelled set,
// per-call latency, against a bare upper-case-and-compare baseline timed in the same run, then the
// labelled-set accuracy table the README quotes. With --against REF, the matcher as it was at that git
// commit is timed in the same run on the same pairs (its accuracy on today's labels is printed too).
//
//   node --import tsx scripts/bench-name-match.ts [--seconds 3] [--against 101c611]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { evaluateNameMatcher, formatNameMatcherEvaluation, type NameMatcherFn } from '../src/name-match/name-match-metrics.js';
import { matchPayeeNames } from '../src/name-match/name-matcher.js';
import { loadLabelledPairs } from '../test/helpers/name-match-pairs.js';

const { values: args } = parseArgs({ options: { seconds: { type: 'string' }, against: { type: 'string' } } });
const SECONDS = Number(args.seconds ?? 3);
if (!(SECONDS > 0)) {
  process.stderr.write('bench-name-match: --seconds must be a positive number\n');
  process.exit(64);
}

/** The matcher from another commit: src/name-match extracted to a temporary folder and imported. */
async function matcherAt(ref: string): Promise<NameMatcherFn> {
  if (!/^[\w./-]{1,100}$/.test(ref)) throw new Error(`bench-name-match: not a git ref: ${ref}`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'payval-name-match-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const root = new URL('..', import.meta.url).pathname;
  const tar = execFileSync('git', ['-C', root, 'archive', ref, 'src/name-match'], { maxBuffer: 64 << 20 });
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
  const mod = (await import(pathToFileURL(path.join(dir, 'src/name-match/name-matcher.ts')).href)) as { matchPayeeNames: NameMatcherFn };
  return mod.matchPayeeNames;
}

const pairs = loadLabelledPairs();
const previous = args.against ? await matcherAt(args.against) : null;
const left = pairs.map((p) => p.name_1);
const right = pairs.map((p) => p.name_2);
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const say = (label: string, value: string) => process.stdout.write(`  ${`${label} `.padEnd(34, '.')} ${value}\n`);

// Something to consume every result, so the JIT cannot drop the work.
let sink = 0;
const runMatcher = (i: number) => {
  sink += matchPayeeNames(left[i]!, right[i]!).score;
};
const runPrevious = (i: number) => {
  sink += previous!(left[i]!, right[i]!).score;
};
const runBaseline = (i: number) => {
  if (left[i]!.toUpperCase().trim() === right[i]!.toUpperCase().trim()) sink++;
};

/** Whole passes over the set until the time is up; returns calls per second. */
function rate(fn: (i: number) => void, seconds: number): number {
  const deadline = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  const start = process.hrtime.bigint();
  let calls = 0;
  let now = start;
  do {
    for (let i = 0; i < pairs.length; i++) fn(i);
    calls += pairs.length;
    now = process.hrtime.bigint();
  } while (now < deadline);
  return calls / (Number(now - start) / 1e9);
}

/** Each call timed on its own, for the distribution; slower overall than `rate` because of the clock reads. */
function latenciesMicros(fn: (i: number) => void, seconds: number): Float64Array {
  const samples: number[] = [];
  const deadline = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  while (process.hrtime.bigint() < deadline) {
    for (let i = 0; i < pairs.length; i++) {
      const t0 = process.hrtime.bigint();
      fn(i);
      samples.push(Number(process.hrtime.bigint() - t0) / 1e3);
    }
  }
  return Float64Array.from(samples).sort();
}
const quantile = (sorted: Float64Array, q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

process.stdout.write(`name-match micro-benchmark: ${pairs.length} labelled pairs, ${SECONDS} s per measurement\n`);
process.stdout.write(`  node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown cpu'} × ${os.cpus().length}\n\n`);

// Warm-up: let the JIT settle on both code paths before anything is timed.
rate(runMatcher, Math.min(1, SECONDS / 2));
rate(runBaseline, Math.min(0.5, SECONDS / 4));
if (previous) rate(runPrevious, Math.min(1, SECONDS / 2));

// Interleaved rounds, so a noisy neighbour slows each side alike; the ratio to the previous matcher is
// the median of the rounds' ratios, which one slow round cannot move.
const ROUNDS = 6;
let matcherRate = 0;
let baselineRate = 0;
let previousRate = 0;
const roundRatios: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const now = rate(runMatcher, SECONDS / ROUNDS);
  matcherRate += now / ROUNDS;
  baselineRate += rate(runBaseline, SECONDS / ROUNDS) / ROUNDS;
  if (previous) {
    const before = rate(runPrevious, SECONDS / ROUNDS);
    previousRate += before / ROUNDS;
    roundRatios.push(before / now);
  }
}
const medianRatio = [...roundRatios].sort((x, y) => x - y)[Math.floor(roundRatios.length / 2)] ?? 0;
const lat = latenciesMicros(runMatcher, Math.min(2, SECONDS));

process.stdout.write('throughput\n');
say('matchPayeeNames', `${fmt(matcherRate)} matches/s`);
say('baseline (upper+trim ===)', `${fmt(baselineRate)} compares/s`);
say('matcher / baseline', `${fmt(matcherRate / baselineRate, 4)} (${fmt(baselineRate / matcherRate, 0)}× slower)`);
if (previous) {
  say(`matcher at ${args.against}`, `${fmt(previousRate)} matches/s`);
  say(`at ${args.against} / baseline`, `${fmt(previousRate / baselineRate, 4)} (${fmt(baselineRate / previousRate, 0)}× slower)`);
  say(`time per match, now / ${args.against}`, `${fmt(medianRatio, 2)}× (median of ${ROUNDS} rounds; ${fmt(Math.min(...roundRatios), 2)}–${fmt(Math.max(...roundRatios), 2)})`);
}
process.stdout.write('\nlatency per match (timed one by one)\n');
say('p50', `${fmt(quantile(lat, 0.5), 2)} µs`);
say('p99', `${fmt(quantile(lat, 0.99), 2)} µs`);
say('max', `${fmt(lat[lat.length - 1]!, 1)} µs`);
say('samples', fmt(lat.length));

process.stdout.write('\nlabelled set (default thresholds)\n');
process.stdout.write(`${formatNameMatcherEvaluation(evaluateNameMatcher(pairs)).replace(/^/gm, '  ')}\n`);
if (previous) {
  process.stdout.write(`\nthe matcher at ${args.against}, on the same labels\n`);
  process.stdout.write(`${formatNameMatcherEvaluation(evaluateNameMatcher(pairs, previous)).replace(/^/gm, '  ')}\n`);
}
if (sink === -1) process.stdout.write('\n'); // keeps `sink` observable
