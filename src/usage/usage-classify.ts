// What a validation that just became final counts for, in usage (docs/decisions/0036). Pure.
//
// - `billable`: a partner processed a verification for it and charges for it: an answer the partner
//   bills (Razorpay reverses failed validations, so an answer read off one is not billed), or a
//   billed answer payval could not store (PartnerAnswerError, or a value MySQL refused).
// - `possibly_billed`: an earlier call that may have reached a partner (an ambiguous timeout, a
//   pending answer) was never resolved with that partner: the row failed, or moved on to another
//   partner or to a reused answer. payval cannot know whether it was charged; it counts it apart.
// - `reuse` / `single_flight`: completed from an earlier answer (reuse) or from a concurrent
//   validation's call of the same payee (single-flight), without a call of its own.

import type { CallSavedReason } from '../partners/partner-telemetry.js';
import type { PartnerFollowup } from '../validations/validation-types.js';

export type UsageKind = 'billable' | 'possibly_billed' | 'reuse' | 'single_flight';
export const USAGE_KINDS: readonly UsageKind[] = Object.freeze(['billable', 'possibly_billed', 'reuse', 'single_flight'] as const);

/** Kinds that may cost money: what spend caps limit. */
export const CHARGED_KINDS: readonly UsageKind[] = Object.freeze(['billable', 'possibly_billed'] as const);

/** An answer given after this validation was created came from a concurrent call (single-flight). */
export function savedReason(answerVerifiedAt: Date, createdAt: Date): CallSavedReason {
  return answerVerifiedAt.getTime() >= createdAt.getTime() ? 'single_flight' : 'reuse';
}

/** A partner's definitive word about this validation's own call, and whether that call is billed. */
export interface PartnerVerdict {
  partner: string;
  billed: boolean;
}

export type FinalStep =
  | { kind: 'complete'; partner: string; reusedFrom: string | null; verifiedAt: Date; billed: boolean }
  /** `verdict`: set when a partner refused the call definitively (or answered what could not be stored). */
  | { kind: 'fail'; verdict: PartnerVerdict | null };

export interface RowBefore {
  partner: string | null;
  partnerFollowup: PartnerFollowup | null;
  createdAt: Date;
}

export interface UsageCount {
  kind: UsageKind;
  partner: string;
}

/** The counts one validation's final step adds (usually one, at most two, none for most failures). */
export function classifyFinal(before: RowBefore, step: FinalStep): UsageCount[] {
  const out: UsageCount[] = [];
  let resolvedBy: string | null = null;
  if (step.kind === 'complete' && step.reusedFrom !== null) {
    out.push({ kind: savedReason(step.verifiedAt, before.createdAt), partner: step.partner });
  } else if (step.kind === 'complete') {
    resolvedBy = step.partner;
    if (step.billed) out.push({ kind: 'billable', partner: step.partner });
  } else if (step.verdict) {
    resolvedBy = step.verdict.partner;
    if (step.verdict.billed) out.push({ kind: 'billable', partner: step.verdict.partner });
  }
  // The held partner's own answer settles its earlier call (a replay or lookup is not billed again).
  if (before.partnerFollowup && before.partner && before.partner !== resolvedBy) out.push({ kind: 'possibly_billed', partner: before.partner });
  return out;
}
