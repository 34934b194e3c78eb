import type { Db } from '../platform/db.js';
import { failBatch } from './batch-store.js';

/**
 * Fails every still-queued validation of an aborted upload, in bounded chunks so no single
 * statement locks a million rows. They were never enqueued (the feeder starts only after ingest).
 */
export async function abortBatchValidations(db: Db, batchId: string, chunk = 5000): Promise<number> {
  let total = 0;
  for (;;) {
    const now = new Date();
    const n = await db('validations')
      .where({ batch_id: batchId, status: 'queued' })
      .limit(chunk)
      .update({
        status: 'failed',
        failure_code: 'batch.aborted',
        failure_message: 'The batch upload was aborted before this row could be validated.',
        completed_at: now,
        updated_at: now,
      });
    total += n;
    if (n < chunk) return total;
  }
}

/**
 * Fails an upload that will not finish (the client's error, or the sweeper finding it abandoned), then
 * its queued rows. Only when this call moved the batch from `accepting` to `failed`: a batch activated
 * meanwhile is `processing`, its rows belong to the feeder and the workers, and failing them here would
 * leave its counters short for ever. Returns whether the batch was failed.
 */
export async function failUnfinishedUpload(db: Db, batchId: string, code: string, message: string, opts: { notUpdatedSince?: Date } = {}): Promise<boolean> {
  if (!(await failBatch(db, batchId, code, message, opts))) return false;
  await abortBatchValidations(db, batchId);
  return true;
}
