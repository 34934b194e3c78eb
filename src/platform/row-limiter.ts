import { Gauge, type Registry } from 'prom-client';

/**
 * A per-process bound on validations in flight (WORKER_CONCURRENCY), shared by batch rows and the
 * validations' own jobs: `run` starts `task` once fewer than `capacity` are running. Waiters start in
 * arrival order, urgent ones (single validations, which a person may be waiting on) before the rest,
 * so a single never waits behind queued batch rows, only for a place to free up.
 */
export interface RowLimiter {
  run<T>(task: () => Promise<T>, urgent?: boolean): Promise<T>;
  stats(): { running: number; waiting: number };
}

/** A FIFO of resolvers that reuses its array instead of shifting it. */
function fifo() {
  let items: Array<(() => void) | undefined> = [];
  let head = 0;
  return {
    push: (r: () => void) => void items.push(r),
    take(): (() => void) | undefined {
      if (head === items.length) return undefined;
      const r = items[head];
      items[head++] = undefined;
      if (head === items.length) (items = []), (head = 0);
      return r;
    },
    size: () => items.length - head,
  };
}

export function createRowLimiter(capacity: number): RowLimiter {
  if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`row limiter capacity must be a positive integer, got ${capacity}`);
  let running = 0;
  const urgentWaiting = fifo();
  const waiting = fifo();

  const release = (): void => {
    const next = urgentWaiting.take() ?? waiting.take();
    // The place passes straight to the next waiter, so `running` stays as it is.
    if (next) next();
    else running--;
  };

  return {
    async run<T>(task: () => Promise<T>, urgent = false): Promise<T> {
      if (running < capacity) running++;
      else await new Promise<void>((resolve) => (urgent ? urgentWaiting : waiting).push(resolve));
      try {
        return await task();
      } finally {
        release();
      }
    },
    stats: () => ({ running, waiting: urgentWaiting.size() + waiting.size() }),
  };
}

/** `payval_worker_validations_in_flight` and `_waiting`: places taken, and work waiting for one. */
export function rowLimiterMetrics(limiter: RowLimiter, registry: Registry): void {
  new Gauge({ name: 'payval_worker_validations_in_flight', help: 'Validations this worker process is working on (WORKER_CONCURRENCY bounds it)', registers: [registry], collect() { this.set(limiter.stats().running); } });
  new Gauge({ name: 'payval_worker_validations_waiting', help: 'Validations this worker process has taken from the queues and not started yet', registers: [registry], collect() { this.set(limiter.stats().waiting); } });
}
