// Carries out erasure requests as a duty of the sweeper's leader. First the find (erasure-find.ts)
// turns the payee's blind indexes into items, a bounded step at a time; then a page of items per short
// transaction: unfinished validations failed first (`validation.erased`, through the worker's final
// step, so batch counters and events stay exact), their batch rows' references nulled range by range
// outside the transaction, then the rows purged with their events and the idempotent answers that
// would replay them. Progress is the find cursor and the items' `done` flag, so a restart resumes
// where the last step committed. Requests take turns (a bounded number of steps each, round-robin
// from where the last run stopped), and one whose step fails is logged and passed over until its
// next turn, so neither a large request nor a broken one holds up the others.

import { setTimeout as sleep } from 'node:timers/promises';
import { withTransaction, type Db, type Trx } from '../platform/db.js';
import type { Logger } from '../platform/logger.js';
import type { FieldCipher } from '../platform/field-cipher.js';
import { appendAudit } from '../platform/audit-store.js';
import { fromRow } from '../validations/validation-store.js';
import { toValidationView } from '../validations/validation-view.js';
import { purgeBatchRowsOf, purgeValidations } from './purge-store.js';
import { findStep } from './erasure-find.js';
import type { PurgeTable } from './privacy-metrics.js';
import { addCounts, completeRequest, erasurePayeeAad, markItemsDone, pendingItems, processingRequests, readRequest, type ErasureRequest } from './erasure-store.js';
import { payeeBlindIndex, type BlindIndexer, type IndexedPayee } from '../validations/new-validation.js';

/** Steps one request takes in a turn before the next request's turn. */
const STEPS_PER_TURN = 50;
/** Requests read per turn of the round. */
const REQUESTS_PER_READ = 20;
const isFinal = (s: string) => s === 'completed' || s === 'failed';

export interface ErasureRunnerDeps {
  db: Db;
  cipher: FieldCipher;
  logger: Logger;
  pageSize: number;
  pauseMs: number;
  failUnfinished(ids: readonly string[], code: string): Promise<void>;
  /**
   * The blind indexers a payee is looked up with: BLIND_INDEX_KEY's and, during a key change,
   * BLIND_INDEX_PREVIOUS_KEY's (rows `payval keys reindex` has not reached yet are under it).
   */
  blindIndexers: readonly BlindIndexer[];
  onPurged?(table: PurgeTable, n: number): void;
}

/**
 * A replay of an erased validation's request answers with the purged object, not the payee. The
 * purged view holds no personal data, so it is stored in clear (replays read either form).
 */
async function rewriteIdempotentAnswers(trx: Trx, cipher: FieldCipher, tenantId: string, purged: readonly string[]): Promise<number> {
  if (purged.length === 0) return 0;
  const keys: Array<{ livemode: number; idem_key: string; resource_id: string }> = await trx('idempotency_keys')
    .where({ tenant_id: tenantId })
    .whereIn('resource_id', purged)
    .select('livemode', 'idem_key', 'resource_id');
  if (keys.length === 0) return 0;
  const views = new Map((await trx('validations').whereIn('id', [...new Set(keys.map((k) => k.resource_id))])).map((r) => [r.id as string, toValidationView(fromRow(r, cipher))]));
  for (const k of keys) {
    await trx('idempotency_keys')
      .where({ tenant_id: tenantId, livemode: k.livemode, idem_key: k.idem_key })
      .update({ response_body: JSON.stringify(views.get(k.resource_id) ?? null) });
  }
  return keys.length;
}

