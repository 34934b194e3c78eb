// erasure_requests and their items. A request stores ids and counts only: the payee it was about
// exists nowhere once its validations are purged.

import type { Db, Trx } from '../platform/db.js';

export interface ErasureRequest {
  id: string;
  tenantId: string;
  livemode: boolean;
  type: 'bank_account' | 'vpa';
  status: 'processing' | 'completed';
  matchedValidations: number;
  purgedValidations: number;
  unfinishedFailed: number;
  batchRows: number;
  webhookEvents: number;
  idempotencyRecords: number;
  createdAt: Date;
  completedAt: Date | null;
}

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
});

const CHUNK = 500;

/**
 * The validations of one payee in a tenant, by blind index, in the given modes: single validations
 * through the unique key (batch_id, account_blind_index) with batch_id NULL, batch rows through the
 * same key, a chunk of the tenant's batches at a time. Purged rows have no index left and never match.
 */
export async function findPayeeValidations(db: Db, tenantId: string, modes: readonly boolean[], blindIndex: string): Promise<string[]> {
  const ids: string[] = await db('validations').where({ tenant_id: tenantId, account_blind_index: blindIndex }).whereNull('batch_id').whereIn('livemode', modes).pluck('id');
  const batchIds: string[] = await db('batches').where({ tenant_id: tenantId }).whereIn('livemode', modes).orderBy('id').pluck('id');
  for (let i = 0; i < batchIds.length; i += CHUNK) {
    const chunk = batchIds.slice(i, i + CHUNK);
    ids.push(...((await db('validations').whereIn('batch_id', chunk).where({ account_blind_index: blindIndex }).pluck('id')) as string[]));
  }
  return ids.sort();
}

export async function insertErasureRequest(trx: Trx, r: ErasureRequest & { actor: string; requestId: string | null }, validationIds: readonly string[]): Promise<void> {
  await trx('erasure_requests').insert({
    id: r.id,
    tenant_id: r.tenantId,
    livemode: r.livemode,
    type: r.type,
    status: r.status,
    actor: r.actor,
    request_id: r.requestId,
    matched_validations: r.matchedValidations,
    created_at: r.createdAt,
    completed_at: r.completedAt,
  });
  for (let i = 0; i < validationIds.length; i += CHUNK) {
    await trx('erasure_request_items').insert(validationIds.slice(i, i + CHUNK).map((id) => ({ request_id: r.id, validation_id: id })));
  }
}

/** Scoped read: another tenant's request does not exist for this one. */
export async function findErasureRequest(db: Db, tenantId: string, id: string): Promise<ErasureRequest | undefined> {
  const row = await db('erasure_requests').where({ id, tenant_id: tenantId }).first();
  return row ? fromRow(row) : undefined;
}

export async function processingRequests(db: Db, limit: number): Promise<ErasureRequest[]> {
  return (await db('erasure_requests').where({ status: 'processing' }).orderBy('id').limit(limit)).map(fromRow);
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
  const n = await trx('erasure_requests').where({ id: requestId, status: 'processing' }).update({ status: 'completed', completed_at: now });
  if (Number(n) !== 1) return undefined;
  return fromRow(await trx('erasure_requests').where({ id: requestId }).first());
}
