import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DOWN_MODES,
  mergeFaults,
  NO_FAULTS,
  overrideName,
  parseLatency,
  sampleLatencyMs,
  type LatencyDist,
  type SimFaults,
} from '../../src/partners/simulator/sim-faults.js';

/** mulberry32: a small seeded PRNG, so the distribution checks are reproducible. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function quantile(sorted: readonly number[], q: number): number {
  const v = sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  assert.ok(v !== undefined);
  return v;
}

const within = (actual: number, expected: number, tolerance: number, what: string): void => {
  assert.ok(Math.abs(actual - expected) <= expected * tolerance, `${what}: ${actual} is not within ${tolerance * 100}% of ${expected}`);
};

const RATE_KEYS = ['errorRate', 'rateLimitRate', 'hangRate', 'resetRate', 'malformedRate', 'ambiguousRate'] as const;

describe('NO_FAULTS', () => {
  it('is a frozen, fault-free baseline', () => {
    assert.ok(Object.isFrozen(NO_FAULTS));
    for (const key of RATE_KEYS) assert.equal(NO_FAULTS[key], 0, key);
    assert.equal(NO_FAULTS.down, null);
    assert.deepEqual(NO_FAULTS.latency, { kind: 'fixed', ms: 0 });
  });
});

describe('mergeFaults', () => {
  const base: SimFaults = { ...NO_FAULTS };

  it('merges a partial update without touching the base', () => {
    const next = mergeFaults(base, { errorRate: 0.25, errorStatus: 502, down: 'hang', latency: 'uniform:5:10' });
    assert.equal(next.errorRate, 0.25);
    assert.equal(next.errorStatus, 502);
    assert.equal(next.down, 'hang');
    assert.deepEqual(next.latency, { kind: 'uniform', minMs: 5, maxMs: 10 });
    assert.equal(next.rateLimitRate, 0, 'untouched fields are kept');
    assert.deepEqual(base, { ...NO_FAULTS }, 'base is not mutated');
    assert.deepEqual(mergeFaults(next, {}), next);
  });

  it('accepts every rate from 0 to 1 inclusive and refuses anything else', () => {
    for (const key of RATE_KEYS) {
      assert.equal(mergeFaults(base, { [key]: 0 })[key], 0);
      assert.equal(mergeFaults(base, { [key]: 1 })[key], 1);
      assert.equal(mergeFaults(base, { [key]: 0.5 })[key], 0.5);
      for (const bad of [-0.01, 1.01, Number.NaN, Number.POSITIVE_INFINITY, '0.5', null, true]) {
        assert.throws(() => mergeFaults(base, { [key]: bad }), (e: unknown) => e instanceof TypeError && e.message.includes(key), `${key}=${String(bad)}`);
      }
    }
  });

  it('refuses unknown keys and non-object patches', () => {
    assert.throws(() => mergeFaults(base, { errorrate: 0.5 }), /unknown fault "errorrate"/);
    assert.throws(() => mergeFaults(base, { __proto__x: 1 }), TypeError);
    for (const bad of [null, [], 'errorRate=1', 3, undefined]) {
      assert.throws(() => mergeFaults(base, bad), /faults must be an object/, String(bad));
    }
  });

  it('applies nothing when any field of the patch is bad', () => {
    const before = { ...base };
    assert.throws(() => mergeFaults(base, { errorRate: 1, down: 'sideways' }), TypeError);
    assert.deepEqual(base, before);
  });

  it('accepts each down mode and null, and refuses anything else', () => {
    for (const mode of DOWN_MODES) assert.equal(mergeFaults(base, { down: mode }).down, mode);
    assert.deepEqual([...DOWN_MODES].sort(), ['503', 'hang', 'reset']);
    assert.equal(mergeFaults({ ...base, down: 'reset' }, { down: null }).down, null);
    for (const bad of [503, 'down', '', 'RESET', true]) {
      assert.throws(() => mergeFaults(base, { down: bad }), /down must be null or one of/, String(bad));
    }
  });

  it('takes an errorStatus from 400 to 599 only', () => {
    assert.equal(mergeFaults(base, { errorStatus: 400 }).errorStatus, 400);
    assert.equal(mergeFaults(base, { errorStatus: 599 }).errorStatus, 599);
    for (const bad of [399, 600, 200, 500.5, '500', null]) {
      assert.throws(() => mergeFaults(base, { errorStatus: bad }), /errorStatus must be 400–599/, String(bad));
    }
  });

  it('takes retryAfterSeconds from 0 to 3600 only', () => {
    assert.equal(mergeFaults(base, { retryAfterSeconds: 0 }).retryAfterSeconds, 0);
    assert.equal(mergeFaults(base, { retryAfterSeconds: 3600 }).retryAfterSeconds, 3600);
    for (const bad of [-1, 3601, 1.5, '2']) {
      assert.throws(() => mergeFaults(base, { retryAfterSeconds: bad }), /retryAfterSeconds/, String(bad));
    }
  });

  it('takes hostile answer overrides as strings up to 8192 characters, or null', () => {
    const hostile = '\u202E{account}\u200B PRIYA\u0000 NAIR';
    assert.equal(mergeFaults(base, { answerName: hostile }).answerName, hostile);
    assert.equal(mergeFaults(base, { answerReference: 'r'.repeat(8192) }).answerReference, 'r'.repeat(8192));
    assert.equal(mergeFaults(mergeFaults(base, { answerName: 'X' }), { answerName: null }).answerName, null);
    for (const [key, bad] of [['answerName', 42], ['answerName', 'x'.repeat(8193)], ['answerReference', {}]] as const) {
      assert.throws(() => mergeFaults(base, { [key]: bad }), new RegExp(key), `${key}=${String(bad).slice(0, 10)}`);
    }
  });

  it('overrideName replaces names that exist, filling {account}, and leaves "no name" alone', () => {
    const faults = { answerName: 'A/C {account} {account}' };
    assert.equal(overrideName(faults, 'RAMESH KUMAR', '50100012345671'), 'A/C 50100012345671 50100012345671');
    assert.equal(overrideName(faults, null, '50100012345671'), null);
    assert.equal(overrideName({ answerName: null }, 'RAMESH KUMAR', '50100012345671'), 'RAMESH KUMAR');
  });

  it('takes latency as a spec string or a distribution object, and checks both', () => {
    assert.deepEqual(mergeFaults(base, { latency: '40' }).latency, { kind: 'fixed', ms: 40 });
    assert.deepEqual(mergeFaults(base, { latency: { kind: 'lognormal', medianMs: 20, p99Ms: 400 } }).latency, {
      kind: 'lognormal',
      medianMs: 20,
      p99Ms: 400,
    });
    const bad: unknown[] = [
      { kind: 'fixed', ms: -1 },
      { kind: 'fixed', ms: 600_001 },
      { kind: 'fixed' },
      { kind: 'uniform', minMs: 50, maxMs: 10 },
      { kind: 'lognormal', medianMs: 0, p99Ms: 10 },
      { kind: 'lognormal', medianMs: 100, p99Ms: 10 },
      { kind: 'gaussian', ms: 1 },
      null,
      -20,
      Number.NaN,
      'uniform:9',
    ];
    for (const latency of bad) assert.throws(() => mergeFaults(base, { latency }), TypeError, JSON.stringify(latency));
    // A bare number is a fixed latency, as the string '20' is.
    assert.deepEqual(mergeFaults(base, { latency: 20 }).latency, { kind: 'fixed', ms: 20 });
  });
});

describe('parseLatency', () => {
  it('parses every form', () => {
    const cases: [string, LatencyDist][] = [
      ['20', { kind: 'fixed', ms: 20 }],
      ['0', { kind: 'fixed', ms: 0 }],
      ['fixed:20', { kind: 'fixed', ms: 20 }],
      ['  fixed:7.5 ', { kind: 'fixed', ms: 7.5 }],
      ['uniform:10:50', { kind: 'uniform', minMs: 10, maxMs: 50 }],
      ['uniform:10:10', { kind: 'uniform', minMs: 10, maxMs: 10 }],
      ['lognormal:20:400', { kind: 'lognormal', medianMs: 20, p99Ms: 400 }],
      ['lognormal:20:20', { kind: 'lognormal', medianMs: 20, p99Ms: 20 }],
      ['600000', { kind: 'fixed', ms: 600_000 }],
    ];
    for (const [spec, dist] of cases) assert.deepEqual(parseLatency(spec), dist, spec);
  });

  it('refuses malformed or out-of-range specs', () => {
    const form = /latency must be MS, fixed:MS, uniform:MIN:MAX or lognormal:MEDIAN:P99/;
    const invalid = /latency is not a valid distribution/;
    const cases: [string, RegExp][] = [
      ['abc', form],
      ['-5', form],
      ['', form],
      ['fixed:', form],
      ['uniform::', form],
      ['0x10', form],
      ['1e3', form],
      ['600001', invalid],
      ['fixed:x', form],
      ['uniform:50:10', invalid],
      ['uniform:-1:10', form],
      ['lognormal:0:10', invalid],
      ['lognormal:400:20', invalid],
      ['uniform:10', form],
      ['uniform:1:2:3', form],
      ['fixed:1:2', form],
      ['lognormal:20', form],
      ['gauss:1:2', form],
      ['FIXED:20', form],
    ];
    for (const [spec, error] of cases) assert.throws(() => parseLatency(spec), error, spec);
  });
});

describe('sampleLatencyMs', () => {
  it('returns a fixed latency as is', () => {
    assert.equal(sampleLatencyMs({ kind: 'fixed', ms: 42 }, () => 0.7), 42);
    assert.equal(sampleLatencyMs({ kind: 'fixed', ms: 0 }), 0);
  });

  it('samples a uniform latency within its bounds, covering the range', () => {
    const dist: LatencyDist = { kind: 'uniform', minMs: 10, maxMs: 50 };
    assert.equal(sampleLatencyMs(dist, () => 0), 10);
    assert.equal(sampleLatencyMs(dist, () => 0.5), 30);
    const random = seeded(7);
    const samples = Array.from({ length: 5000 }, () => sampleLatencyMs(dist, random));
    for (const s of samples) assert.ok(s >= 10 && s < 50, String(s));
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    within(mean, 30, 0.05, 'uniform mean');
    assert.ok(Math.min(...samples) < 11 && Math.max(...samples) > 49, 'covers the whole range');
  });

  it('samples a log-normal latency with roughly the configured median and p99', () => {
    for (const [medianMs, p99Ms, seed] of [
      [20, 400, 1],
      [50, 120, 2],
    ] as const) {
      const random = seeded(seed);
      const samples = Array.from({ length: 20_000 }, () => sampleLatencyMs({ kind: 'lognormal', medianMs, p99Ms }, random)).sort((a, b) => a - b);
      assert.ok(samples.every((s) => Number.isFinite(s) && s > 0));
      within(quantile(samples, 0.5), medianMs, 0.15, `median of lognormal:${medianMs}:${p99Ms}`);
      within(quantile(samples, 0.99), p99Ms, 0.15, `p99 of lognormal:${medianMs}:${p99Ms}`);
      // A long tail: p90 well above the median, and some samples past the p99.
      assert.ok(quantile(samples, 0.9) > medianMs * 1.2);
      assert.ok(samples.filter((s) => s > p99Ms).length > 100);
    }
  });

  it('gives exactly the median when median equals p99', () => {
    const random = seeded(3);
    for (let i = 0; i < 100; i++) assert.equal(sampleLatencyMs({ kind: 'lognormal', medianMs: 25, p99Ms: 25 }, random), 25);
  });

  it('caps an extreme log-normal draw at 600 s and survives random() returning 0', () => {
    const draws = [1 - 1e-12, 0];
    const extreme = sampleLatencyMs({ kind: 'lognormal', medianMs: 1000, p99Ms: 600_000 }, () => draws.shift() ?? 0);
    assert.equal(extreme, 600_000);
    const zero = sampleLatencyMs({ kind: 'lognormal', medianMs: 30, p99Ms: 300 }, () => 0);
    assert.equal(zero, 30, 'z = 0 when the first draw is 0');
  });
});
