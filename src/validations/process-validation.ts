import type { Logger } from '../platform/logger.js';
import { withTransactionThen, type Db, type Defer, type Trx } from '../platform/db.js';
import type { FieldCipher } from '../platform/field-cipher.js';
import type { GuardedPartner } from '../partners/partner-breaker.js';
import type { PartnerRouter } from '../partners/partner-router.js';
import type { PartnerRequest, PartnerResult } from '../partners/partner-types.js';
import { NO_TELEMETRY, type PartnerCallOutcome, type PartnerTelemetry, type PartnerWaitReason } from '../partners/partner-telemetry.js';
import type { TenantSettingsStore } from '../tenants/tenant-settings.js';
import type { SingleFlight } from './single-flight.js';
import { findAnswerSince, recordPartnerAnswer } from './partner-answer-store.js';
import { checkPayeeName } from './name-check.js';
import {
  PartnerAuthError,
  PartnerCircuitOpenError,
  PartnerRateLimitedError,
  PartnerRejectedError,
  PartnerTransientError,
} from '../partners/partner-errors.js';
import { findValidation, lockValidation, markCompleted, markFailed, markPartnerFollowup, markProcessing, refundAttempt, clearPartnerFollowup } from './validation-store.js';
import { isFinal, type PartnerFollowup, type Validation, type ValidationStatus } from './validation-types.js';
import { accountAad } from './new-validation.js';
import type { CompletionPublisher } from './completion-notifier.js';

export type ProcessOutcome =
  | { kind: 'completed' | 'failed' | 'skipped' }
  /** Park the job for `delayMs` without spending a BullMQ attempt. */
  | { kind: 'wait'; delayMs: number; reason: PartnerWaitReason };

/** Thrown when the partner call should be retried later (BullMQ backoff owns the schedule). */
export class RetryableValidationError extends Error {
  constructor(readonly code: string, message: string, readonly retryAfterMs?: number) {
    super(message);
    this.name = 'RetryableValidationError';
  }
}

/** Failure texts shown to clients: fixed sentences, never a partner's raw answer. */
const FAILURE_MESSAGES: Record<string, string> = {
  'partner.timeout': 'The bank partner did not answer in time, on every attempt.',
  'partner.unavailable': 'The bank partner was unavailable on every attempt.',
  'partner.bad_response': 'The bank partner answered with something payval could not read, on every attempt.',
  'partner.bank_unavailable': "The bank partner could not reach the payee's bank, on every attempt.",
  'partner.rate_limited': 'The bank partner kept rate-limiting payval, on every attempt.',
  'partner.circuit_open': 'The bank partner was failing and payval stopped calling it; retry later.',
  'partner.auth_failed': 'payval could not authenticate with the bank partner.',
  'partner.rejected': 'The bank partner refused the request.',
  'validation.attempts_exhausted': 'The validation could not be completed after the maximum number of attempts.',
  'internal.error': 'The validation could not be completed.',
};

/**
 * Called inside the transaction that changes a validation's status, so whatever it keeps (batch row
 * counts, webhook events) changes atomically with the row.
 */
export type StatusChangeHook = (trx: Trx, v: Validation, from: ValidationStatus, to: ValidationStatus, defer: Defer) => Promise<void>;

/** Runs several hooks in order, in the same transaction. */
export function combineHooks(...hooks: StatusChangeHook[]): StatusChangeHook {
  return async (trx, v, from, to, defer) => {
    for (const hook of hooks) await hook(trx, v, from, to, defer);
  };
}

export interface ProcessorDeps {
  db: Db;
  onStatusChange?: StatusChangeHook;
  cipher: FieldCipher;
  /** Live validations use `live`; test ones only ever `test`, the sandbox partner alone. */
  routers: { live: PartnerRouter; test: PartnerRouter };
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
  telemetry?: PartnerTelemetry;
  /** Per-tenant name-match thresholds. */
  settings: TenantSettingsStore;
  /** One partner call per payee at a time across workers; null turns it off. */
  singleFlight: SingleFlight | null;
  /** How long a validation waiting for another one's call of the same payee sleeps before looking again. */
  singleFlightPollMs: number;
}

