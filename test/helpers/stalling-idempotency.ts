import type { IdempotencyStore } from '../../src/platform/idempotency.js';

/**
 * The real idempotency store, except that the `reserve` armed by `stallNext` waits at a gate after
 * reserving: a request that stalls (a GC pause, a starved event loop) between taking its key and using it.
 */
export function stallingStore(store: IdempotencyStore) {
  let armed: { reserved: () => void; gate: Promise<void> } | null = null;
  const wrapped: IdempotencyStore = {
    ...store,
    async reserve(...args) {
      const reservation = await store.reserve(...args);
      const stall = armed;
      armed = null;
      if (stall) {
        stall.reserved();
        await stall.gate;
      }
      return reservation;
    },
  };
  return {
    store: wrapped,
    stallNext(): { reserved: Promise<void>; release: () => void } {
      let release!: () => void;
      let reserved!: () => void;
      const reservedP = new Promise<void>((r) => (reserved = r));
      armed = { reserved, gate: new Promise<void>((r) => (release = r)) };
      return { reserved: reservedP, release };
    },
  };
}

/** `p`'s outcome without an unhandled rejection while the test does other things. */
export const settle = <T>(p: Promise<T>) =>
  p.then(
    (value) => ({ ok: true as const, value }),
    (err: unknown) => ({ ok: false as const, err }),
  );
