// What one emulated provider contract plugs into the partner simulator. The simulator owns HTTP,
// fault injection and the call/charge ledger; a provider owns its paths, DTOs, auth and outcomes.

import type { IncomingHttpHeaders } from 'node:http';

export interface SimRequest {
  method: string;
  /** Path below the provider's prefix, e.g. `/bank-account/sync` for `/cashfree/bank-account/sync`. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body; undefined when there was none. */
  body: unknown;
  /** True when a body was sent but is not JSON. */
  invalidJson: boolean;
}

export type SimReply =
  | { kind: 'json'; status: number; body: unknown; headers?: Record<string, string> }
  /** Never answer (until the client gives up): a partner stuck on a bank call. */
  | { kind: 'hang' };

/** A JSON answer from a simulated provider. */
export const jsonReply = (status: number, body: unknown, headers?: Record<string, string>): SimReply => ({
  kind: 'json',
  status,
  body,
  ...(headers ? { headers } : {}),
});

export interface SimCallContext {
  /** 1 for the first call concerning this reference at this provider, 2 for the next, … */
  callNumber: number;
  /**
   * Records that this call started a billable verification for `reference`. Replays under an
   * idempotency key and status lookups must not call it.
   */
  charge(reference: string): void;
  /** The `answerName` / `answerReference` faults, for the provider to apply to the answers it creates. */
  answer: AnswerOverrides;
}

export interface AnswerOverrides {
  /** The name to answer with instead of `name` (null stays null); `payee` fills `{account}`. */
  name(name: string | null, payee: string): string | null;
  /** The reference to answer with instead of the provider's own, or null to keep it. */
  reference: string | null;
}

export interface SimProvider {
  /** URL prefix and ledger name: `sandbox`, `cashfree`, `razorpay`. */
  readonly name: string;
  /** The payval reference a request concerns (for per-reference counts), or null when none applies. */
  referenceOf(req: SimRequest): string | null;
  handle(req: SimRequest, ctx: SimCallContext): SimReply | Promise<SimReply>;
  /** Forgets stored verifications. */
  reset(): void;
}

/**
 * A Map that forgets its oldest entries past `limit`, so a long benchmark cannot grow the simulator
 * without bound. Map iteration order is insertion order. The oldest entry is found with one iterator
 * kept across calls: a fresh `keys()` per eviction walks every deleted slot V8 has not yet compacted,
 * which cost up to 57 µs per insert once the map was full (the simulator then slowed its own answers
 * until calls timed out, in the middle of a million-row benchmark). The kept iterator skips each
 * deleted slot once.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  private oldest: IterableIterator<K> | null = null;

  constructor(private readonly limit: number) {
    super();
  }

  override set(key: K, value: V): this {
    if (!this.has(key) && this.size >= this.limit) {
      this.oldest ??= this.keys();
      let next = this.oldest.next();
      if (next.done) {
        this.oldest = this.keys();
        next = this.oldest.next();
      }
      if (!next.done) this.delete(next.value);
    }
    return super.set(key, value);
  }

  override clear(): void {
    this.oldest = null;
    super.clear();
  }
}

export const SIM_MAX_TRACKED = 200_000;
