// The claim step for a group of jobs in one transaction (group-transaction.ts): the rows are locked in
// one statement, the answers they may reuse are looked up in two, the single-flight locks are taken in
// one Redis call, and the claimed rows are marked in one UPDATE (two when some are free follow-ups).
// Each row gets exactly the decision the single-row claim made; validation-steps.ts documents them.
// A live row of a tenant with a spend cap must also get a slot of its quota before it may call a
// partner; without one it waits (src/usage/quota-gate.ts, docs/decisions/0037).

import type { Defer, Trx } from '../platform/db.js';
import type { FieldCipher } from '../platform/field-cipher.js';
import type { Claim, ModeRouters } from './validation-steps.js';
import { routerFor } from './validation-steps.js';
import type { SingleFlight } from './single-flight.js';
import { runStatusHook, type StatusChange, type StatusChangeHook } from './status-change-hook.js';
import { answerKey, findPartnerAnswers, lockValidations, markProcessingMany, readValidations } from './validation-group-store.js';
import { isFinal, type Validation } from './validation-types.js';
import type { GuardedPartner } from '../partners/partner-breaker.js';
import type { UsageMeter } from '../usage/usage-meter.js';
import { slotsWanted } from '../usage/spend-cap.js';

export interface ClaimGroupDeps {
  /** Opens the rows' VPA and names for the partner call and the name check. */
  cipher: FieldCipher;
  routers: ModeRouters;
  changed: StatusChangeHook;
  singleFlight: SingleFlight | null;
  singleFlightPollMs: number;
  maxTotalAttempts: number;
  attemptLeaseMs: number;
  /** Per mode like the answers it waits for. */
  flightKey(row: Validation): string;
  /** The partner this row must stay with while an earlier call to it is unresolved, if any. */
  heldBy(row: Validation, now: number): string | null;
  rateLimitExpired(trx: Trx, id: string): Promise<boolean>;
  usage: Pick<UsageMeter, 'claim'>;
}

const jitter = (ms: number): number => Math.round(ms * (0.75 + Math.random() / 2));

