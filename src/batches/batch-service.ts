import { withTransactionThen, type Db } from '../platform/db.js';
import type { Logger } from '../platform/logger.js';
import type { FieldCipher } from '../platform/field-cipher.js';
import type { IdempotencyStore, StoredResponse } from '../platform/idempotency.js';
import type { AuthContext } from '../platform/http-context.js';
import { AppError } from '../platform/app-error.js';
import { appendAudit } from '../platform/audit-store.js';
import { newId } from '../platform/ids.js';
import { decodeIdCursor, decodeRowCursor, toPage } from '../platform/pagination.js';
import { enqueueBatchFeed, type BatchFeedQueue } from '../platform/queues.js';
import type { BlindIndexer } from '../validations/new-validation.js';
import { createBatchIngestor, type IngestItem } from './batch-ingestor.js';
import { activateBatch, failBatch, findBatch, insertBatch, listBatches, listRejections } from './batch-store.js';
import type { Batch, BatchSource } from './batch-types.js';
import { toBatchView } from './batch-view.js';
import { precheckFieldToColumn } from './csv-row.js';
import { abortBatchValidations } from './batch-abort.js';
import type { BatchCompletedHook } from './batch-counters.js';
import type { TenantSettingsStore } from '../tenants/tenant-settings.js';

export interface BatchServiceDeps {
  db: Db;
  cipher: FieldCipher;
  blindIndex: BlindIndexer;
  idempotency: IdempotencyStore;
  feedQueue: BatchFeedQueue;
  logger: Logger;
  maxRows: number;
  /** The tenant's default `max_age` for the batch's rows. */
  settings: TenantSettingsStore;
  /** Records the batch's `batch.completed` event, in the transaction that completes it. */
  onBatchCompleted?: BatchCompletedHook;
}

export type BatchCreateOutcome = { replayed: true; response: StoredResponse } | { replayed: false; status: number; body: ReturnType<typeof toBatchView> };

export interface BatchIdempotency { key: string; fingerprint: string }

/** JSON field paths for JSON batches; CSV column names for CSV uploads. */
const jsonFieldToColumn = (field: string): string => field;

export function createBatchService(deps: BatchServiceDeps) {
  const { db, logger } = deps;

  async function view(batch: Batch) {
    return toBatchView(batch, await listRejections(db, batch.id, 0, 100));
  }

  /**
   * Reserves the Idempotency-Key before anything is created. A replay returns the stored response; the
   * caller then skips reading the rest of the upload.
   */
  async function reserve(auth: AuthContext, idem: BatchIdempotency | undefined) {
    return idem ? deps.idempotency.reserve(auth.tenantId, idem.key, idem.fingerprint) : null;
  }

  /**
   * Creates the batch and streams `rows` into it. Accepted rows are enqueued by the batch feeder after
   * the last row is stored, so duplicate counts are final before any worker finishes a row.
   */
  async function ingest(
    auth: AuthContext,
    source: BatchSource,
    meta: { referenceId: string | null; metadata: Record<string, string> | null; webhookUrl?: string | null; maxAgeSeconds?: number },
    rows: AsyncIterable<IngestItem>,
    ctx: { requestId: string; idempotency?: BatchIdempotency; fieldToColumn?: (field: string) => string | null },
  ): Promise<BatchCreateOutcome> {
    const reservation = await reserve(auth, ctx.idempotency);
    if (reservation?.kind === 'replay') return { replayed: true, response: reservation.response };

    const batchId = newId('bat');
    let created = false;
    const maxAgeSeconds = meta.maxAgeSeconds ?? (await deps.settings.get(auth.tenantId)).reuseMaxAgeSeconds;
    const ingestor = createBatchIngestor(deps, { id: batchId, tenantId: auth.tenantId, maxAgeSeconds }, {
      maxRows: deps.maxRows,
      fieldToColumn: ctx.fieldToColumn ?? (source === 'csv' ? precheckFieldToColumn : jsonFieldToColumn),
    });
    try {
      await db.transaction(async (trx) => {
        await insertBatch(trx, { id: batchId, tenantId: auth.tenantId, source, referenceId: meta.referenceId, metadata: meta.metadata, webhookUrl: meta.webhookUrl ?? null });
        await appendAudit(trx, {
          tenantId: auth.tenantId,
          actor: `api_key:${auth.keyId}`,
          action: 'batch.created',
          targetType: 'batch',
          targetId: batchId,
          requestId: ctx.requestId,
          details: { source },
        });
      });
      created = true;
      for await (const item of rows) await ingestor.add(item);
      const totals = await ingestor.finish();
      const status = await activate(batchId);
      if (status === 'processing') {
        await enqueueBatchFeed(deps.feedQueue, batchId).catch((err: unknown) =>
          logger.warn({ err, batchId }, 'batch feed enqueue failed; the sweeper will restart it'),
        );
      }
      const batch = (await findBatch(db, auth.tenantId, batchId))!;
      const body = toBatchView(batch, ingestor.firstRejections);
      if (ctx.idempotency) await deps.idempotency.complete(db, auth.tenantId, ctx.idempotency.key, { status: 202, body }, batchId);
      logger.info({ batchId, ...totals }, 'batch ingested');
      return { replayed: false, status: 202, body };
    } catch (err) {
      await ingestor.settle();
      if (created) await abandon(batchId, err);
      if (reservation?.kind === 'new') await reservation.release().catch(() => undefined);
      if (err instanceof AppError && created) throw withBatchId(err, batchId);
      throw err;
    }
  }

  /** A batch with no accepted rows completes right here, so its event is recorded here too. */
  async function activate(batchId: string): Promise<'processing' | 'completed'> {
    return withTransactionThen(
      db,
      async (trx, defer) => {
        const s = await activateBatch(trx, batchId);
        if (s === 'completed') await deps.onBatchCompleted?.(trx, batchId, defer);
        return s;
      },
      (err) => logger.warn({ err, batchId }, 'after-commit task failed'),
    );
  }

  async function abandon(batchId: string, err: unknown): Promise<void> {
    const code = err instanceof AppError ? err.code : 'batch.upload_interrupted';
    const message = err instanceof AppError ? err.message : 'The upload was interrupted before every row was read.';
    try {
      await failBatch(db, batchId, code, message);
      await abortBatchValidations(db, batchId);
    } catch (cleanupErr) {
      // The sweeper finishes abandoned uploads; the client's error is what matters here.
      logger.warn({ err: cleanupErr, batchId }, 'could not mark the aborted batch failed now');
    }
  }

  async function get(tenantId: string, id: string): Promise<Batch> {
    const b = await findBatch(db, tenantId, id);
    if (!b) throw new AppError('batch.not_found', 'No batch with this id exists for this tenant.');
    return b;
  }

  async function list(tenantId: string, cursor: string | undefined, limit: number) {
    const beforeId = cursor ? decodeIdCursor(cursor, 'bat') : undefined;
    return toPage(await listBatches(db, { tenantId, ...(beforeId ? { beforeId } : {}), limit: limit + 1 }), limit, (b) => b.id);
  }

  async function rejections(tenantId: string, id: string, cursor: string | undefined, limit: number) {
    await get(tenantId, id);
    const after = cursor ? decodeRowCursor(cursor) : 0;
    return toPage(await listRejections(db, id, after, limit + 1), limit, (r) => r.row);
  }

  return { ingest, get, view, list, rejections };
}

export type BatchService = ReturnType<typeof createBatchService>;

function withBatchId(err: AppError, batchId: string): AppError {
  return new AppError(err.code, err.message, { details: { ...(err.details ?? {}), batch_id: batchId }, cause: err });
}
