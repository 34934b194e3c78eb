import type { AuthenticatedKey } from './tenant-store.js';

export type KeyLookup = (keyHash: string) => Promise<AuthenticatedKey | undefined>;

/**
 * Keeps what an active key's hash resolved to for `ttlMs`, so a busy client's requests do not each
 * read MySQL. Only hits are kept: a wrong or revoked key is looked up every time (and counted by the
 * failed-auth throttle). A revoked key, or a disabled tenant, therefore stops working at most `ttlMs`
 * later in every API process. Concurrent misses of one hash share a single lookup. `ttlMs` 0 turns
 * the cache off.
 */
export function cachedKeyLookup(lookup: KeyLookup, opts: { ttlMs: number; maxEntries?: number; now?: () => number }): KeyLookup {
  if (opts.ttlMs <= 0) return lookup;
  const maxEntries = opts.maxEntries ?? 10_000;
  const now = opts.now ?? Date.now;
  const hits = new Map<string, { key: AuthenticatedKey; until: number }>();
  const inFlight = new Map<string, Promise<AuthenticatedKey | undefined>>();

  return async (keyHash) => {
    const hit = hits.get(keyHash);
    if (hit && hit.until > now()) return hit.key;
    let pending = inFlight.get(keyHash);
    if (!pending) {
      pending = lookup(keyHash).finally(() => inFlight.delete(keyHash));
      inFlight.set(keyHash, pending);
      const found = await pending;
      if (found) {
        // Bounded: past the limit the oldest entry goes (Map keeps insertion order).
        hits.delete(keyHash);
        if (hits.size >= maxEntries) hits.delete(hits.keys().next().value!);
        hits.set(keyHash, { key: found, until: now() + opts.ttlMs });
      } else {
        hits.delete(keyHash);
      }
      return found;
    }
    return pending;
  };
}
