// One attempt at a validation, as the worker runs it: claim the row, reuse an answer or call the
// partners, then complete, fail, hold, retry or park it. The row steps live in validation-steps.ts and
// the partner calls in partner-round.ts; this file only decides between them.

import type { Logger } from '../platform/logger.js';
import type { Db } from '../platform/db.js';
import { withoutSql } from '../platform/db-errors.js';
import type { FieldCipher } from '../platform/field-cipher.js';
import type { PartnerRequest } from '../partners/partner-types.js';
import { pendingPollDelayMs } from '../partners/retry-after-bounds.js';
import { NO_TELEMETRY, type PartnerTelemetry, type PartnerWaitReason } from '../partners/partner-telemetry.js';
import type { TenantSettingsStore } from '../tenants/tenant-settings.js';
import type { SingleFlight } from './single-flight.js';
import { endAttempt, refundAttempt } from './validation-store.js';
import { takeCallPlace, type ClaimedRow } from './call-place.js';
import type { AttemptPlaces } from '../platform/row-limiter.js';
import type { Validation } from './validation-types.js';
import { accountAad } from './new-validation.js';
import type { CompletionPublisher } from './completion-notifier.js';
import { createValidationSteps, routerFor, type ModeRouters, type StepOutcome } from './validation-steps.js';
import type { StatusChangeHook } from './status-change-hook.js';
import { callPartners } from './partner-round.js';
import { savedReason } from '../usage/usage-classify.js';
import type { UsageMeter } from '../usage/usage-meter.js';

export { combineHooks, type StatusChangeHook } from './status-change-hook.js';

/** What the caller knows about one attempt: whether it is the job's last, and the places it holds (row-limiter.ts). */
export interface AttemptContext {
  finalAttempt: boolean;
  /** Without places the attempt calls at once (tests, tools); the worker always passes them. */
  places?: AttemptPlaces;
  /** True once the worker is closing: a row claimed ahead is then handed back instead of called. */
  stopping?: () => boolean;
}

const notStopping = (): boolean => false;

export type ProcessOutcome =
  | StepOutcome
  /** Park the job for `delayMs` without spending a BullMQ attempt. */
  | { kind: 'wait'; delayMs: number; reason: PartnerWaitReason };

/** Thrown when the partner call should be retried later (BullMQ backoff owns the schedule). */
export class RetryableValidationError extends Error {
  constructor(readonly code: string, message: string, readonly retryAfterMs?: number) {
    super(message);
    this.name = 'RetryableValidationError';
  }
}

export interface ProcessorDeps {
  db: Db;
  onStatusChange?: StatusChangeHook;
  cipher: FieldCipher;
  /** Live validations use `live`; test ones only ever `test`, the sandbox partner alone. */
  routers: ModeRouters;
  publisher: CompletionPublisher;
  logger: Logger;
  maxTotalAttempts: number;
  /**
   * How long a validation stays with a partner after an ambiguous outcome or a pending answer: its
   * retries resolve that call (lookup or idempotent replay, free) instead of paying another partner.
   */
  followupHoldMs: number;
  /** Delay before asking again about a pending answer when the partner gave no hint. */
  pendingPollMs: number;
  /** Cap on a partner's hint of when to ask again about a pending answer (PARTNER_MAX_RETRY_AFTER_MS). */
  maxRetryAfterMs: number;
  /** How long rate limits may hold a validation back before it fails `partner.rate_limited`. */
  rateLimitMaxWaitMs: number;
  /** The longest one attempt can last; a second job finding the row claimed within it waits. */
  attemptLeaseMs: number;
  telemetry?: PartnerTelemetry;
  /** Per-tenant name-match thresholds. */
  settings: TenantSettingsStore;
  /** One partner call per payee at a time across workers; null turns it off. */
  singleFlight: SingleFlight | null;
  /** How long a validation waiting for another one's call of the same payee sleeps before looking again. */
  singleFlightPollMs: number;
  /** Usage metering (and spend caps) in the claim and final transactions. */
  usage: UsageMeter;
}