export function createErasureRunner(deps: ErasureRunnerDeps) {
  const { db } = deps;

  const rest = (startedAt: number) => sleep(Math.max(deps.pauseMs, Date.now() - startedAt));

  /** The payee's blind indexes under the keys this process has now. */
  function indexesOf(r: ErasureRequest): string[] {
    const payee = JSON.parse(deps.cipher.decrypt(r.payeeCiphertext!, erasurePayeeAad(r.id))) as IndexedPayee;
    return [...new Set(deps.blindIndexers.map((ix) => payeeBlindIndex(ix, r.tenantId, payee)))];
  }

  /** One page of a request's items; false when nothing is left to do for it now (or `shouldStop`). */
  async function page(r: ErasureRequest, shouldStop: () => boolean): Promise<boolean> {
    const ids = await pendingItems(db, r.id, deps.pageSize);
    if (ids.length === 0) return false;
    const unfinished: string[] = await db('validations').whereIn('id', ids).whereIn('status', ['queued', 'processing']).pluck('id');
    if (unfinished.length > 0) await deps.failUnfinished(unfinished, 'validation.erased');
    const rows: Array<{ id: string; status: string; batch_id: string | null; batch_row_count: number }> = await db('validations')
      .whereIn('id', ids)
      .select('id', 'status', 'batch_id', 'batch_row_count');
    // The rows' own references first, outside the purge transaction (a crash in between only repeats
    // this), also of rows retention purged meanwhile.
    const byBatch = new Map<string, string[]>();
    for (const v of rows.filter((b) => b.batch_id && isFinal(b.status))) byBatch.set(v.batch_id!, [...(byBatch.get(v.batch_id!) ?? []), v.id]);
    for (const [batchId, vids] of byBatch) {
      if (!(await purgeBatchRowsOf(db, batchId, vids, { rest, shouldStop }))) return false;
    }
    const now = new Date();
    const outcome = await withTransaction(db, async (trx) => {
      const result = await purgeValidations(trx, r.tenantId, ids, now);
      const purged = new Set(result.purged);
      const batchRows = rows.filter((b) => b.batch_id && purged.has(b.id)).reduce((n, b) => n + Number(b.batch_row_count), 0);
      const idempotencyRecords = await rewriteIdempotentAnswers(trx, deps.cipher, r.tenantId, result.purged);
      // Rows purged before (retention, an earlier request) are done too; a row still unfinished is retried.
      const still = new Set(result.unfinished);
      const done = ids.filter((id) => !still.has(id));
      await markItemsDone(trx, r.id, done);
      await addCounts(trx, r.id, { purgedValidations: result.purged.length, unfinishedFailed: unfinished.filter((id) => purged.has(id)).length, batchRows, webhookEvents: result.events, idempotencyRecords });
      return { progressed: done.length > 0, purged: result.purged.length, batchRows, events: result.events };
    });
    deps.onPurged?.('validations', outcome.purged);
    deps.onPurged?.('batch_rows', outcome.batchRows);
    deps.onPurged?.('webhook_events', outcome.events);
    return outcome.progressed;
  }

  /** One step of a request: `more` when it moved on, `idle` when it must wait, `done` when it completed. */
  async function step(id: string, shouldStop: () => boolean): Promise<'more' | 'idle' | 'done'> {
    const r = await readRequest(db, id);
    if (!r || r.status !== 'processing') return 'done';
    if (r.payeeCiphertext && !r.foundAt) {
      if ((await findStep(db, r, indexesOf(r))) !== 'wait') return 'more';
      // Waiting for an upload to end: what was found so far is purged meanwhile.
      return (await page(r, shouldStop)) ? 'more' : 'idle';
    }
    if (await page(r, shouldStop)) return 'more';
    if (shouldStop() || (await pendingItems(db, r.id, 1)).length > 0) return 'idle';
    await finish(r);
    return 'done';
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

  /** A request's turn: up to STEPS_PER_TURN steps, resting between them as long as each took. */
  async function turn(r: ErasureRequest, shouldStop: () => boolean): Promise<void> {
    for (let n = 0; n < STEPS_PER_TURN && !shouldStop(); n++) {
      const started = Date.now();
      if ((await step(r.id, shouldStop)) !== 'more') return;
      await rest(started);
    }
  }

  let after = '';
  /** Gives the next open requests a turn each, round-robin from where the last run stopped, until `shouldStop`. */
  async function run(shouldStop: () => boolean): Promise<void> {
    let requests = await processingRequests(db, after, REQUESTS_PER_READ);
    if (requests.length === 0 && after !== '') {
      after = '';
      requests = await processingRequests(db, after, REQUESTS_PER_READ);
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
