import type { Redis } from 'ioredis';

/**
 * Tells API processes that a validation reached a final state, so `?wait=` answers as soon as the
 * worker finishes instead of polling MySQL in a tight loop. Pub/sub is best effort: waiters also
 * re-read MySQL on a slow tick, so a lost message only costs latency.
 */
export function createCompletionPublisher(redis: Redis, channel: string) {
  return {
    async published(validationId: string): Promise<void> {
      try {
        await redis.publish(channel, validationId);
      } catch {
        // Best effort by design (see above).
      }
    },
  };
}

export type CompletionPublisher = ReturnType<typeof createCompletionPublisher>;

export function createCompletionListener(subscriber: Redis, channel: string) {
  const waiters = new Map<string, Set<() => void>>();
  const onMessage = (ch: string, id: string) => {
    if (ch !== channel) return;
    const set = waiters.get(id);
    if (!set) return;
    waiters.delete(id);
    for (const wake of set) wake();
  };
  subscriber.on('message', onMessage);
  const ready = subscriber.subscribe(channel).catch(() => undefined);

  return {
    ready,
    /** Resolves when a message for `id` arrives or after `ms`, whichever is first. */
    async waitFor(id: string, ms: number): Promise<void> {
      await new Promise<void>((resolve) => {
        const set = waiters.get(id) ?? new Set<() => void>();
        waiters.set(id, set);
        const wake = () => {
          clearTimeout(timer);
          set.delete(wake);
          if (set.size === 0 && waiters.get(id) === set) waiters.delete(id);
          resolve();
        };
        const timer = setTimeout(wake, ms);
        set.add(wake);
      });
    },
    async close(): Promise<void> {
      subscriber.off('message', onMessage);
      for (const set of waiters.values()) for (const wake of set) wake();
      waiters.clear();
    },
  };
}

export type CompletionListener = ReturnType<typeof createCompletionListener>;
