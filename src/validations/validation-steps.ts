// The row side of processing a validation: claim it, keep it with a partner, complete or fail it.
// Each step is one short transaction under the row lock, and runs its status hooks (batch counters,
// webhook events) inside it. No partner is called here.

import type { Logger } from '../platform/logger.js';
import { withTransactionThen, type Db, type Defer, type Trx } from '../platform/db.js';
import { dbErrorSummary, isDataError } from '../platform/db-errors.js';
import type { GuardedPartner } from '../partners/partner-breaker.js';
import type { PartnerRouter } from '../partners/partner-router.js';
import type { PartnerResult } from '../partners/partner-types.js';
import type { PartnerWaitReason } from '../partners/partner-telemetry.js';
import type { TenantSettingsStore } from '../tenants/tenant-settings.js';
import type { CompletionPublisher } from './completion-notifier.js';
import type { SingleFlight } from './single-flight.js';
import { findAnswerSince, recordPartnerAnswer } from './partner-answer-store.js';
import { checkPayeeName } from './name-check.js';
import { markRateLimited } from './rate-limit-store.js';
import { findValidation, lockValidation, markCompleted, markFailed, markPartnerFollowup, markProcessing } from './validation-store.js';
import { isFinal, type PartnerFollowup, type Validation } from './validation-types.js';
import { failureMessage } from './failure-messages.js';
import type { StatusChangeHook } from './status-change-hook.js';

export type StepOutcome = { kind: 'completed' | 'failed' | 'skipped' };

export type Claim =
  | { kind: 'claimed'; row: Validation; candidates: GuardedPartner[]; held: string | null; free: boolean; claimedAt: Date }
  | { kind: 'final' | 'missing' | 'exhausted' }
  /** Nothing changed: the job should wait. */
  | { kind: 'wait'; waitMs: number; reason: PartnerWaitReason }
  /** A recent answer for the same payee completes this one without a call. */
  | { kind: 'reuse'; row: Validation; source: Validation }
  /** Rate limits have held it back past its deadline. */
  | { kind: 'rate_limited'; partner: string };

/** Live validations use the configured partners; test ones only ever the sandbox partner. */
export interface ModeRouters { live: PartnerRouter; test: PartnerRouter }

export const routerFor = (routers: ModeRouters, row: Validation): PartnerRouter => (row.livemode ? routers.live : routers.test);

/** Per mode like the answers it waits for: test traffic never holds up a live call of the same payee. */
const flightKey = (row: Validation): string => `${row.livemode ? 'live' : 'test'}:${row.accountBlindIndex}`;

export interface StepDeps {
  db: Db;
  onStatusChange?: StatusChangeHook;
  routers: ModeRouters;
  publisher: CompletionPublisher;
  logger: Logger;
  maxTotalAttempts: number;
  followupHoldMs: number;
  settings: TenantSettingsStore;
  singleFlight: SingleFlight | null;
  singleFlightPollMs: number;
  rateLimitMaxWaitMs: number;
  /** The longest one attempt can last (every partner call timing out in turn): its claim's lease. */
  attemptLeaseMs: number;
}

