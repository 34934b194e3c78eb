// Name-matcher micro-benchmark (npm run bench:name-match): matches per second over the labelled set,
// per-call latency, against a bare upper-case-and-compare baseline timed in the same run, then the
// labelled-set accuracy table the README quotes. No I/O beyond reading the fixture.
//
//   node --import tsx scripts/bench-name-match.ts [--seconds 3]
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { evaluateNameMatcher, formatNameMatcherEvaluation, type LabelledNamePair } from '../src/name-match/name-match-metrics.js';
import { matchPayeeNames } from '../src/name-match/name-matcher.js';

const { values: args } = parseArgs({ options: { seconds: { type: 'string' } } });
const SECONDS = Number(args.seconds ?? 3);
if (!(SECONDS > 0)) {
  process.stderr.write('bench-name-match: --seconds must be a positive number\n');
  process.exit(64);
}

const pairs = JSON.parse(readFileSync(new URL('../test/fixtures/name-match/labelled-pairs.json', import.meta.url), 'utf8')) as LabelledNamePair[];
const left = pairs.map((p) => p.name_1);
const right = pairs.map((p) => p.name_2);
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const say = (label: string, value: string) => process.stdout.write(`  ${`${label} `.padEnd(34, '.')} ${value}\n`);

// Something to consume every result, so the JIT cannot drop the work.
let sink = 0;
const runMatcher = (i: number) => {
  sink += matchPayeeNames(left[i]!, right[i]!).score;
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

const matcherRate = rate(runMatcher, SECONDS);
const baselineRate = rate(runBaseline, SECONDS);
const lat = latenciesMicros(runMatcher, Math.min(2, SECONDS));

process.stdout.write('throughput\n');
say('matchPayeeNames', `${fmt(matcherRate)} matches/s`);
say('baseline (upper+trim ===)', `${fmt(baselineRate)} compares/s`);
say('matcher / baseline', `${fmt(matcherRate / baselineRate, 4)} (${fmt(baselineRate / matcherRate, 0)}× slower)`);
process.stdout.write('\nlatency per match (timed one by one)\n');
say('p50', `${fmt(quantile(lat, 0.5), 2)} µs`);
say('p99', `${fmt(quantile(lat, 0.99), 2)} µs`);
say('max', `${fmt(lat[lat.length - 1]!, 1)} µs`);
say('samples', fmt(lat.length));

process.stdout.write('\nlabelled set (default thresholds)\n');
process.stdout.write(`${formatNameMatcherEvaluation(evaluateNameMatcher(pairs)).replace(/^/gm, '  ')}\n`);
if (sink === -1) process.stdout.write('\n'); // keeps `sink` observable
