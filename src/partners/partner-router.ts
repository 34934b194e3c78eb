// Picks which partner serves a validation: partners able to serve the rail, in priority order,
// skipping any whose breaker is open, that asked us to back off (429), or that refused our
// credentials. Health is per process, like the breakers it reads.

import type { GuardedPartner } from './partner-breaker.js';
import type { Rail } from './partner-types.js';
import { boundRetryAfterMs, MIN_PAUSE_MS } from './retry-after-bounds.js';

export type UnavailableReason = 'circuit_open' | 'rate_limited' | 'auth_failed';

export interface PartnerRouterOptions {
  /** Default priority order. */
  partners: readonly GuardedPartner[];
  /** Per-rail priority overrides (names); partners not listed are not used for that rail. */
  railPriority?: Partial<Record<Rail, readonly string[]>>;
  /** How long a partner that refused our credentials is left alone before one retry. */
  authCooldownMs: number;
  /**
   * The longest pause a 429's Retry-After can impose (PARTNER_MAX_RETRY_AFTER_MS). A pause stops the
   * partner for every tenant of this process, so a partner asking for an hour gets asked again sooner.
   * Default MAX_WAIT_MS.
   */
  maxPauseMs?: number;
  now?: () => number;
  random?: () => number;
}

export interface PartnerRouter {
  /** Partners that can take a call for this rail now, best first. `only` restricts to one partner. */
  candidates(rail: Rail, only?: string | null): GuardedPartner[];
  /** Every partner configured for the rail, whatever its health. */
  capable(rail: Rail): GuardedPartner[];
  /**
   * When `candidates` is empty: how long to wait before asking again — until the soonest of those
   * partners may take calls again, with jitter so parked jobs do not all return at once.
   */
  waitMs(rail: Rail, only?: string | null): number;
  /**
   * A 429: stop sending this partner work until the partner said to come back, at least MIN_PAUSE_MS
   * (a "come back now" must not turn into a hot loop) and at most `maxPauseMs`.
   */
  pause(partner: string, ms: number): void;
  /** A partner for this rail (or the `only` one) that a 429 has paused right now, if any. */
  rateLimited(rail: Rail, only?: string | null): string | null;
  /** 401/403/no balance: stop using the partner for the cooldown. Returns false if it already was. */
  disable(partner: string): boolean;
  unavailableReason(partner: string): UnavailableReason | null;
  get(partner: string): GuardedPartner | undefined;
  all(): readonly GuardedPartner[];
}

export const MIN_WAIT_MS = 250;
export const MAX_WAIT_MS = 60_000;

export function createPartnerRouter(opts: PartnerRouterOptions): PartnerRouter {
  const now = opts.now ?? Date.now;
  const random = opts.random ?? Math.random;
  const maxPauseMs = opts.maxPauseMs ?? MAX_WAIT_MS;
  if (!Number.isFinite(maxPauseMs) || maxPauseMs < MIN_PAUSE_MS) throw new TypeError(`maxPauseMs must be a number of at least ${MIN_PAUSE_MS}`);
  const byName = new Map(opts.partners.map((p) => [p.name, p]));
  const pausedUntil = new Map<string, number>();
  const disabledUntil = new Map<string, number>();

  for (const [rail, names] of Object.entries(opts.railPriority ?? {})) {
    for (const name of names ?? []) {
      if (!byName.has(name)) throw new TypeError(`rail ${rail} routes to unknown partner "${name}"`);
    }
  }

  const capable = (rail: Rail): GuardedPartner[] => {
    const override = opts.railPriority?.[rail];
    const ordered = override ? override.map((n) => byName.get(n)!) : opts.partners;
    return ordered.filter((p) => p.rails.includes(rail));
  };

  const blockedForMs = (p: GuardedPartner, t: number): number =>
    Math.max(0, (pausedUntil.get(p.name) ?? 0) - t, (disabledUntil.get(p.name) ?? 0) - t, p.retryInMs(t));

  const scope = (rail: Rail, only?: string | null): GuardedPartner[] => {
    const list = capable(rail);
    return only ? list.filter((p) => p.name === only) : list;
  };

  return {
    capable,
    candidates: (rail, only) => {
      const t = now();
      return scope(rail, only).filter((p) => blockedForMs(p, t) === 0 && p.state() !== 'open');
    },
    waitMs: (rail, only) => {
      const t = now();
      const list = scope(rail, only);
      const soonest = list.length === 0 ? MAX_WAIT_MS : Math.min(...list.map((p) => blockedForMs(p, t)));
      const base = Math.min(MAX_WAIT_MS, Math.max(MIN_WAIT_MS, soonest));
      return Math.round(base + random() * Math.min(1000, base / 2));
    },
    pause: (partner, ms) => {
      const until = now() + boundRetryAfterMs(ms, maxPauseMs);
      if (until > (pausedUntil.get(partner) ?? 0)) pausedUntil.set(partner, until);
    },
    rateLimited: (rail, only) => {
      const t = now();
      return scope(rail, only).find((p) => (pausedUntil.get(p.name) ?? 0) > t)?.name ?? null;
    },
    disable: (partner) => {
      const t = now();
      // Calls already in flight come back with the same refusal; they must not push the cooldown out.
      if ((disabledUntil.get(partner) ?? 0) > t) return false;
      disabledUntil.set(partner, t + opts.authCooldownMs);
      return true;
    },
    unavailableReason: (partner) => {
      const p = byName.get(partner);
      if (!p) return null;
      const t = now();
      if ((disabledUntil.get(partner) ?? 0) > t) return 'auth_failed';
      if ((pausedUntil.get(partner) ?? 0) > t) return 'rate_limited';
      if (p.state() === 'open') return 'circuit_open';
      return null;
    },
    get: (partner) => byName.get(partner),
    all: () => opts.partners,
  };
}
