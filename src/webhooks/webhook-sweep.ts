import type { Db } from '../platform/db.js';
import type { Logger } from '../platform/logger.js';
import { enqueueWebhookAttemptNow, type WebhookQueue } from '../platform/queues.js';
import { findOverdueDeliveries } from './webhook-delivery-store.js';

/**
 * Sweeper duty: a pending delivery well past its due time with no lease has lost its job (Redis
 * flushed, enqueue failed after commit, a job failed as stalled after worker crashes). MySQL says it
 * is owed; this gives it a job again. Live jobs are left alone, so racing sweepers converge.
 */
export function webhookSweepTask(deps: { db: Db; queue: WebhookQueue; logger: Logger; overdueAfterMs: number; batchSize: number }) {
  return async (): Promise<void> => {
    const overdue = await findOverdueDeliveries(deps.db, new Date(Date.now() - deps.overdueAfterMs), deps.batchSize);
    let requeued = 0;
    for (const d of overdue) {
      if ((await enqueueWebhookAttemptNow(deps.queue, d.id, d.attempts + 1)) !== 'live') requeued++;
    }
    if (requeued) deps.logger.warn({ requeued }, 'sweeper re-enqueued webhook deliveries that had lost their job');
  };
}