type Claimed = { row: Validation; candidates: GuardedPartner[]; held: string | null; free: boolean };
type ClaimWait = { waitMs: number; reason: PartnerWaitReason };

export function createValidationProcessor(deps: ProcessorDeps) {
  const { db, cipher, logger } = deps;
  const routerFor = (row: Validation): PartnerRouter => (row.livemode ? deps.routers.live : deps.routers.test);
  // Per mode like the answers it waits for: test traffic never holds up a live call of the same payee.
  const flightKey = (row: Validation): string => `${row.livemode ? 'live' : 'test'}:${row.accountBlindIndex}`;
  const telemetry = deps.telemetry ?? NO_TELEMETRY;
  const changed: StatusChangeHook = deps.onStatusChange ?? (async () => undefined);
  // Only single validations can be waited on (`?wait=`); a million-row batch need not publish a million messages.
  const notifyWaiters = (row: Validation) => (row.batchId ? Promise.resolve() : deps.publisher.published(row.id));
  const done = (kind: 'completed' | 'failed' | 'skipped'): ProcessOutcome => ({ kind });

  /** A transaction whose status hooks may defer work until it has committed. */
  const inTransaction = <T>(work: (trx: Trx, defer: Defer) => Promise<T>): Promise<T> =>
    withTransactionThen(db, work, (err) => logger.warn({ err }, 'after-commit task failed'));
  const wait = (delayMs: number, reason: PartnerWaitReason): ProcessOutcome => {
    telemetry.wait(reason);
    return { kind: 'wait', delayMs, reason };
  };

  /** After the row is final: let validations waiting on this one's call of the same payee go ahead. */
  function releaseSingleFlight(row: Validation, defer: Defer): void {
    const { singleFlight } = deps;
    if (singleFlight && row.accountBlindIndex) defer(() => singleFlight.release(flightKey(row), row.id));
  }

  async function fail(id: string, code: string, partnerName: string | null): Promise<ProcessOutcome> {
    const failed = await inTransaction(async (trx, defer) => {
      const row = await lockValidation(trx, id);
      if (!row || isFinal(row.status)) return null;
      await markFailed(trx, id, { code, message: FAILURE_MESSAGES[code] ?? FAILURE_MESSAGES['internal.error']!, partner: partnerName });
      await changed(trx, row, row.status, 'failed', defer);
      releaseSingleFlight(row, defer);
      return row;
    });
    if (!failed) return done('skipped');
    await notifyWaiters(failed);
    return done('failed');
  }

  /** The partner this row must stay with while an earlier call to it is unresolved, if any. */
  function heldBy(row: Validation, now: number): string | null {
    if (!row.partnerFollowup || !row.partner || !row.partnerHoldUntil) return null;
    return row.partnerHoldUntil.getTime() > now ? row.partner : null;
  }

  /**
   * Claims the row (queued|processing → processing, attempts+1) under a short row lock — unless no
   * partner can take it now, in which case nothing changes and the job waits. Asking a partner about
   * a call it said was pending is free and does not count as an attempt.
   */
  async function claim(id: string): Promise<Claimed | 'final' | 'missing' | 'exhausted' | ClaimWait | { reuse: Validation; row: Validation }> {
    return inTransaction(async (trx, defer) => {
      const row = await lockValidation(trx, id);
      if (!row) return 'missing';
      if (isFinal(row.status)) return 'final';
      const maxAge = row.maxAgeSeconds ?? 0;
      if (maxAge > 0 && row.accountBlindIndex) {
        const sourceId = await findAnswerSince(trx, row, row.accountBlindIndex, new Date(Date.now() - maxAge * 1000));
        const source = sourceId && sourceId !== row.id ? await findValidation(trx, row, sourceId) : undefined;
        if (source?.status === 'completed' && source.accountStatus && source.partner && source.partnerReference) return { reuse: source, row };
        // Someone else is asking a partner about this payee right now: wait for that answer instead of paying twice.
        if (deps.singleFlight && !(await deps.singleFlight.acquire(flightKey(row), row.id))) {
          return { waitMs: Math.round(deps.singleFlightPollMs * (0.75 + Math.random() / 2)), reason: 'single_flight' };
        }
      }
      const held = heldBy(row, Date.now());
      const router = routerFor(row);
      const candidates = router.candidates(row.rail, held);
      if (candidates.length === 0) return { waitMs: router.waitMs(row.rail, held), reason: 'no_partner' };
      const free = held !== null && row.partnerFollowup === 'pending';
      if (!free && row.attempts >= deps.maxTotalAttempts) return 'exhausted';
      await markProcessing(trx, id, new Date(), !free);
      await changed(trx, row, row.status, 'processing', defer);
      return { row: { ...row, status: 'processing', attempts: row.attempts + (free ? 0 : 1) }, candidates, held, free };
    });
  }

  function partnerRequest(v: Validation): PartnerRequest {
    const common = { reference: v.id, rail: v.rail, expectedName: v.expectedName };
    if (v.type === 'vpa') return { ...common, type: 'vpa', vpa: v.vpa! };
    return { ...common, type: 'bank_account', accountNumber: cipher.decrypt(v.accountCiphertext!, accountAad(v.id)), ifsc: v.ifsc! };
  }

  /** Keeps the row with `partner` so the next attempt resolves this call there (bounded by the hold). */
  async function holdWith(row: Validation, partner: string, partnerReference: string | null, followup: PartnerFollowup): Promise<void> {
    const now = Date.now();
    const current = row.partner === partner ? row.partnerHoldUntil : null;
    const holdUntil = current && current.getTime() > now ? current : new Date(now + deps.followupHoldMs);
    await markPartnerFollowup(db, row.id, { partner, partnerReference, followup, holdUntil });
  }

  async function retryOrFail(id: string, code: string, partner: string, finalAttempt: boolean, retryAfterMs?: number): Promise<ProcessOutcome> {
    if (finalAttempt) return fail(id, code, partner);
    telemetry.retry(code);
    throw new RetryableValidationError(code, `partner call failed: ${code}`, retryAfterMs);
  }

  /**
   * Completes the row with a partner's answer: its own call's, or (`reused`) an earlier or concurrent
   * validation's of the same payee. The name is always matched against this validation's own expected
   * name, with its tenant's thresholds.
   */
  async function complete(
    claimed: Validation,
    partner: string,
    result: PartnerResult,
    reused: { from: string; verifiedAt: Date } | null = null,
  ): Promise<ProcessOutcome> {
    const { id } = claimed;
    const thresholds = (await deps.settings.get(claimed.tenantId)).nameMatch;
    const nameMatch = checkPayeeName(claimed.expectedName, result.registeredName, thresholds);
    const verifiedAt = reused?.verifiedAt ?? new Date();
    const completed = await inTransaction(async (trx, defer) => {
      const row = await lockValidation(trx, id);
      if (!row || isFinal(row.status)) return null;
      await markCompleted(trx, id, {
        accountStatus: result.accountStatus,
        statusReason: result.statusReason,
        registeredName: result.registeredName,
        nameMatchScore: nameMatch.score,
        nameMatchResult: nameMatch.result,
        nameMatchReasons: nameMatch.reasons,
        partner,
        partnerReference: result.partnerReference,
        verifiedAt,
        reusedFrom: reused?.from ?? null,
      });
      if (!reused && row.accountBlindIndex) {
        await recordPartnerAnswer(trx, { tenantId: row.tenantId, livemode: row.livemode, blindIndex: row.accountBlindIndex, validationId: id, verifiedAt });
      }
      await changed(trx, row, row.status, 'completed', defer);
      releaseSingleFlight(row, defer);
      return row;
    });
    if (!completed) return done('skipped');
    // An answer given after this validation was created came from a concurrent call (single-flight).
    if (reused) telemetry.saved(reused.verifiedAt.getTime() >= completed.createdAt.getTime() ? 'single_flight' : 'reuse');
    await notifyWaiters(completed);
    return done('completed');
  }

  /**
   * One attempt. Idempotent: a job delivered twice finds the row final and does nothing. Partners are
   * called outside any transaction so no row lock is held across the network. Within one attempt the
   * router's candidates are tried in order; moving on is safe only when the failed call cannot have
   * been processed (open circuit, 429, auth refusal, connection refused, 503). After an ambiguous
   * failure the row stays with that partner, because a second partner would bill the same validation
   * again. `finalAttempt` tells whether a retryable failure should fail the row now.
   */
  async function process(id: string, ctx: { finalAttempt: boolean }): Promise<ProcessOutcome> {
    const claimed = await claim(id);
    if (claimed === 'missing') {
      logger.warn({ validationId: id }, 'job for a validation that does not exist');
      return done('skipped');
    }
    if (claimed === 'final') return done('skipped');
    if (claimed === 'exhausted') return fail(id, 'validation.attempts_exhausted', null);
    if ('waitMs' in claimed) return wait(claimed.waitMs, claimed.reason);
    if ('reuse' in claimed) {
      const s = claimed.reuse;
      const answer = { accountStatus: s.accountStatus!, statusReason: s.statusReason, registeredName: s.registeredName, partnerReference: s.partnerReference! };
      return complete(claimed.row, s.partner!, answer, { from: s.id, verifiedAt: s.verifiedAt ?? s.completedAt! });
    }

    const { row, candidates, held, free: claimedFree } = claimed;
    const router = routerFor(row);
    const req = partnerRequest(row);
    let sawOnlyUnavailable = true;
    let last: { code: string; partner: string } | null = null;

    for (const [i, partner] of candidates.entries()) {
      const previous = row.partnerFollowup && row.partner === partner.name ? { partnerReference: row.partnerReference } : null;
      const started = performance.now();
      const seconds = () => (performance.now() - started) / 1000;
      let outcome;
      try {
        outcome = await partner.verify(req, previous);
      } catch (err) {
        telemetry.call(partner.name, callOutcome(err), seconds());
        if (err instanceof PartnerRejectedError) return fail(id, err.code, partner.name);
        if (err instanceof PartnerRateLimitedError) {
          router.pause(partner.name, err.retryAfterMs);
        } else if (err instanceof PartnerAuthError) {
          if (router.disable(partner.name)) {
            logger.error({ partner: partner.name, reason: err.reason, httpStatus: err.httpStatus }, 'partner refused payval; not using it until the cooldown ends — check its credentials, IP allow-list or balance');
          }
        } else if (err instanceof PartnerTransientError) {
          last = { code: err.code, partner: partner.name };
          if (err.ambiguous) {
            await holdWith(row, partner.name, null, 'ambiguous');
            logger.info({ validationId: id, partner: partner.name, code: err.code, attempt: row.attempts }, 'partner call outcome unknown; will resolve it with the same partner');
            return retryOrFail(id, err.code, partner.name, ctx.finalAttempt);
          }
          sawOnlyUnavailable = false;
          // A definite, unbilled failure from the partner we were holding for: its earlier call is
          // settled, so the next attempt starts afresh (and may fail over) instead of asking again.
          if (row.partnerFollowup && row.partner === partner.name) await clearPartnerFollowup(db, id);
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
        await holdWith(row, partner.name, outcome.partnerReference, 'pending');
        return wait(outcome.retryAfterMs ?? deps.pendingPollMs, 'pending');
      }
      return complete(row, partner.name, outcome.result);
    }

    // Nobody answered, and nothing was processed anywhere. If every partner declined the call, or
    // the failures just opened the last circuits (an outage, not this validation's problem), park the
    // job until one recovers and give back the attempt the claim took. Otherwise back off as a retry.
    if (sawOnlyUnavailable || last === null || router.candidates(row.rail, held).length === 0) {
      if (!claimedFree) await refundAttempt(db, id);
      return wait(router.waitMs(row.rail, held), 'no_partner');
    }
    logger.info({ validationId: id, code: last.code, attempt: row.attempts, finalAttempt: ctx.finalAttempt }, 'partner call failed');
    return retryOrFail(id, last.code, last.partner, ctx.finalAttempt);
  }

  return { process };
}

function callOutcome(err: unknown): PartnerCallOutcome {
  if (err instanceof PartnerTransientError) return err.code.slice('partner.'.length) as PartnerCallOutcome;
  if (err instanceof PartnerRateLimitedError) return 'rate_limited';
  if (err instanceof PartnerAuthError) return 'auth_failed';
  if (err instanceof PartnerRejectedError) return 'rejected';
  if (err instanceof PartnerCircuitOpenError) return 'circuit_open';
  return 'error';
}

export type ValidationProcessor = ReturnType<typeof createValidationProcessor>;