/** Concurrent final steps of `failMany` (connections it may hold at once). */
const FAIL_MANY_AT_ONCE = 8;

export function createValidationProcessor(deps: ProcessorDeps) {
  const { db, cipher, logger } = deps;
  const telemetry = deps.telemetry ?? NO_TELEMETRY;
  const steps = createValidationSteps(deps);
  // A twentieth of the lease, at most a second: the lease's margin over the longest call absorbs it.
  const renewAfterMs = Math.min(1000, deps.attemptLeaseMs / 20);
  const wait = (delayMs: number, reason: PartnerWaitReason): ProcessOutcome => {
    telemetry.wait(reason);
    return { kind: 'wait', delayMs, reason };
  };

  function partnerRequest(v: Validation): PartnerRequest {
    const common = { reference: v.id, rail: v.rail, expectedName: v.expectedName };
    if (v.type === 'vpa') return { ...common, type: 'vpa', vpa: v.vpa! };
    return { ...common, type: 'bank_account', accountNumber: cipher.decrypt(v.accountCiphertext!, accountAad(v.id)), ifsc: v.ifsc! };
  }

  async function retryOrFail(id: string, code: string, partner: string, finalAttempt: boolean): Promise<ProcessOutcome> {
    if (finalAttempt) return steps.fail(id, code, partner);
    telemetry.retry(code);
    throw new RetryableValidationError(code, `partner call failed: ${code}`);
  }

  /**
   * One attempt. Idempotent: a job delivered twice finds the row final and does nothing.
   * `finalAttempt` tells whether a retryable failure should fail the row now.
   */
  async function attempt(id: string, ctx: AttemptContext): Promise<ProcessOutcome> {
    const claim = await steps.claim(id);
    // Only a claimed row goes on to the partner: any other outcome gives its claim place back now.
    if (claim.kind !== 'claimed') ctx.places?.leave();
    switch (claim.kind) {
      case 'missing':
        logger.warn({ validationId: id }, 'job for a validation that does not exist');
        return { kind: 'skipped' };
      case 'final':
        return { kind: 'skipped' };
      case 'exhausted':
        return steps.fail(id, 'validation.attempts_exhausted', null);
      case 'rate_limited':
        return steps.fail(id, 'partner.rate_limited', claim.partner);
      case 'wait':
        return wait(claim.waitMs, claim.reason);
      case 'reuse': {
        const s = claim.source;
        const answer = { accountStatus: s.accountStatus!, statusReason: s.statusReason, registeredName: s.registeredName, partnerReference: s.partnerReference! };
        const verifiedAt = s.verifiedAt ?? s.completedAt!;
        const outcome = await steps.complete(claim.row, s.partner!, answer, { from: s.id, verifiedAt });
        if (outcome.row) telemetry.saved(savedReason(verifiedAt, outcome.row.createdAt));
        return { kind: outcome.kind };
      }
      case 'claimed':
        break;
    }
    let claimed: ClaimedRow = claim;
    let outcome: ProcessOutcome | null = null;
    try {
      const place = await takeCallPlace(db, renewAfterMs, claimed, ctx.places, ctx.stopping ?? notStopping);
      claimed = place.claimed;
      if (place.kind === 'give_up') {
        // No partner was called: the claim's attempt is given back, and the row waits (or, when the
        // worker stops, goes back to the queue at once).
        if (!claimed.free) await refundAttempt(db, id);
        return (outcome = wait(place.why === 'stopping' ? 0 : Math.round(750 + Math.random() * 500), 'in_flight'));
      }
      outcome = await callAndSettle(claimed, ctx);
      return outcome;
    } finally {
      // Not final: the next job may claim the row at once instead of waiting out this attempt's lease.
      if (outcome?.kind !== 'completed' && outcome?.kind !== 'failed') await endAttempt(db, id, claimed.claimedAt).catch(() => undefined);
    }
  }

  /** The partner side of a claimed attempt, and what becomes of the row after it. */
  async function callAndSettle(claimed: ClaimedRow, ctx: AttemptContext): Promise<ProcessOutcome> {
    const { row, candidates, held, free: claimedFree } = claimed;
    const { id } = row;
    const router = routerFor(deps.routers, row);
    // The call place is given back as soon as the partners have answered: the final step holds none.
    const round = await callPartners({ db, router, telemetry, logger }, row, partnerRequest(row), candidates).finally(() => ctx.places?.leave());
    switch (round.kind) {
      case 'answered':
        return { kind: (await steps.complete(row, round.partner, round.result, null, round.billed)).kind };
      case 'refused':
        return steps.fail(id, round.code, round.partner, { partner: round.partner, billed: round.billed });
      case 'pending': {
        const refused = await steps.holdWith(row, round.partner, round.partnerReference, 'pending');
        if (refused) return refused;
        // A partner's hint is bounded both ways: "ask again now" would re-poll in a hot loop until the hold ends.
        return wait(pendingPollDelayMs(round.retryAfterMs, deps), 'pending');
      }
      case 'ambiguous': {
        const refused = await steps.holdWith(row, round.partner, null, 'ambiguous');
        if (refused) return refused;
        logger.info({ validationId: id, partner: round.partner, code: round.code, attempt: row.attempts }, 'partner call outcome unknown; will resolve it with the same partner');
        return retryOrFail(id, round.code, round.partner, ctx.finalAttempt);
      }
      case 'unanswered':
        break;
    }

    // Nothing was processed anywhere. If every partner declined the call, or the partners that failed
    // it are out of rotation now (their failures opened circuits: an outage, not this validation's
    // problem), park the job until a partner can take it and give back the attempt the claim took —
    // unless rate limits have held it back too long. Otherwise back off as a retry. Only the partners
    // that failed count: one whose breaker half-opened meanwhile is tried when the job wakes, not
    // paid for with an attempt.
    const { failedOn, last } = round;
    if (last === null || failedOn.every((name) => router.candidates(row.rail, name).length === 0)) {
      // A 429 in this round counts even if its pause has already run out (a tiny Retry-After, a slow round).
      const limitedBy = round.rateLimitedBy ?? router.rateLimited(row.rail, held);
      if (limitedBy !== null && (await steps.rateLimitExpired(db, id))) return steps.fail(id, 'partner.rate_limited', limitedBy);
      if (!claimedFree) await refundAttempt(db, id);
      return wait(router.waitMs(row.rail, held), limitedBy === null ? 'no_partner' : 'rate_limited');
    }
    logger.info({ validationId: id, code: last.code, attempt: row.attempts, finalAttempt: ctx.finalAttempt }, 'partner call failed');
    return retryOrFail(id, last.code, last.partner, ctx.finalAttempt);
  }

  return {
    /** Fails unfinished rows from outside a job (retention, erasure) through the same final step: batch counters and events stay exact. */
    failMany: async (ids: readonly string[], code: string): Promise<void> => {
      // A few at a time: each is a transaction of its own, and a page can hold hundreds.
      for (let i = 0; i < ids.length; i += FAIL_MANY_AT_ONCE) {
        await Promise.all(ids.slice(i, i + FAIL_MANY_AT_ONCE).map((id) => steps.fail(id, code, null)));
      }
    },
    /** A MySQL error leaves without its statement or values: BullMQ logs and stores what is thrown. */
    process: (id: string, ctx: AttemptContext): Promise<ProcessOutcome> =>
      attempt(id, ctx).catch((err: unknown) => {
        throw withoutSql(err);
      }),
  };
}

export type ValidationProcessor = ReturnType<typeof createValidationProcessor>;
