// When to try a webhook delivery again. A fixed, configurable table rather than exponential growth,
// because receivers and operators reason about "retries for about a day and a half" far more easily
// than about a base and a factor.

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(\d+)(ms|s|m|h|d)?$/;
const MAX_SCHEDULE_ENTRIES = 20;

/** "0", "250ms", "5s", "5m", "2h", "1d", or a bare integer of milliseconds. */
export function parseDuration(text: string): number {
  const m = DURATION.exec(text.trim());
  if (m === null) {
    throw new Error(`Invalid duration "${text}": expected an integer with an optional unit ms, s, m, h or d (e.g. 5s)`);
  }
  const ms = Number(m[1]) * (UNIT_MS[m[2] ?? 'ms'] ?? 1);
  if (!Number.isSafeInteger(ms)) throw new Error(`Invalid duration "${text}": too large`);
  return ms;
}

/**
 * A comma-separated list of durations such as "0,5s,5m,30m,2h,5h,10h,10h". Entry i is the delay
 * before attempt i + 1, so the first entry is normally 0 (deliver at once).
 */
export function parseRetrySchedule(text: string): number[] {
  const parts = text.split(',');
  if (text.trim() === '' || parts.length > MAX_SCHEDULE_ENTRIES) {
    throw new Error(`Invalid retry schedule "${text}": expected 1 to ${MAX_SCHEDULE_ENTRIES} comma-separated durations`);
  }
  return parts.map((part, i) => {
    try {
      return parseDuration(part);
    } catch (e) {
      throw new Error(`Invalid retry schedule "${text}": entry ${i + 1}: ${(e as Error).message}`);
    }
  });
}

export interface RetrySchedule {
  delaysMs: readonly number[];
  /** 0..1: 0.2 spreads each delay over ±20 % so endpoints that failed together do not retry together. */
  jitter: number;
}

/**
 * The delay before the next attempt once `attemptsMade` attempts of the current round have failed,
 * or null when the schedule is used up. A Retry-After from the receiver can lengthen the delay but
 * never shorten it, and is capped at the schedule's longest delay so a hostile header cannot park a
 * delivery indefinitely.
 */
export function nextRetryDelayMs(
  s: RetrySchedule,
  attemptsMade: number,
  opts: { retryAfterMs?: number | null; random?: () => number } = {},
): number | null {
  const n = Number.isFinite(attemptsMade) ? Math.max(0, Math.floor(attemptsMade)) : 0;
  const base = s.delaysMs[n];
  if (base === undefined) return null;
  const jitter = Math.min(Math.max(Number.isFinite(s.jitter) ? s.jitter : 0, 0), 1);
  const random = opts.random ?? Math.random;
  const jittered = Math.max(0, Math.round(base * (1 + jitter * (2 * random() - 1))));
  const retryAfter = opts.retryAfterMs;
  if (retryAfter === undefined || retryAfter === null || !(retryAfter > 0)) return jittered;
  const maxDelay = Math.max(...s.delaysMs);
  return Math.max(jittered, Math.round(Math.min(retryAfter, maxDelay)));
}
