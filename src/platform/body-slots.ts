/**
 * A per-process cap on request bodies being read and held at once. Taking a slot never waits: a caller
 * that finds none free answers 503 at once, so a burst of large bodies costs nothing but the refusals.
 */
export interface BodySlots {
  /** A release function, or null when every slot is taken. Releasing twice is harmless. */
  tryAcquire(): (() => void) | null;
  inUse(): number;
}

export function createBodySlots(capacity: number): BodySlots {
  let used = 0;
  return {
    tryAcquire() {
      if (used >= capacity) return null;
      used++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        used--;
      };
    },
    inUse: () => used,
  };
}
