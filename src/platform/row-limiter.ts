import { Gauge, type Registry } from 'prom-client';

/**
 * A per-process bound: `acquire` resolves with a release once fewer than `capacity` places are
 * taken. Waiters get a place in arrival order, urgent ones (single validations, which a person may
 * be waiting on) before the rest, so a single never waits behind queued batch rows, only for a place
 * to free up.
 */
export interface RowLimiter {
  /** Resolves with the function that gives the place back (once; later calls do nothing). */
  acquire(urgent?: boolean): Promise<() => void>;
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
  const releaseOnce = (): (() => void) => {
    let held = true;
    return () => {
      if (held) (held = false), release();
    };
  };

  async function acquire(urgent = false): Promise<() => void> {
    if (running < capacity) running++;
    else await new Promise<void>((resolve) => (urgent ? urgentWaiting : waiting).push(resolve));
    return releaseOnce();
  }

  return {
    acquire,
    async run<T>(task: () => Promise<T>, urgent = false): Promise<T> {
      const done = await acquire(urgent);
      try {
        return await task();
      } finally {
        done();
      }
    },
    stats: () => ({ running, waiting: urgentWaiting.size() + waiting.size() }),
  };
}

/**
 * The places one attempt passes through. `claim` is a place among the attempts allowed to claim
 * their rows ahead of a partner call; `toCall` waits for one of the WORKER_CONCURRENCY places at the
 * partner and gives the claim place back; `leave` gives back whatever is still held.
 */
export interface AttemptPlaces {
  toCall(): Promise<void>;
  leave(): void;
}

export interface AttemptGates {
  enter(urgent?: boolean): Promise<AttemptPlaces>;
  /** Enters, runs `task` with the places, and gives back whatever it still holds when `task` ends. */
  run<T>(task: (places: AttemptPlaces) => Promise<T>, urgent?: boolean): Promise<T>;
  stats(): { calling: number; claiming: number; waiting: number };
}

/**
 * WORKER_CONCURRENCY partner calls at once, and at most `claimsAhead` attempts claiming their rows
 * (or claimed and waiting for a call place) meanwhile: the next rows are claimed while the current
 * ones are at the partner, so a freed call place is taken at once instead of after a claim
 * transaction. See docs/decisions/0028-claim-ahead.md.
 */
export function createAttemptGates(calls: number, claimsAhead: number): AttemptGates {
  const claimGate = createRowLimiter(claimsAhead);
  const callGate = createRowLimiter(calls);
  async function enter(urgent = false): Promise<AttemptPlaces> {
    let claim: (() => void) | null = await claimGate.acquire(urgent);
    let call: (() => void) | null = null;
    return {
      async toCall() {
        if (call) return;
        call = await callGate.acquire(urgent);
        claim?.();
        claim = null;
      },
      leave() {
        claim?.();
        call?.();
        claim = call = null;
      },
    };
  }
  return {
    enter,
    async run<T>(task: (places: AttemptPlaces) => Promise<T>, urgent = false): Promise<T> {
      const places = await enter(urgent);
      try {
        return await task(places);
      } finally {
        places.leave();
      }
    },
    stats: () => {
      // An attempt waiting for a call place still holds its claim place: it counts as claiming.
      const a = claimGate.stats();
      return { calling: callGate.stats().running, claiming: a.running, waiting: a.waiting };
    },
  };
}

/**
 * Claim places by default: half the call places, at least 4 but never more than the call places (a
 * row claimed ahead then waits at most about one call).
 */
export const defaultClaimsAhead = (concurrency: number): number => Math.min(concurrency, Math.max(4, Math.ceil(concurrency / 2)));

/**
 * `payval_worker_partner_calls_in_flight` (call places taken, at most WORKER_CONCURRENCY),
 * `payval_worker_validations_in_flight` (claiming, claimed ahead or at a partner) and `_waiting` (taken
 * from the queues, waiting for a claim place).
 */
export function attemptGateMetrics(gates: AttemptGates, registry: Registry): void {
  new Gauge({ name: 'payval_worker_partner_calls_in_flight', help: 'Validations this worker process has at a partner (WORKER_CONCURRENCY bounds them)', registers: [registry], collect() { this.set(gates.stats().calling); } });
  new Gauge({ name: 'payval_worker_validations_in_flight', help: 'Validations this worker process is claiming, has claimed ahead of a partner call, or has at a partner', registers: [registry], collect() { const s = gates.stats(); this.set(s.calling + s.claiming); } });
  new Gauge({ name: 'payval_worker_validations_waiting', help: 'Validations this worker process has taken from the queues and not started yet', registers: [registry], collect() { this.set(gates.stats().waiting); } });
}
