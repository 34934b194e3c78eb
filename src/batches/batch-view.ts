import type { Batch, BatchRejection } from './batch-types.js';

import { isoOrNull as iso } from '../platform/iso-date.js';

/** The public Batch object (openapi.yaml `Batch`). */
export function toBatchView(b: Batch, firstRejections: BatchRejection[]) {
  return {
    id: b.id,
    object: 'batch' as const,
    livemode: b.livemode,
    status: b.status,
    source: b.source,
    reference_id: b.referenceId,
    metadata: b.metadata,
    counts: {
      total: b.totalRows,
      skipped: b.skippedRows,
      rejected: b.rejectedRows,
      queued: b.queuedRows,
      processing: b.processingRows,
      completed: b.completedRows,
      failed: b.failedRows,
    },
    unique_validations: b.uniqueValidations,
    rejected_rows: firstRejections,
    failure: b.failureCode ? { code: b.failureCode, message: b.failureMessage ?? '' } : null,
    links: {
      self: `/v1/batches/${b.id}`,
      items: `/v1/batches/${b.id}/items`,
      rejections: `/v1/batches/${b.id}/rejections`,
      results: `/v1/batches/${b.id}/results`,
    },
    created_at: iso(b.createdAt),
    updated_at: iso(b.updatedAt),
    completed_at: iso(b.completedAt),
    purged_at: iso(b.purgedAt),
  };
}
