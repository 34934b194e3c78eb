// The row side of processing a validation: claim it, keep it with a partner, complete or fail it.
// Each step is a short transaction under the row lock, and runs its status hooks (batch counters,
// webhook events) inside it; the claims and the final steps of jobs that arrive together share one
// (group-transaction.ts, claim-group.ts, finalise-group.ts). No partner is called here.

import type { Logger } from '../platform/logger.js';
import type { Db, Defer, Trx } from '../platform/db.js';
import type { FieldCipher } from '../platform/field-cipher.js';
import { dbErrorSummary, isDataError } from '../platform/db-errors.js';
import type { GuardedPartner } from '../partners/partner-breaker.js';
import type { PartnerRouter } from '../partners/partner-router.js';
import type { PartnerResult } from '../partners/partner-types.js';
import type { PartnerWaitReason } from '../partners/partner-telemetry.js';
import type { TenantSettingsStore } from '../tenants/tenant-settings.js';
import type { CompletionPublisher } from './completion-notifier.js';
import type { SingleFlight } from './single-flight.js';
import { checkPayeeName } from './name-check.js';
import { markRateLimited } from './rate-limit-store.js';
import { markPartnerFollowup } from './validation-store.js';
import type { CompletedResult, PartnerFollowup, Validation } from './validation-types.js';
import type { StatusChangeHook } from './status-change-hook.js';
import { createGroupTransaction } from './group-transaction.js';
import { claimGroup } from './claim-group.js';
import { finaliseGroup, type FinalItem, type FinalOutcome } from './finalise-group.js';
import type { PartnerVerdict } from '../usage/usage-classify.js';
import type { UsageMeter } from '../usage/usage-meter.js';

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
  /** The rows' personal fields are sealed (personal-fields.ts). */
  cipher: FieldCipher;
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
  /** Jobs per shared claim or final transaction (default 200). */
  groupMaxItems?: number;
  /** Shared transactions of each kind at once, each on its own pooled connection (default 2). */
  groupMaxInFlight?: number;
  /** Counts what final validations used, in their final transaction (src/usage). */
  usage: UsageMeter;
}

