// What the validation processor reports about partner traffic. The Prometheus implementation lives in
// partner-metrics.ts; the processor only knows this interface.

export type PartnerCallOutcome =
  | 'answered'
  | 'pending'
  | 'timeout'
  | 'unavailable'
  | 'bad_response'
  | 'bank_unavailable'
  | 'rate_limited'
  | 'auth_failed'
  | 'rejected'
  | 'circuit_open'
  | 'error';

/**
 * `rate_limited`: no partner could take it because at least one was paused by a 429 (counts towards its
 * deadline). `quota`: its tenant's spend cap has no slot left (src/usage/spend-cap.ts); it never fails for it.
 */
export type PartnerWaitReason = 'no_partner' | 'rate_limited' | 'pending' | 'single_flight' | 'in_flight' | 'quota';

/** Why a validation completed without a partner call of its own. */
export type CallSavedReason = 'reuse' | 'single_flight';

export interface PartnerTelemetry {
  call(partner: string, outcome: PartnerCallOutcome, seconds: number): void;
  /** Traffic for one validation moved from `from` to the next partner in line. */
  failover(from: string, reason: string): void;
  /** A validation was handed back to BullMQ's backoff after a failed attempt. */
  retry(code: string): void;
  /** A validation was parked (without spending an attempt) until a partner can take it. */
  wait(reason: PartnerWaitReason): void;
  /** A validation completed from an earlier answer (reuse) or a concurrent one (single-flight), without a call. */
  saved(reason: CallSavedReason): void;
}

export const NO_TELEMETRY: PartnerTelemetry = Object.freeze({
  call: () => undefined,
  failover: () => undefined,
  retry: () => undefined,
  wait: () => undefined,
  saved: () => undefined,
});