export function createValidationSteps(deps: StepDeps) {
  const { db, logger } = deps;
  const changed: StatusChangeHook = deps.onStatusChange ?? (async () => undefined);
  // Only single validations can be waited on (`?wait=`); a million-row batch need not publish a million messages.
  const notifyWaiters = (row: Validation) => (row.batchId ? Promise.resolve() : deps.publisher.published(row.id));
  const done = (kind: StepOutcome['kind']): StepOutcome => ({ kind });

  /** A transaction whose status hooks may defer work until it has committed. */
  const inTransaction = <T>(work: (trx: Trx, defer: Defer) => Promise<T>): Promise<T> =>
    withTransactionThen(db, work, (err) => logger.warn({ err }, 'after-commit task failed'));

  /** After the row is final: let validations waiting on this one's call of the same payee go ahead. */
  function releaseSingleFlight(row: Validation, defer: Defer): void {
    const { singleFlight } = deps;
    if (singleFlight && row.accountBlindIndex) defer(() => singleFlight.release(flightKey(row), row.id));
  }

  async function fail(id: string, code: string, partnerName: string | null): Promise<StepOutcome> {
    const failed = await inTransaction(async (trx, defer) => {
      const row = await lockValidation(trx, id);
      if (!row || isFinal(row.status)) return null;
      await markFailed(trx, id, { code, message: failureMessage(code), partner: partnerName });
      await changed(trx, row, row.status, 'failed', defer);
      releaseSingleFlight(row, defer);
      return row;
    });
    if (!failed) return done('skipped');
    await notifyWaiters(failed);
    return done('failed');
  }

  /**
   * Runs a write of partner-supplied values. partner-answer.ts bounds them to the columns, so a value
   * MySQL still refuses (a schema that changed under it) is the same refusal on every retry: the
   * validation fails once with `partner.bad_response`, logged once, with codes only — the statement
   * and its values never reach a log or a job record.
   */
  async function storeOrFail(id: string, partner: string, write: () => Promise<StepOutcome | void>): Promise<StepOutcome | void> {
    try {
      return await write();
    } catch (err) {
      if (!isDataError(err)) throw err;
      logger.error({ validationId: id, partner, db: dbErrorSummary(err) }, 'partner answer could not be stored; failing the validation with partner.bad_response');
      return fail(id, 'partner.bad_response', partner);
    }
  }

  /** The partner this row must stay with while an earlier call to it is unresolved, if any. */
  function heldBy(row: Validation, now: number): string | null {
    if (!row.partnerFollowup || !row.partner || !row.partnerHoldUntil) return null;
    return row.partnerHoldUntil.getTime() > now ? row.partner : null;
  }

  /**
   * True when rate limits have held `id` back for PARTNER_RATE_LIMIT_MAX_WAIT_MS since the first time
   * one did. Only then does waiting on a 429 end the validation: an outage (breakers open, credentials
   * refused) never does (decision 0009).
   */
  async function rateLimitExpired(q: Db | Trx, id: string): Promise<boolean> {
    const since = await markRateLimited(q, id);
    return since !== null && Date.now() - since.getTime() >= deps.rateLimitMaxWaitMs;
  }

  /**
   * Claims the row (queued|processing → processing, attempts+1) under a short row lock — unless no
   * partner can take it now, in which case nothing changes and the job waits. Asking a partner about
   * a call it said was pending is free and does not count as an attempt.
   */
  async function claim(id: string): Promise<Claim> {
    return inTransaction(async (trx, defer): Promise<Claim> => {
      const row = await lockValidation(trx, id);
      if (!row) return { kind: 'missing' };
      if (isFinal(row.status)) return { kind: 'final' };
      // Another job's attempt may be calling a partner for this row right now (BullMQ redelivered a job
      // whose worker was too starved to renew its lock, or a sweeper requeued it): calling again could
      // bill the payee twice, so this job waits until that attempt ends or its lease runs out.
      const inFlightMs = row.status === 'processing' && row.processingStartedAt ? row.processingStartedAt.getTime() + deps.attemptLeaseMs - Date.now() : 0;
      // Look again within a second: that attempt usually ends long before its lease does.
      if (inFlightMs > 0) return { kind: 'wait', waitMs: Math.round(Math.min(inFlightMs, 750) + Math.random() * 250), reason: 'in_flight' };
      const maxAge = row.maxAgeSeconds ?? 0;
      if (maxAge > 0 && row.accountBlindIndex) {
        const sourceId = await findAnswerSince(trx, row, row.accountBlindIndex, new Date(Date.now() - maxAge * 1000));
        const source = sourceId && sourceId !== row.id ? await findValidation(trx, row, sourceId) : undefined;
        if (source?.status === 'completed' && source.accountStatus && source.partner && source.partnerReference) return { kind: 'reuse', source, row };
        // Someone else is asking a partner about this payee right now: wait for that answer instead of paying twice.
        if (deps.singleFlight && !(await deps.singleFlight.acquire(flightKey(row), row.id))) {
          return { kind: 'wait', waitMs: Math.round(deps.singleFlightPollMs * (0.75 + Math.random() / 2)), reason: 'single_flight' };
        }
      }
      const held = heldBy(row, Date.now());
      const router = routerFor(deps.routers, row);
      const candidates = router.candidates(row.rail, held);
      if (candidates.length === 0) {
        const limitedBy = router.rateLimited(row.rail, held);
        if (limitedBy !== null && (await rateLimitExpired(trx, id))) return { kind: 'rate_limited', partner: limitedBy };
        return { kind: 'wait', waitMs: router.waitMs(row.rail, held), reason: limitedBy === null ? 'no_partner' : 'rate_limited' };
      }
      const free = held !== null && row.partnerFollowup === 'pending';
      if (!free && row.attempts >= deps.maxTotalAttempts) return { kind: 'exhausted' };
      const claimedAt = new Date();
      await markProcessing(trx, id, claimedAt, !free);
      await changed(trx, row, row.status, 'processing', defer);
      return { kind: 'claimed', row: { ...row, status: 'processing', attempts: row.attempts + (free ? 0 : 1) }, candidates, held, free, claimedAt };
    });
  }

  /** Keeps the row with `partner` so the next attempt resolves this call there (bounded by the hold). */
  async function holdWith(row: Validation, partner: string, partnerReference: string | null, followup: PartnerFollowup): Promise<StepOutcome | void> {
    const now = Date.now();
    const current = row.partner === partner ? row.partnerHoldUntil : null;
    const holdUntil = current && current.getTime() > now ? current : new Date(now + deps.followupHoldMs);
    return storeOrFail(row.id, partner, () => markPartnerFollowup(db, row.id, { partner, partnerReference, followup, holdUntil }));
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
  ): Promise<StepOutcome & { row?: Validation }> {
    const { id } = claimed;
    const thresholds = (await deps.settings.get(claimed.tenantId)).nameMatch;
    const nameMatch = checkPayeeName(claimed.expectedName, result.registeredName, thresholds);
    const verifiedAt = reused?.verifiedAt ?? new Date();
    let completed: Validation | null = null;
    const refused = await storeOrFail(id, partner, async () => {
      completed = await inTransaction(async (trx, defer) => {
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
    });
    if (refused) return refused;
    const row = completed as Validation | null;
    if (!row) return done('skipped');
    await notifyWaiters(row);
    return { kind: 'completed', row };
  }

  return { claim, complete, fail, holdWith, rateLimitExpired };
}

export type ValidationSteps = ReturnType<typeof createValidationSteps>;