export function createValidationSteps(deps: StepDeps) {
  const { db, logger } = deps;
  const changed: StatusChangeHook = deps.onStatusChange ?? (async () => undefined);
  // Only single validations can be waited on (`?wait=`); a million-row batch need not publish a million messages.
  const notifyWaiters = (row: Validation) => (row.batchId ? Promise.resolve() : deps.publisher.published(row.id));
  const done = (kind: StepOutcome['kind']): StepOutcome => ({ kind });
  const onTaskError = (err: unknown) => logger.warn({ err }, 'after-commit task failed');
  const grouping = { maxItems: deps.groupMaxItems ?? 200, maxInFlight: deps.groupMaxInFlight ?? 2 };

  /** After the rows are final: let validations waiting on these ones' calls of the same payees go ahead. */
  function releaseSingleFlight(rows: readonly Validation[], defer: Defer): void {
    const { singleFlight } = deps;
    const locks = rows.filter((row) => row.accountBlindIndex).map((row) => ({ key: flightKey(row), owner: row.id }));
    if (singleFlight && locks.length > 0) defer(() => singleFlight.releaseMany(locks));
  }

  const claims = createGroupTransaction<string, Claim>({
    db,
    ...grouping,
    onTaskError,
    run: (trx, ids, defer) =>
      claimGroup({ cipher: deps.cipher, routers: deps.routers, changed, singleFlight: deps.singleFlight, singleFlightPollMs: deps.singleFlightPollMs, maxTotalAttempts: deps.maxTotalAttempts, attemptLeaseMs: deps.attemptLeaseMs, flightKey, heldBy, rateLimitExpired, usage: deps.usage }, trx, ids, defer),
  });
  const finals = createGroupTransaction<FinalItem, FinalOutcome>({
    db,
    ...grouping,
    onTaskError,
    run: (trx, items, defer) => finaliseGroup({ cipher: deps.cipher, changed, onFinal: releaseSingleFlight, usage: deps.usage }, trx, items, defer),
  });

  /** `verdict`: the partner's definitive word on this validation's call, when one ends it (usage metering). */
  async function fail(id: string, code: string, partnerName: string | null, verdict: PartnerVerdict | null = null): Promise<StepOutcome> {
    const outcome = await finals.submit({ kind: 'fail', id, code, partner: partnerName, verdict });
    if (outcome.kind === 'skipped') return done('skipped');
    await notifyWaiters(outcome.row);
    return done('failed');
  }

  /**
   * Runs a write of partner-supplied values. partner-answer.ts bounds them to the columns, so a value
   * MySQL still refuses (a schema that changed under it) is the same refusal on every retry: the
   * validation fails once with `partner.bad_response`, logged once, with codes only — the statement
   * and its values never reach a log or a job record.
   */
  async function storeOrFail<T>(id: string, partner: string, write: () => Promise<T>, verdict: PartnerVerdict | null): Promise<T | StepOutcome> {
    try {
      return await write();
    } catch (err) {
      if (!isDataError(err)) throw err;
      logger.error({ validationId: id, partner, db: dbErrorSummary(err) }, 'partner answer could not be stored; failing the validation with partner.bad_response');
      return fail(id, 'partner.bad_response', partner, verdict);
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
   * a call it said was pending is free and does not count as an attempt. Claims arriving together
   * share one transaction (claim-group.ts).
   */
  function claim(id: string): Promise<Claim> {
    return claims.submit(id);
  }

  /** Keeps the row with `partner` so the next attempt resolves this call there (bounded by the hold). */
  async function holdWith(row: Validation, partner: string, partnerReference: string | null, followup: PartnerFollowup): Promise<StepOutcome | void> {
    const now = Date.now();
    const current = row.partner === partner ? row.partnerHoldUntil : null;
    const holdUntil = current && current.getTime() > now ? current : new Date(now + deps.followupHoldMs);
    // A pending answer is a call the partner accepted (and charges for); an ambiguous one may not be.
    const verdict = followup === 'pending' ? { partner, billed: true } : null;
    return storeOrFail(row.id, partner, () => markPartnerFollowup(db, row.id, { partner, partnerReference, followup, holdUntil }), verdict);
  }

  /**
   * Completes the row with a partner's answer: its own call's, or (`reused`) an earlier or concurrent
   * validation's of the same payee. The name is always matched against this validation's own expected
   * name, with its tenant's thresholds. Completions arriving together share one transaction
   * (finalise-group.ts). `billed`: whether the partner charges for its own answer.
   */
  async function complete(
    claimed: Validation,
    partner: string,
    result: PartnerResult,
    reused: { from: string; verifiedAt: Date } | null = null,
    billed = reused === null,
  ): Promise<StepOutcome & { row?: Validation }> {
    const { id } = claimed;
    const thresholds = (await deps.settings.get(claimed.tenantId)).nameMatch;
    const nameMatch = checkPayeeName(claimed.expectedName, result.registeredName, thresholds);
    const completed: CompletedResult = {
      accountStatus: result.accountStatus,
      statusReason: result.statusReason,
      registeredName: result.registeredName,
      nameMatchScore: nameMatch.score,
      nameMatchResult: nameMatch.result,
      nameMatchReasons: nameMatch.reasons,
      nameMatchFlags: nameMatch.flags,
      partner,
      partnerReference: result.partnerReference,
      verifiedAt: reused?.verifiedAt ?? new Date(),
      reusedFrom: reused?.from ?? null,
    };
    const verdict = reused === null ? { partner, billed } : null;
    const outcome: FinalOutcome | StepOutcome = await storeOrFail(id, partner, () => finals.submit({ kind: 'complete', id, result: completed, billed }), verdict);
    // A refused write has been failed by storeOrFail (and its waiters told); a skipped row was final already.
    if (outcome.kind !== 'completed' || !('row' in outcome)) return done(outcome.kind);
    await notifyWaiters(outcome.row);
    return { kind: 'completed', row: outcome.row };
  }

  return { claim, complete, fail, holdWith, rateLimitExpired, stats: () => ({ claims: claims.stats(), finals: finals.stats() }) };
}

export type ValidationSteps = ReturnType<typeof createValidationSteps>;
