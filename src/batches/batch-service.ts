import type { Response } from 'express';
import { withTransactionThen, type Db } from '../platform/db.js';
import type { Logger } from '../platform/logger.js';
import type { FieldCipher } from '../platform/field-cipher.js';
import type { IdempotencyStore, NewReservation, StoredResponse } from '../platform/idempotency.js';
import type { AuthContext } from '../platform/http-context.js';
import { scopeOf, type ModeScope } from '../platform/mode-scope.js';
import { AppError } from '../platform/app-error.js';
import { appendAudit } from '../platform/audit-store.js';
import { newId } from '../platform/ids.js';
import { decodeIdCursor, decodeRowCursor, toPage } from '../platform/pagination.js';
import { enqueueBatchFeed, type BatchFeedQueue } from '../platform/queues.js';
import type { BlindIndexer } from '../validations/new-validation.js';
import { createBatchIngestor, type IngestItem } from './batch-ingestor.js';
import { activateBatch, findBatch, insertBatch, listBatches, listRejections } from './batch-store.js';
import type { Batch, BatchRejection, BatchSource } from './batch-types.js';
import { toBatchView } from './batch-view.js';
import { streamBatchResults, type ResultsFormat } from './batch-results.js';
import { precheckFieldToColumn, rejectedRowReference } from './csv-row.js';
import { failUnfinishedUpload } from './batch-abort.js';
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
  /** Refuses new live batches once a spend cap is used up (src/usage/quota-status.ts). */
  quota?: { assertOpen(scope: ModeScope): Promise<void> };
}

export type BatchCreateOutcome =
  | { replayed: true; response: StoredResponse; bodyHash: string | null }
  | { replayed: false; status: number; body: ReturnType<typeof toBatchView> };

export interface BatchIdempotency {
  key: string;
  fingerprint: string;
  /** The hash of the whole uploaded file, known once every row was read (CSV); checked on replay. */
  bodyHash?: () => string;
}

/** JSON field paths for JSON batches; CSV column names for CSV uploads. */
const jsonFieldToColumn = (field: string): string => field;

