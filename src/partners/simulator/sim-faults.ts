// Fault injection for the partner simulator: what each provider does besides answering correctly.
// Pure parsing and sampling, so the CLI, the control endpoint and tests share one definition.

export type LatencyDist =
  | { kind: 'fixed'; ms: number }
  | { kind: 'uniform'; minMs: number; maxMs: number }
  /** Log-normal through the given median and 99th percentile: a realistic long tail. */
  | { kind: 'lognormal'; medianMs: number; p99Ms: number };

/** How a provider behaves while it is "down". */
export type DownMode = 'reset' | '503' | 'hang';
export const DOWN_MODES: readonly DownMode[] = ['reset', '503', 'hang'];

export interface SimFaults {
  latency: LatencyDist;
  /** Share of calls answered with `errorStatus` before anything is processed. */
  errorRate: number;
  errorStatus: number;
  /** Share of calls answered 429 with `Retry-After: retryAfterSeconds`. */
  rateLimitRate: number;
  retryAfterSeconds: number;
  /** Share of calls that are never answered and never processed. */
  hangRate: number;
  /** Share of calls whose connection is reset without an answer, before processing. */
  resetRate: number;
  /** Share of processed (billed) calls whose 2xx body is garbled. */
  malformedRate: number;
  /** Share of processed (billed) calls that are then never answered: the ambiguous timeout. */
  ambiguousRate: number;
  /** When set, every call fails this way until the provider is brought back up. */
  down: DownMode | null;
  /**
   * Hostile answers: replaces the registered name of every new answer that has one. `{account}`
   * stands for the request's account number (or VPA), to try an echoed account number; control, bidi
   * and zero-width characters and overlong names go in as they are.
   */
  answerName: string | null;
  /**
   * Replaces the partner reference of every new answer. The sandbox contract takes any string; the
   * Cashfree (digits) and Razorpay (`fav_…`) adapters refuse what breaks their formats as a bad response.
   */
  answerReference: string | null;
}

const NONE: SimFaults = {
  latency: { kind: 'fixed', ms: 0 },
  errorRate: 0,
  errorStatus: 503,
  rateLimitRate: 0,
  retryAfterSeconds: 1,
  hangRate: 0,
  resetRate: 0,
  malformedRate: 0,
  ambiguousRate: 0,
  down: null,
  answerName: null,
  answerReference: null,
};
export const NO_FAULTS: Readonly<SimFaults> = Object.freeze(NONE);

const RATE_KEYS = ['errorRate', 'rateLimitRate', 'hangRate', 'resetRate', 'malformedRate', 'ambiguousRate'] as const;
const MAX_LATENCY_MS = 600_000;
const ANSWER_KEYS = ['answerName', 'answerReference'] as const;
// Well past any column, well inside the simulator's 64 kB bodies.
const MAX_ANSWER_OVERRIDE_LENGTH = 8192;

/** Merges a partial update (from JSON or flags) into `base`; throws TypeError naming the bad field. */
export function mergeFaults(base: SimFaults, patch: unknown): SimFaults {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) throw new TypeError('faults must be an object');
  const p = patch as Record<string, unknown>;
  const next: SimFaults = { ...base };
  for (const key of Object.keys(p)) {
    const value = p[key];
    if ((RATE_KEYS as readonly string[]).includes(key)) {
      if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw new TypeError(`${key} must be a number from 0 to 1`);
      next[key as (typeof RATE_KEYS)[number]] = value;
    } else if (key === 'latency') {
      next.latency =
        typeof value === 'string' ? parseLatency(value) : typeof value === 'number' ? checkLatency({ kind: 'fixed', ms: value }) : checkLatency(value);
    } else if (key === 'errorStatus') {
      if (!Number.isInteger(value) || (value as number) < 400 || (value as number) > 599) throw new TypeError('errorStatus must be 400–599');
      next.errorStatus = value as number;
    } else if (key === 'retryAfterSeconds') {
      if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 3600) throw new TypeError('retryAfterSeconds must be 0–3600');
      next.retryAfterSeconds = value as number;
    } else if ((ANSWER_KEYS as readonly string[]).includes(key)) {
      if (value !== null && (typeof value !== 'string' || value.length > MAX_ANSWER_OVERRIDE_LENGTH)) {
        throw new TypeError(`${key} must be null or a string of at most ${MAX_ANSWER_OVERRIDE_LENGTH} characters`);
      }
      next[key as (typeof ANSWER_KEYS)[number]] = value as string | null;
    } else if (key === 'down') {
      if (value !== null && !DOWN_MODES.includes(value as DownMode)) throw new TypeError(`down must be null or one of ${DOWN_MODES.join(', ')}`);
      next.down = value as DownMode | null;
    } else {
      throw new TypeError(`unknown fault "${key}"`);
    }
  }
  return next;
}

