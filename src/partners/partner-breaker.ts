// One opossum breaker per partner per process. Breaker state is deliberately not shared across
// workers: each process learns a partner is down from its own calls within one rolling window.

import CircuitBreaker from 'opossum';
import { cleanPartnerOutcome } from './partner-answer.js';
import { isTransient, PartnerCircuitOpenError, PartnerTransientError } from './partner-errors.js';
import type { PartnerCallContext, PartnerConnector, PartnerOutcome, PartnerRequest, Rail } from './partner-types.js';

export interface BreakerOptions {
  callTimeoutMs: number;
  errorThresholdPercentage: number;
  volumeThreshold: number;
  rollingCountTimeoutMs: number;
  rollingCountBuckets: number;
  resetTimeoutMs: number;
}

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerStats {
  fires: number;
  failures: number;
  rejects: number;
  timeouts: number;
  successes: number;
}

export interface GuardedPartner {
  readonly name: string;
  readonly rails: readonly Rail[];
  /** `previous` as in PartnerCallContext: an earlier call to this partner for this reference may have reached it. */
  verify(req: PartnerRequest, previous?: PartnerCallContext['previous']): Promise<PartnerOutcome>;
  state(): BreakerState;
  /** How long until an open circuit lets a trial call through; 0 when it is closed or half-open. */
  retryInMs(now?: number): number;
  stats(): BreakerStats;
  shutdown(): Promise<void>;
}

export interface BreakerHooks {
  onStateChange?(partner: string, state: BreakerState): void;
}

// opossum's timer is only a backstop behind the per-call AbortSignal; the margin lets the signal
// win so the socket is really torn down rather than left running behind a settled promise.
const BACKSTOP_MARGIN_MS = 250;

export function guardPartner(connector: PartnerConnector, opts: BreakerOptions, hooks: BreakerHooks = {}): GuardedPartner {
  validate(opts);
  // Each call gets its own deadline. opossum's `abortController` option is one controller per
  // breaker: one timeout would abort every concurrent call, and it stays aborted until the circuit
  // changes state.
  // Every answer is cleaned here, at the one boundary all connectors share, so no adapter can hand
  // the domain a name or reference that cannot be stored or shown. An unusable answer is a
  // PartnerAnswerError: not transient, so it says nothing about the partner's health.
  const action = async (req: PartnerRequest, previous: PartnerCallContext['previous']): Promise<PartnerOutcome> =>
    cleanPartnerOutcome(await connector.verify(req, { signal: AbortSignal.timeout(opts.callTimeoutMs), previous }), req);

  const breaker = new CircuitBreaker<[PartnerRequest, PartnerCallContext['previous']], PartnerOutcome>(action, {
    name: connector.name,
    timeout: opts.callTimeoutMs + BACKSTOP_MARGIN_MS,
    errorThresholdPercentage: opts.errorThresholdPercentage,
    volumeThreshold: opts.volumeThreshold,
    rollingCountTimeout: opts.rollingCountTimeoutMs,
    rollingCountBuckets: opts.rollingCountBuckets,
    resetTimeout: opts.resetTimeoutMs,
    allowWarmUp: false,
    capacity: Number.MAX_SAFE_INTEGER,
    enableSnapshots: false,
    // Percentiles re-sort every latency in the window on each failure; we don't read them.
    rollingPercentilesEnabled: false,
    cache: false,
    // Only transient failures say the partner is unhealthy. opossum runs its own ETIMEDOUT through
    // this filter too, and without the second check a backstop timeout would count as a success.
    errorFilter: (e: unknown) => !isTransient(e) && !isOpossumError(e, 'ETIMEDOUT'),
  });

  let current: BreakerState = 'closed';
  let openedAt = 0;
  const transition = (next: BreakerState) => (): void => {
    if (next === 'open') openedAt = Date.now();
    if (next === current) return;
    current = next;
    try {
      hooks.onStateChange?.(connector.name, next);
    } catch {
      // A failing metrics/log hook must not break the call that triggered the transition.
    }
  };
  breaker.on('open', transition('open'));
  breaker.on('halfOpen', transition('half_open'));
  breaker.on('close', transition('closed'));

  return {
    name: connector.name,
    rails: connector.rails,
    async verify(req: PartnerRequest, previous: PartnerCallContext['previous'] = null): Promise<PartnerOutcome> {
      try {
        return await breaker.fire(req, previous);
      } catch (e) {
        throw translate(e, connector.name);
      }
    },
    state: () => (breaker.closed ? 'closed' : breaker.halfOpen ? 'half_open' : 'open'),
    retryInMs: (now = Date.now()) => (breaker.opened && !breaker.halfOpen ? Math.max(0, openedAt + opts.resetTimeoutMs - now) : 0),
    stats: () => {
      const s = breaker.stats;
      return { fires: s.fires, failures: s.failures, rejects: s.rejects, timeouts: s.timeouts, successes: s.successes };
    },
    async shutdown(): Promise<void> {
      breaker.shutdown();
      await connector.close();
    },
  };
}

function translate(e: unknown, partner: string): unknown {
  // EOPENBREAKER covers both an open circuit and a half-open one whose single trial is in flight;
  // ESHUTDOWN means this guard is gone. In all three nothing was sent.
  if (isOpossumError(e, 'EOPENBREAKER') || isOpossumError(e, 'ESHUTDOWN')) return new PartnerCircuitOpenError(partner);
  if (isOpossumError(e, 'ETIMEDOUT')) {
    return new PartnerTransientError('partner.timeout', { ambiguous: true, message: 'Partner call exceeded its deadline' });
  }
  if (isOpossumError(e, 'ESEMLOCKED')) return new PartnerTransientError('partner.unavailable', { ambiguous: false });
  return e;
}

function isOpossumError(e: unknown, code: string): boolean {
  return e instanceof Error && CircuitBreaker.isOurError(e) && (e as Error & { code?: unknown }).code === code;
}

function validate(opts: BreakerOptions): void {
  const bad = Object.entries(opts)
    .filter(([, v]) => typeof v !== 'number' || !Number.isFinite(v) || v < 0)
    .map(([k]) => k);
  if (opts.callTimeoutMs <= 0) bad.push('callTimeoutMs');
  // opossum rotates buckets every floor(window / buckets) ms; 0 would spin a 1 ms interval.
  if (!Number.isInteger(opts.rollingCountBuckets) || opts.rollingCountBuckets < 1 ||
    Math.floor(opts.rollingCountTimeoutMs / opts.rollingCountBuckets) < 1) {
    bad.push('rollingCountTimeoutMs/rollingCountBuckets');
  }
  if (!Number.isInteger(opts.volumeThreshold)) bad.push('volumeThreshold');
  if (bad.length > 0) throw new TypeError(`Invalid breaker options: ${[...new Set(bad)].join(', ')}`);
}
