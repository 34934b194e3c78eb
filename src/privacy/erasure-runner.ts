// Carries out erasure requests as a duty of the sweeper's leader. A `finding` request's find
// (erasure-find.ts) turns the payee into items a bounded step at a time, under the blind-index keys
// this process has; items are purged a page at a time (erasure-page.ts), also while the find waits for
// an upload. Progress is the find cursor and the items' `done` flag, so a restart resumes where the
// last step committed. Requests take turns — a bounded number of steps and of seconds each,
// round-robin from where the last run stopped — and one whose step fails is logged and passed over
// until its next turn, so neither a large request nor a broken one holds up the others.

import { setTimeout as sleep } from 'node:timers/promises';
import { withTransaction, type Db } from '../platform/db.js';
import type { Logger } from '../platform/logger.js';
import type { FieldCipher } from '../platform/field-cipher.js';
import { appendAudit } from '../platform/audit-store.js';
import { payeeBlindIndex, type BlindIndexer, type IndexedPayee } from '../validations/new-validation.js';
import { findStep, SETTLE_MS } from './erasure-find.js';
import { purgePage, type ErasurePageDeps } from './erasure-page.js';
import { completeRequest, erasurePayeeAad, openRequests, pendingItems, readRequest, type ErasureRequest } from './erasure-store.js';

/** Steps one request takes in a turn before the next request's turn… */
const STEPS_PER_TURN = 50;
/** …and the time it may use (a step walking a large batch's rows takes seconds). */
const TURN_BUDGET_MS = 10_000;
/** Requests read per turn of the round. */
const REQUESTS_PER_READ = 20;
/** The longest rest between steps: a step's own batch walk has rested already, and a stop must not wait long. */
const MAX_REST_MS = 1000;

export interface ErasureRunnerDeps extends ErasurePageDeps {
  logger: Logger;
  pauseMs: number;
  /**
   * The blind indexers a payee is looked up with: BLIND_INDEX_KEY's and, during a key change,
   * BLIND_INDEX_PREVIOUS_KEY's (rows `payval keys reindex` has not reached yet are under it).
   */
  blindIndexers: readonly BlindIndexer[];
  /** How long after a request its find starts (erasure-find.ts); tests shorten it. */
  settleMs?: number;
}

export function createErasureRunner(deps: ErasureRunnerDeps) {
  const { db } = deps;
  const rest = (startedAt: number) => sleep(Math.min(MAX_REST_MS, Math.max(deps.pauseMs, Date.now() - startedAt)));

  /** The payee's blind indexes under the keys this process has now. */
  function indexesOf(r: ErasureRequest, cipher: FieldCipher): string[] {
    const payee = JSON.parse(cipher.decrypt(r.payeeCiphertext!, erasurePayeeAad(r.id))) as IndexedPayee;
    return [...new Set(deps.blindIndexers.map((ix) => payeeBlindIndex(ix, r.tenantId, payee)))];
  }

  async function finish(r: ErasureRequest): Promise<void> {
    const done = await withTransaction(db, async (trx) => {
      const c = await completeRequest(trx, r.id, new Date());
      if (!c) return null;
      await appendAudit(trx, {
        tenantId: r.tenantId,
        actor: 'system',
        action: 'erasure_request.completed',
        targetType: 'erasure_request',
        targetId: r.id,
        details: {
          matched_validations: c.matchedValidations,
          validations: c.purgedValidations,
          unfinished_failed: c.unfinishedFailed,
          batch_rows: c.batchRows,
          webhook_events: c.webhookEvents,
          idempotency_records: c.idempotencyRecords,
        },
      });
      return c;
    });
    if (done) deps.logger.info({ erasureRequestId: r.id, tenantId: r.tenantId, validations: done.purgedValidations }, 'erasure request completed');
  }

  /** One step of a request: `more` when it moved on, `idle` when it must wait, `done` when it completed. */
  async function step(id: string, shouldStop: () => boolean): Promise<'more' | 'idle' | 'done'> {
    const r = await readRequest(db, id);
    if (!r || r.status === 'completed') return 'done';
    const purge = () => purgePage(deps, r, { rest, shouldStop });
    if (r.status === 'finding') {
      let found: Awaited<ReturnType<typeof findStep>> = 'wait';
      try {
        found = await findStep(db, r, indexesOf(r, deps.cipher), new Date(), deps.settleMs ?? SETTLE_MS);
      } catch (err) {
        // A payee that no longer decrypts (its key retired too early; `keys retire-check` refuses
        // that while a request holds it) leaves the request finding: what it found is still purged.
        deps.logger.warn({ err, erasureRequestId: r.id, tenantId: r.tenantId }, 'erasure request find step failed');
      }
      if (found !== 'wait') return 'more';
      // Waiting (to settle, or for an upload to end): what was found so far is purged meanwhile.
      return (await purge()) ? 'more' : 'idle';
    }
    if (await purge()) return 'more';
    if (shouldStop() || (await pendingItems(db, r.id, 1)).length > 0) return 'idle';
    await finish(r);
    return 'done';
  }

  /** A request's turn: up to STEPS_PER_TURN steps or TURN_BUDGET_MS, resting between steps. */
  async function turn(r: ErasureRequest, shouldStop: () => boolean): Promise<void> {
    const began = Date.now();
    for (let n = 0; n < STEPS_PER_TURN && Date.now() - began < TURN_BUDGET_MS && !shouldStop(); n++) {
      const started = Date.now();
      if ((await step(r.id, shouldStop)) !== 'more') return;
      await rest(started);
    }
  }

  let after = '';
  /** Gives the next open requests a turn each, round-robin from where the last run stopped, until `shouldStop`. */
  async function run(shouldStop: () => boolean): Promise<void> {
    let requests = await openRequests(db, after, REQUESTS_PER_READ);
    if (requests.length === 0 && after !== '') {
      after = '';
      requests = await openRequests(db, after, REQUESTS_PER_READ);
    }
    for (const r of requests) {
      if (shouldStop()) return;
      after = r.id;
      try {
        await turn(r, shouldStop);
      } catch (err) {
        deps.logger.warn({ err, erasureRequestId: r.id, tenantId: r.tenantId }, 'erasure request step failed; the other requests go on, this one is retried on its next turn');
      }
    }
  }

  return { run };
}
