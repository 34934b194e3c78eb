// erasure_requests and their items. A request stores ids and counts; the payee, under the field cipher,
// only while its validations are being found (cleared when the find ends), so the payee exists nowhere
// once the request is past that. Statuses: `finding` → `processing` → `completed`; the API shows
// `finding` as `processing`. Workers of the release before ran only `processing` requests, whose
// validations were found at creation: a rolling upgrade leaves `finding` ones to the new leader.

import type { Db, Trx } from '../platform/db.js';

export interface ErasureRequest {
  id: string;
  tenantId: string;
  livemode: boolean;
  type: 'bank_account' | 'vpa';
  status: 'finding' | 'processing' | 'completed';
  matchedValidations: number;
  purgedValidations: number;
  unfinishedFailed: number;
  batchRows: number;
  webhookEvents: number;
  idempotencyRecords: number;
  createdAt: Date;
  completedAt: Date | null;
  /** The payee under the field cipher while the request is `finding`; null after. */
  payeeCiphertext: string | null;
  /** How far the find got: `s:<validation id>` among single validations, then `b:<batch id>` among batches. */
  findCursor: string | null;
  foundAt: Date | null;
}

/** AAD of a request's sealed payee: it opens only as that request's. */
export const erasurePayeeAad = (requestId: string): string => `erasure_requests.payee:${requestId}`;

const fromRow = (r: Record<string, any>): ErasureRequest => ({
  id: r.id,
  tenantId: r.tenant_id,
  livemode: Boolean(r.livemode),
  type: r.type,
  status: r.status,
  matchedValidations: Number(r.matched_validations),
  purgedValidations: Number(r.purged_validations),
  unfinishedFailed: Number(r.unfinished_failed),
  batchRows: Number(r.batch_rows),
  webhookEvents: Number(r.webhook_events),
  idempotencyRecords: Number(r.idempotency_records),
  createdAt: r.created_at,
  completedAt: r.completed_at ?? null,
  payeeCiphertext: r.payee_ciphertext ?? null,
  findCursor: r.find_cursor ?? null,
  foundAt: r.found_at ?? null,
});

export async function insertErasureRequest(trx: Trx, r: ErasureRequest & { actor: string; requestId: string | null }): Promise<void> {
  await trx('erasure_requests').insert({
    id: r.id,
    tenant_id: r.tenantId,
    livemode: r.livemode,
    type: r.type,
    status: r.status,
    actor: r.actor,
    request_id: r.requestId,
    matched_validations: r.matchedValidations,
    payee_ciphertext: r.payeeCiphertext,
    find_cursor: r.findCursor,
    created_at: r.createdAt,
    completed_at: r.completedAt,
  });
}

/** Scoped read: another tenant's request does not exist for this one. */
export async function findErasureRequest(db: Db, tenantId: string, id: string): Promise<ErasureRequest | undefined> {
  const row = await db('erasure_requests').where({ id, tenant_id: tenantId }).first();
  return row ? fromRow(row) : undefined;
}

/** Open requests after `afterId` in id order: the runner walks them round-robin, so one that keeps failing delays nobody. */
export async function openRequests(db: Db, afterId: string, limit: number): Promise<ErasureRequest[]> {
  return (await db('erasure_requests').whereIn('status', ['finding', 'processing']).where('id', '>', afterId).orderBy('id').limit(limit)).map(fromRow);
}

export async function readRequest(db: Db, id: string): Promise<ErasureRequest | undefined> {
  const row = await db('erasure_requests').where({ id }).first();
  return row ? fromRow(row) : undefined;
}

/**
 * Records one step of the find: the validations it found become items, and the cursor moves on, in
 * one transaction; the cursor guard makes a repeated step (two runners, a retry) a no-op. With
 * `foundAt` the find is over: the request becomes `processing` and its payee is cleared.
 */
export async function recordFound(db: Db, r: ErasureRequest, validationIds: readonly string[], cursor: string | null, foundAt: Date | null): Promise<void> {
  await db.transaction(async (trx) => {
    const moved = await trx('erasure_requests')
      .where({ id: r.id, status: 'finding' })
      .where((w) => (r.findCursor === null ? w.whereNull('find_cursor') : w.where('find_cursor', r.findCursor)))
      .update({
        find_cursor: cursor,
        matched_validations: trx.raw('matched_validations + ?', [validationIds.length]),
        ...(foundAt ? { found_at: foundAt, status: 'processing', payee_ciphertext: null } : {}),
      });
    if (Number(moved) !== 1) return;
    for (let i = 0; i < validationIds.length; i += 500) {
      await trx('erasure_request_items').insert(validationIds.slice(i, i + 500).map((id) => ({ request_id: r.id, validation_id: id })));
    }
  });
}

export async function pendingItems(db: Db, requestId: string, limit: number): Promise<string[]> {
  return db('erasure_request_items').where({ request_id: requestId, done: false }).orderBy('validation_id').limit(limit).pluck('validation_id');
}

export async function markItemsDone(trx: Trx, requestId: string, ids: readonly string[]): Promise<void> {
  await trx('erasure_request_items').where({ request_id: requestId }).whereIn('validation_id', ids).update({ done: true });
}

export type ErasureCounts = Pick<ErasureRequest, 'purgedValidations' | 'unfinishedFailed' | 'batchRows' | 'webhookEvents' | 'idempotencyRecords'>;

export async function addCounts(db: Db | Trx, requestId: string, c: Partial<ErasureCounts>): Promise<void> {
  const column: Record<keyof ErasureCounts, string> = {
    purgedValidations: 'purged_validations',
    unfinishedFailed: 'unfinished_failed',
    batchRows: 'batch_rows',
    webhookEvents: 'webhook_events',
    idempotencyRecords: 'idempotency_records',
  };
  const values = Object.fromEntries(
    Object.entries(c)
      .filter(([, n]) => (n ?? 0) > 0)
      .map(([k, n]) => [column[k as keyof ErasureCounts], db.raw('?? + ?', [column[k as keyof ErasureCounts], n])]),
  );
  if (Object.keys(values).length > 0) await db('erasure_requests').where({ id: requestId }).update(values);
}

export async function completeRequest(trx: Trx, requestId: string, now: Date): Promise<ErasureRequest | undefined> {
  const n = await trx('erasure_requests').where({ id: requestId, status: 'processing' }).update({ status: 'completed', completed_at: now, payee_ciphertext: null });
  if (Number(n) !== 1) return undefined;
  return fromRow(await trx('erasure_requests').where({ id: requestId }).first());
}
