// One attempt's partner calls: the router's candidates, tried in order, outside any transaction so no
// row lock is held across the network. Moving on to the next partner is safe only when the failed
// call cannot have been processed (open circuit, 429, auth refusal, connection refused, 503); after
// an ambiguous failure the round stops, because a second partner would bill the same validation
// again (decision 0009). The round decides nothing about the row beyond clearing a settled follow-up:
// process-validation.ts turns its result into complete / fail / hold / retry / wait.

import type { Logger } from '../platform/logger.js';
import type { Db } from '../platform/db.js';
import type { GuardedPartner } from '../partners/partner-breaker.js';
import type { PartnerRouter } from '../partners/partner-router.js';
import type { PartnerRequest, PartnerResult } from '../partners/partner-types.js';
import type { PartnerCallOutcome, PartnerTelemetry } from '../partners/partner-telemetry.js';
import {
  PartnerAnswerError,
  PartnerAuthError,
  PartnerCircuitOpenError,
  PartnerRateLimitedError,
  PartnerRejectedError,
  PartnerTransientError,
} from '../partners/partner-errors.js';
import { clearPartnerFollowup } from './validation-store.js';
import type { Validation } from './validation-types.js';

export type RoundResult =
  /** `billed`: whether the partner charges for this answer (usage metering, spend caps). */
  | { kind: 'answered'; partner: string; result: PartnerResult; billed: boolean }
  | { kind: 'pending'; partner: string; partnerReference: string | null; retryAfterMs: number | null }
  /**
   * The partner's definitive word that it will not or cannot give a usable answer: fail now. `billed`
   * when it processed (and charges for) an answer payval cannot store.
   */
  | { kind: 'refused'; partner: string; code: string; billed: boolean }
  /** The call may have been processed (and billed): stay with this partner. */
  | { kind: 'ambiguous'; partner: string; code: string }
  /**
   * Nobody answered and nothing was processed anywhere. `failedOn`: the partners that tried the call
   * and failed it without processing it (a 503, a refused connection, the bank unreachable); empty
   * when every partner declined it untried (open circuit, 429, auth). `last`: the last such failure.
   * `rateLimitedBy`: the first partner that answered 429 in this round — a rate limit for the
   * validation's deadline whatever is left of the pause it imposed.
   */
  | { kind: 'unanswered'; failedOn: string[]; last: { code: string; partner: string } | null; rateLimitedBy: string | null };

export interface RoundDeps {
  db: Db;
  router: PartnerRouter;
  telemetry: PartnerTelemetry;
  logger: Logger;
}

export async function callPartners(deps: RoundDeps, row: Validation, req: PartnerRequest, candidates: readonly GuardedPartner[]): Promise<RoundResult> {
  const { router, telemetry, logger } = deps;
  const failedOn: string[] = [];
  let last: { code: string; partner: string } | null = null;
  let rateLimitedBy: string | null = null;

  for (const [i, partner] of candidates.entries()) {
    const previous = row.partnerFollowup && row.partner === partner.name ? { partnerReference: row.partnerReference } : null;
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    let outcome;
    try {
      outcome = await partner.verify(req, previous);
    } catch (err) {
      telemetry.call(partner.name, callOutcome(err), seconds());
      // Asking again would get the same refusal, or the same unusable answer, and could be billed again.
      if (err instanceof PartnerRejectedError || err instanceof PartnerAnswerError) {
        return { kind: 'refused', partner: partner.name, code: err.code, billed: err instanceof PartnerAnswerError && err.billed };
      }
      if (err instanceof PartnerRateLimitedError) {
        router.pause(partner.name, err.retryAfterMs);
        rateLimitedBy ??= partner.name;
      } else if (err instanceof PartnerAuthError) {
        if (router.disable(partner.name)) {
          logger.error({ partner: partner.name, reason: err.reason, httpStatus: err.httpStatus }, 'partner refused payval; not using it until the cooldown ends — check its credentials, IP allow-list or balance');
        }
      } else if (err instanceof PartnerTransientError) {
        last = { code: err.code, partner: partner.name };
        if (err.ambiguous) return { kind: 'ambiguous', partner: partner.name, code: err.code };
        failedOn.push(partner.name);
        // A definite, unbilled failure from the partner we were holding for: its earlier call is
        // settled, so the next attempt starts afresh (and may fail over) instead of asking again.
        if (row.partnerFollowup && row.partner === partner.name) await clearPartnerFollowup(deps.db, row.id);
      } else if (!(err instanceof PartnerCircuitOpenError)) {
        // Unknown failure (a bug, MySQL gone): let BullMQ retry it; the sweeper backs that up.
        throw err;
      }
      const reason = (err as { code?: string }).code ?? 'error';
      if (i < candidates.length - 1) telemetry.failover(partner.name, reason);
      continue;
    }
    telemetry.call(partner.name, outcome.kind, seconds());
    if (outcome.kind === 'pending') {
      return { kind: 'pending', partner: partner.name, partnerReference: outcome.partnerReference, retryAfterMs: outcome.retryAfterMs };
    }
    return { kind: 'answered', partner: partner.name, result: outcome.result, billed: outcome.billed !== false };
  }
  return { kind: 'unanswered', failedOn, last, rateLimitedBy };
}

function callOutcome(err: unknown): PartnerCallOutcome {
  if (err instanceof PartnerTransientError) return err.code.slice('partner.'.length) as PartnerCallOutcome;
  if (err instanceof PartnerAnswerError) return 'bad_response';
  if (err instanceof PartnerRateLimitedError) return 'rate_limited';
  if (err instanceof PartnerAuthError) return 'auth_failed';
  if (err instanceof PartnerRejectedError) return 'rejected';
  if (err instanceof PartnerCircuitOpenError) return 'circuit_open';
  return 'error';
}