/** Claims the rows of `ids` (one decision per id, in order) inside `trx`. */
export async function claimGroup(deps: ClaimGroupDeps, trx: Trx, ids: readonly string[], defer: Defer): Promise<Claim[]> {
  const rows = await lockValidations(trx, deps.cipher, ids);
  const now = Date.now();
  const decided = new Map<string, Claim>();
  const open: Validation[] = [];
  for (const id of new Set(ids)) {
    const row = rows.get(id);
    if (!row) decided.set(id, { kind: 'missing' });
    else if (isFinal(row.status)) decided.set(id, { kind: 'final' });
    else {
      // Another job's attempt may be calling a partner for this row right now (BullMQ redelivered a job
      // whose worker was too starved to renew its lock, or a sweeper requeued it): calling again could
      // bill the payee twice, so this job waits until that attempt ends or its lease runs out.
      const inFlightMs = row.status === 'processing' && row.processingStartedAt ? row.processingStartedAt.getTime() + deps.attemptLeaseMs - now : 0;
      // Look again within a second: that attempt usually ends long before its lease does.
      if (inFlightMs > 0) decided.set(id, { kind: 'wait', waitMs: Math.round(Math.min(inFlightMs, 750) + Math.random() * 250), reason: 'in_flight' });
      else open.push(row);
    }
  }

  const reusable = open.filter((row) => (row.maxAgeSeconds ?? 0) > 0 && row.accountBlindIndex);
  // Single-flight locks first, then the look for a stored answer. A leader releases its lock only
  // after its answer is committed, and this transaction's first plain read (findReusable) fixes what it
  // sees: read after the acquire, an answer that freed the lock is seen. Read before it, an answer
  // committed in between was missed, and the partner was called twice for one payee (seen under load).
  const { singleFlight } = deps;
  const acquired = singleFlight ? await singleFlight.acquireMany(reusable.map((row) => ({ key: deps.flightKey(row), owner: row.id }))) : reusable.map(() => true);
  const reused = await findReusable(trx, deps.cipher, reusable, now);
  for (const [id, source] of reused) decided.set(id, { kind: 'reuse', source, row: rows.get(id)! });
  const heldForNothing: Validation[] = [];
  reusable.forEach((row, i) => {
    if (reused.has(row.id)) {
      if (singleFlight && acquired[i]) heldForNothing.push(row);
    } else if (!acquired[i]) {
      // Someone else is asking a partner about this payee right now: wait for that answer instead of paying twice.
      decided.set(row.id, { kind: 'wait', waitMs: jitter(deps.singleFlightPollMs), reason: 'single_flight' });
    }
  });
  if (singleFlight && heldForNothing.length > 0) defer(() => singleFlight.releaseMany(heldForNothing.map((row) => ({ key: deps.flightKey(row), owner: row.id }))));

  const claimedAt = new Date(now);
  const counted: string[] = [];
  const free: string[] = [];
  const changes: StatusChange[] = [];
  const ready: Array<{ row: Validation; candidates: GuardedPartner[]; held: string | null; isFree: boolean }> = [];
  for (const row of open) {
    if (decided.has(row.id)) continue;
    const held = deps.heldBy(row, now);
    const router = routerFor(deps.routers, row);
    const candidates = router.candidates(row.rail, held);
    if (candidates.length === 0) {
      const limitedBy = router.rateLimited(row.rail, held);
      if (limitedBy !== null && (await deps.rateLimitExpired(trx, row.id))) decided.set(row.id, { kind: 'rate_limited', partner: limitedBy });
      else decided.set(row.id, { kind: 'wait', waitMs: router.waitMs(row.rail, held), reason: limitedBy === null ? 'no_partner' : 'rate_limited' });
      continue;
    }
    // Asking a partner about a call it said was pending is free and does not count as an attempt.
    const isFree = held !== null && row.partnerFollowup === 'pending';
    if (!isFree && row.attempts >= deps.maxTotalAttempts) {
      decided.set(row.id, { kind: 'exhausted' });
      continue;
    }
    ready.push({ row, candidates, held, isFree });
  }
  // Spend caps: a call that may be charged needs a slot of the tenant's quota, reserved here.
  const refused = await deps.usage.claim(trx, ready.map((r) => ({ row: r.row, need: slotsWanted(r.row, r.held, r.isFree) })), claimedAt);
  const leaders = new Set(reusable.filter((row, i) => acquired[i] && !reused.has(row.id)).map((row) => row.id));
  const unlocked: Validation[] = [];
  for (const { row, candidates, held, isFree } of ready) {
    const quotaWaitMs = refused.get(row.id);
    if (quotaWaitMs !== undefined) {
      decided.set(row.id, { kind: 'wait', waitMs: quotaWaitMs, reason: 'quota' });
      // It may wait for hours: other validations of the payee need not wait on its single-flight lock.
      if (leaders.has(row.id)) unlocked.push(row);
      continue;
    }
    (isFree ? free : counted).push(row.id);
    changes.push({ v: row, from: row.status, to: 'processing' });
    const claimed = { ...row, status: 'processing' as const, attempts: row.attempts + (isFree ? 0 : 1), processingStartedAt: claimedAt };
    decided.set(row.id, { kind: 'claimed', row: claimed, candidates, held, free: isFree, claimedAt });
  }
  if (singleFlight && unlocked.length > 0) defer(() => singleFlight.releaseMany(unlocked.map((row) => ({ key: deps.flightKey(row), owner: row.id }))));
  await markProcessingMany(trx, counted, claimedAt, true);
  await markProcessingMany(trx, free, claimedAt, false);
  await runStatusHook(deps.changed, trx, changes, defer);

  // A second job for the same row in this group sees it as the first one left it.
  const seen = new Set<string>();
  return ids.map((id) => {
    const claim = decided.get(id)!;
    if (!seen.has(id)) {
      seen.add(id);
      return claim;
    }
    return claim.kind === 'claimed' || claim.kind === 'reuse' ? { kind: 'wait', waitMs: jitter(1000), reason: 'in_flight' } : claim;
  });
}

/** The completed validations whose recent partner answer each row may reuse instead of a call, by row id. */
async function findReusable(trx: Trx, cipher: FieldCipher, rows: readonly Validation[], now: number): Promise<Map<string, Validation>> {
  const found = new Map<string, Validation>();
  if (rows.length === 0) return found;
  const answers = await findPartnerAnswers(trx, rows.map((r) => r.accountBlindIndex!));
  const sourceOf = new Map<string, string>();
  for (const row of rows) {
    const a = answers.get(answerKey(row.accountBlindIndex!, row.livemode));
    if (!a || a.tenantId !== row.tenantId || a.validationId === row.id) continue;
    if (a.verifiedAt.getTime() < now - row.maxAgeSeconds! * 1000) continue;
    sourceOf.set(row.id, a.validationId);
  }
  const sources = await readValidations(trx, cipher, [...sourceOf.values()]);
  for (const row of rows) {
    const s = sources.get(sourceOf.get(row.id) ?? '');
    // Scoped like every read: another tenant's or mode's validation does not exist for this one.
    if (!s || s.tenantId !== row.tenantId || s.livemode !== row.livemode) continue;
    // A purged answer has no holder name left to give (and its pointer is deleted with it): never served.
    if (s.status === 'completed' && s.purgedAt === null && s.accountStatus && s.partner && s.partnerReference) found.set(row.id, s);
  }
  return found;
}