/** `20` or `fixed:20`, `uniform:10:50`, `lognormal:20:400` (median, p99). */
export function parseLatency(spec: string): LatencyDist {
  const parts = spec.trim().split(':');
  const numeric = parts.slice(parts.length === 1 ? 0 : 1);
  // Number('') is 0: an empty or odd part must be an error, not a silent "no latency".
  if (!numeric.every((p) => /^\d+(\.\d+)?$/.test(p))) {
    throw new TypeError('latency must be MS, fixed:MS, uniform:MIN:MAX or lognormal:MEDIAN:P99');
  }
  const nums = numeric.map(Number);
  const kind = parts.length === 1 ? 'fixed' : parts[0];
  if (kind === 'fixed' && nums.length === 1) return checkLatency({ kind, ms: nums[0] });
  if (kind === 'uniform' && nums.length === 2) return checkLatency({ kind, minMs: nums[0], maxMs: nums[1] });
  if (kind === 'lognormal' && nums.length === 2) return checkLatency({ kind, medianMs: nums[0], p99Ms: nums[1] });
  throw new TypeError('latency must be MS, fixed:MS, uniform:MIN:MAX or lognormal:MEDIAN:P99');
}

function checkLatency(value: unknown): LatencyDist {
  const v = value as Record<string, unknown> | null;
  const ms = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0 && x <= MAX_LATENCY_MS;
  if (v && v.kind === 'fixed' && ms(v.ms)) return { kind: 'fixed', ms: v.ms };
  if (v && v.kind === 'uniform' && ms(v.minMs) && ms(v.maxMs) && v.minMs <= v.maxMs) return { kind: 'uniform', minMs: v.minMs, maxMs: v.maxMs };
  if (v && v.kind === 'lognormal' && ms(v.medianMs) && ms(v.p99Ms) && v.medianMs > 0 && v.medianMs <= v.p99Ms) {
    return { kind: 'lognormal', medianMs: v.medianMs, p99Ms: v.p99Ms };
  }
  throw new TypeError('latency is not a valid distribution');
}

const Z_99 = 2.3263478740408408;

export function sampleLatencyMs(dist: LatencyDist, random: () => number = Math.random): number {
  switch (dist.kind) {
    case 'fixed':
      return dist.ms;
    case 'uniform':
      return dist.minMs + (dist.maxMs - dist.minMs) * random();
    case 'lognormal': {
      const sigma = Math.log(dist.p99Ms / dist.medianMs) / Z_99;
      // Box–Muller; 1 - random() keeps the log argument above zero.
      const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      return Math.min(MAX_LATENCY_MS, dist.medianMs * Math.exp(sigma * z));
    }
  }
}

/** The `answerName` fault applied to a name a provider would answer with (null stays null). */
export function overrideName(faults: Pick<SimFaults, 'answerName'>, name: string | null, payee: string): string | null {
  if (name === null || faults.answerName === null) return name;
  return faults.answerName.replaceAll('{account}', payee);
}
