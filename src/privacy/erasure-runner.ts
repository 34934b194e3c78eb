// Carries out erasure requests as a duty of the sweeper's leader: a page of a request's validations
// per short transaction — unfinished ones failed first (`validation.erased`, through the worker's final
// step, so batch counters and events stay exact), then purged with their events, their batch rows'
// references and the idempotent answers that would replay them. Progress is the items' `done` flag,
// so a restart resumes where the last page committed.

import { setTimeout as sleep } from 'node:timers/promises';
import { withTransaction, type Db, type Trx } from '../platform/db.js';
import type { Logger } from '../platform/logger.js';
import type { FieldCipher } from '../platform/field-cipher.js';
import { appendAudit } from '../platform/audit-store.js';
import { fromRow } from '../validations/validation-store.js';
import { toValidationView } from '../validations/validation-view.js';
import { purgeValidations } from './purge-store.js';
import { addCounts, completeRequest, markItemsDone, pendingItems, processingRequests, type ErasureRequest } from './erasure-store.js';

export interface ErasureRunnerDeps {
  db: Db;
  cipher: FieldCipher;
  logger: Logger;
  pageSize: number;
  pauseMs: number;
  failUnfinished(ids: readonly string[], code: string): Promise<void>;
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

  /** One page of a request; false when nothing is left to do for it now. */
  async function page(r: ErasureRequest): Promise<boolean> {
    const ids = await pendingItems(db, r.id, deps.pageSize);
    if (ids.length === 0) return false;
    const unfinished: string[] = await db('validations').whereIn('id', ids).whereIn('status', ['queued', 'processing']).pluck('id');
    if (unfinished.length > 0) await deps.failUnfinished(unfinished, 'validation.erased');
    const batchRowsOf: Array<{ id: string; batch_id: string; batch_row_count: number }> = await db('validations')
      .whereIn('id', ids)
      .whereNotNull('batch_id')
      .whereNull('purged_at')
      .select('id', 'batch_id', 'batch_row_count');
    const now = new Date();
    const progressed = await withTransaction(db, async (trx) => {
      const result = await purgeValidations(trx, r.tenantId, ids, now);
      const purged = new Set(result.purged);
      // The rows' own references: a batch_rows scan of each batch (no index on validation_id; erasure is rare).
      const byBatch = new Map<string, string[]>();
      for (const v of batchRowsOf.filter((b) => purged.has(b.id))) byBatch.set(v.batch_id, [...(byBatch.get(v.batch_id) ?? []), v.id]);
      for (const [batchId, vids] of byBatch) await trx('batch_rows').where({ batch_id: batchId }).whereIn('validation_id', vids).update({ reference_id: null });
      const batchRows = batchRowsOf.filter((b) => purged.has(b.id)).reduce((n, b) => n + Number(b.batch_row_count), 0);
      const idempotencyRecords = await rewriteIdempotentAnswers(trx, deps.cipher, r.tenantId, result.purged);
      // Rows purged before (retention, an earlier request) are done too; a row still unfinished is retried.
      const still = new Set(result.unfinished);
      const done = ids.filter((id) => !still.has(id));
      await markItemsDone(trx, r.id, done);
      await addCounts(trx, r.id, { purgedValidations: result.purged.length, unfinishedFailed: unfinished.filter((id) => purged.has(id)).length, batchRows, webhookEvents: result.events, idempotencyRecords });
      return done.length > 0;
    });
    return progressed;
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

  /** Works through every open request until none is left or `shouldStop`. */
  async function run(shouldStop: () => boolean): Promise<void> {
    for (const r of await processingRequests(db, 20)) {
      for (;;) {
        if (shouldStop()) return;
        const started = Date.now();
        if (!(await page(r))) break;
        await sleep(Math.max(deps.pauseMs, Date.now() - started));
      }
      if ((await pendingItems(db, r.id, 1)).length === 0) await finish(r);
    }
  }

  return { run };
}