export function createBatchService(deps: BatchServiceDeps) {
  const { db, logger } = deps;

  async function view(batch: Batch) {
    return toBatchView(batch, await listRejections(db, batch.id, 0, 100));
  }

  /**
   * Creates the batch and streams `rows` into it. Accepted rows are enqueued by the batch feeder after
   * the last row is stored, so duplicate counts are final before any worker finishes a row.
   *
   * The Idempotency-Key is reserved before anything is created (a replay returns the stored response;
   * the caller then skips the rest of the upload) and held by a heartbeat however long the rows take to
   * arrive. It is completed in the transaction that activates the batch, and only if this request still
   * holds it, so one key can never leave two active batches.
   */
  async function ingest(
    auth: AuthContext,
    source: BatchSource,
    meta: { referenceId: string | null; metadata: Record<string, string> | null; webhookUrl?: string | null; maxAgeSeconds?: number },
    rows: AsyncIterable<IngestItem>,
    ctx: { requestId: string; idempotency?: BatchIdempotency; fieldToColumn?: (field: string) => string | null },
  ): Promise<BatchCreateOutcome> {
    const idem = ctx.idempotency;
    const scope = scopeOf(auth);
    const reservation = idem ? await deps.idempotency.reserve(scope, idem.key, idem.fingerprint) : null;
    if (reservation?.kind === 'replay') return { replayed: true, response: reservation.response, bodyHash: reservation.bodyHash };
    const lease = reservation ? deps.idempotency.hold(scope, idem!.key, reservation) : null;

    const batchId = newId('bat');
    let created = false;
    try {
      // Before anything is stored or read: a CSV upload past a cap is refused before its body.
      await deps.quota?.assertOpen(scope);
      const maxAgeSeconds = meta.maxAgeSeconds ?? (await deps.settings.get(auth.tenantId)).reuseMaxAgeSeconds;
      const ingestor = createBatchIngestor(deps, { id: batchId, ...scope, maxAgeSeconds }, {
        maxRows: deps.maxRows,
        fieldToColumn: ctx.fieldToColumn ?? (source === 'csv' ? precheckFieldToColumn : jsonFieldToColumn),
        // A JSON item's reference_id is a named field; a CSV row's is a position that may be misaligned.
        ...(source === 'csv' ? { rejectionReference: rejectedRowReference } : {}),
      });
      try {
        await db.transaction(async (trx) => {
          await insertBatch(trx, deps.cipher, { id: batchId, ...scope, source, referenceId: meta.referenceId, metadata: meta.metadata, webhookUrl: meta.webhookUrl ?? null });
          await appendAudit(trx, {
            tenantId: auth.tenantId,
            actor: auth.actor,
            action: 'batch.created',
            targetType: 'batch',
            targetId: batchId,
            requestId: ctx.requestId,
            details: { source },
          });
        });
        created = true;
        for await (const item of rows) {
          lease?.check();
          await ingestor.add(item);
        }
        const totals = await ingestor.finish();
        await lease?.stop();
        const owner = reservation && idem ? { key: idem.key, reservation, ...(idem.bodyHash ? { bodyHash: idem.bodyHash() } : {}) } : null;
        const { status, body } = await activate(scope, batchId, ingestor.firstRejections, owner);
        if (status === 'processing') {
          await enqueueBatchFeed(deps.feedQueue, batchId).catch((err: unknown) =>
            logger.warn({ err, batchId }, 'batch feed enqueue failed; the sweeper will restart it'),
          );
        }
        logger.info({ batchId, ...totals }, 'batch ingested');
        return { replayed: false, status: 202, body };
      } catch (err) {
        await ingestor.settle();
        throw err;
      }
    } catch (err) {
      await lease?.stop();
      if (created) await abandon(batchId, err);
      if (reservation) await reservation.release().catch(() => undefined);
      if (err instanceof AppError && created) throw withBatchId(err, batchId);
      throw err;
    }
  }

  /**
   * Every row is stored: the batch goes to `processing` (or straight to `completed` with nothing to
   * validate, recording its event here) and the Idempotency-Key, if any, records the answer, all in
   * one transaction.
   */
  async function activate(
    scope: ModeScope,
    batchId: string,
    firstRejections: BatchRejection[],
    owner: { key: string; reservation: NewReservation; bodyHash?: string } | null,
  ): Promise<{ status: 'processing' | 'completed'; body: ReturnType<typeof toBatchView> }> {
    return withTransactionThen(
      db,
      async (trx, defer) => {
        const status = await activateBatch(trx, batchId);
        if (status === 'completed') await deps.onBatchCompleted?.(trx, batchId, defer);
        const body = toBatchView((await findBatch(trx, deps.cipher, scope, batchId))!, firstRejections);
        if (owner) await deps.idempotency.complete(trx, scope, owner.key, { status: 202, body }, batchId, owner);
        return { status, body };
      },
      (err) => logger.warn({ err, batchId }, 'after-commit task failed'),
    );
  }

  async function abandon(batchId: string, err: unknown): Promise<void> {
    const code = err instanceof AppError ? err.code : 'batch.upload_interrupted';
    const message = err instanceof AppError ? err.message : 'The upload was interrupted before every row was read.';
    try {
      await failUnfinishedUpload(db, batchId, code, message);
    } catch (cleanupErr) {
      // The sweeper finishes abandoned uploads; the client's error is what matters here.
      logger.warn({ err: cleanupErr, batchId }, 'could not mark the aborted batch failed now');
    }
  }

  async function get(scope: ModeScope, id: string): Promise<Batch> {
    const b = await findBatch(db, deps.cipher, scope, id);
    if (!b) throw new AppError('batch.not_found', 'No batch with this id exists for this tenant.');
    return b;
  }

  async function list(scope: ModeScope, cursor: string | undefined, limit: number) {
    const beforeId = cursor ? decodeIdCursor(cursor, 'bat') : undefined;
    return toPage(await listBatches(db, deps.cipher, { scope, ...(beforeId ? { beforeId } : {}), limit: limit + 1 }), limit, (b) => b.id);
  }

  async function rejections(scope: ModeScope, id: string, cursor: string | undefined, limit: number) {
    await get(scope, id);
    const after = cursor ? decodeRowCursor(cursor) : 0;
    return toPage(await listRejections(db, id, after, limit + 1), limit, (r) => r.row);
  }

  /** One line per input row (batch-results.ts), the VPA and holder name opened. */
  function streamResults(batch: Batch, format: ResultsFormat, res: Response): Promise<void> {
    return streamBatchResults(db, deps.cipher, batch.id, format, res);
  }

  return { ingest, get, view, list, rejections, streamResults };
}

export type BatchService = ReturnType<typeof createBatchService>;

function withBatchId(err: AppError, batchId: string): AppError {
  return new AppError(err.code, err.message, { details: { ...(err.details ?? {}), batch_id: batchId }, cause: err });
}
