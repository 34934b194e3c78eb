// The final step for a group of jobs in one transaction (group-transaction.ts): completions and
// failures that arrive together lock their rows in one statement (primary-key order), write them in
// one UPDATE per kind, point the payees at their new answers in one INSERT, count what they used
// (src/usage), run the status hooks (batch counters, webhook events) for every row that changed, and
// commit once. A row already final, or finalised earlier in the same group, is left alone: a job
// delivered twice does nothing twice.

import type { Defer, Trx } from '../platform/db.js';
import type { FieldCipher } from '../platform/field-cipher.js';
import { failureMessage } from './failure-messages.js';
import { runStatusHook, type StatusChange, type StatusChangeHook } from './status-change-hook.js';
import { lockValidations, markCompletedMany, recordPartnerAnswers, type PartnerAnswerRow } from './validation-group-store.js';
import { markFailed } from './validation-store.js';
import { isFinal, type CompletedResult, type Validation } from './validation-types.js';
import type { FinalUsage, UsageMeter } from '../usage/usage-meter.js';
import type { PartnerVerdict } from '../usage/usage-classify.js';

/**
 * `billed`: whether the partner charges for its own answer (false for a reused one). `verdict`: the
 * partner's definitive word on this validation's call, when one ends it (a refusal, an unstorable answer).
 */
export type FinalItem =
  | { kind: 'complete'; id: string; result: CompletedResult; billed: boolean }
  | { kind: 'fail'; id: string; code: string; partner: string | null; verdict: PartnerVerdict | null };

/** The row as it was before this step (null: missing or already final, nothing done). */
export type FinalOutcome = { kind: 'completed' | 'failed'; row: Validation } | { kind: 'skipped' };

export interface FinaliseGroupDeps {
  /** Seals the holder names the rows complete with (and opens the rows the status hooks are given). */
  cipher: FieldCipher;
  changed: StatusChangeHook;
  /** After the rows are final: validations waiting on these ones' calls of the same payees may go ahead. */
  onFinal(rows: readonly Validation[], defer: Defer): void;
  usage: UsageMeter;
}

export async function finaliseGroup(deps: FinaliseGroupDeps, trx: Trx, items: readonly FinalItem[], defer: Defer): Promise<FinalOutcome[]> {
  const rows = await lockValidations(
    trx,
    deps.cipher,
    items.map((i) => i.id),
  );
  const now = new Date();
  const done = new Set<string>();
  const completed: Array<{ id: string; result: CompletedResult }> = [];
  const answers: PartnerAnswerRow[] = [];
  const changes: StatusChange[] = [];
  const used: FinalUsage[] = [];
  const outcomes: FinalOutcome[] = [];
  for (const item of items) {
    const row = rows.get(item.id);
    if (!row || isFinal(row.status) || done.has(item.id)) {
      outcomes.push({ kind: 'skipped' });
      continue;
    }
    done.add(item.id);
    if (item.kind === 'complete') {
      completed.push({ id: item.id, result: item.result });
      // Only an answer a partner gave this validation is one others may reuse; a reused one already has its pointer.
      if (item.result.reusedFrom === null && row.accountBlindIndex) {
        answers.push({ tenantId: row.tenantId, livemode: row.livemode, blindIndex: row.accountBlindIndex, validationId: row.id, verifiedAt: item.result.verifiedAt });
      }
    } else {
      // Failures are the exception: one statement each keeps this file simple.
      await markFailed(trx, item.id, { code: item.code, message: failureMessage(item.code), partner: item.partner }, now);
    }
    const to = item.kind === 'complete' ? 'completed' : 'failed';
    changes.push({ v: row, from: row.status, to });
    used.push({
      row,
      step:
        item.kind === 'complete'
          ? { kind: 'complete', partner: item.result.partner, reusedFrom: item.result.reusedFrom, verifiedAt: item.result.verifiedAt, billed: item.billed }
          : { kind: 'fail', verdict: item.verdict },
    });
    outcomes.push({ kind: to, row });
  }
  await markCompletedMany(trx, deps.cipher, completed, now);
  await recordPartnerAnswers(trx, answers);
  await deps.usage.final(trx, used, now, defer);
  await runStatusHook(deps.changed, trx, changes, defer);
  deps.onFinal(
    changes.map((c) => c.v),
    defer,
  );
  return outcomes;
}
