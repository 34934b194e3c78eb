export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
  jitter: number;
}

// Jitter only shortens the delay, so maxMs stays a hard ceiling.
export function retryDelayMs(attemptsMade: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exponent = (attemptsMade >= 1 ? Math.floor(attemptsMade) : 1) - 1;
  const capped = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  const jitter = Math.min(1, Math.max(0, policy.jitter));
  return Math.max(0, Math.round(capped - capped * jitter * random()));
}
