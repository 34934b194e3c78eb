// How long a partner's "come back later" is honoured (decision 0013). Both bounds matter: a huge
// Retry-After would stop a partner for every tenant, and a zero, negative or past one would turn a 429
// or a pending answer into a hot loop of calls.

/** The shortest wait a partner's hint (a 429's Retry-After, a pending answer's) can impose. */
export const MIN_PAUSE_MS = 1000;

/** A partner's hint of when to come back, bounded to [MIN_PAUSE_MS, maxMs]; an unreadable one counts as maxMs. */
export function boundRetryAfterMs(ms: number, maxMs: number): number {
  return Math.max(MIN_PAUSE_MS, Math.min(maxMs, Number.isFinite(ms) ? ms : maxMs));
}

/** When to ask again about a pending answer: the partner's bounded hint, or our own interval without one. */
export function pendingPollDelayMs(hintMs: number | null, opts: { pendingPollMs: number; maxRetryAfterMs: number }): number {
  return hintMs === null ? opts.pendingPollMs : boundRetryAfterMs(hintMs, opts.maxRetryAfterMs);
}
