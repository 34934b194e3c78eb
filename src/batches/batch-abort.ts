import type { Db } from '../platform/db.js';

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
