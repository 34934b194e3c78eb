/**
 * A per-process bound on work in flight, waiting in arrival order: `run` starts `task` once fewer than
 * `capacity` are running. Memory per waiting task is one closure, so callers bound how many may wait.
 */
export interface RowLimiter {
  run<T>(task: () => Promise<T>): Promise<T>;
  stats(): { running: number; waiting: number };
}

export function createRowLimiter(capacity: number): RowLimiter {
  if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`row limiter capacity must be a positive integer, got ${capacity}`);
  let running = 0;
  const waiting: Array<() => void> = [];
  let head = 0;

  const release = (): void => {
    running--;
    if (head < waiting.length) {
      const next = waiting[head]!;
      waiting[head++] = undefined as unknown as () => void;
      if (head === waiting.length) waiting.length = head = 0;
      running++;
      next();
    }
  };

  return {
    async run<T>(task: () => Promise<T>): Promise<T> {
      if (running < capacity) running++;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        return await task();
      } finally {
        release();
      }
    },
    stats: () => ({ running, waiting: waiting.length - head }),
  };
}
