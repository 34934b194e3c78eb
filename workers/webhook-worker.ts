import { Worker, type Job } from 'bullmq';
import { parkJob } from './park-job.js';
import type { Redis } from 'ioredis';
import type { Logger } from '../src/platform/logger.js';
import { WEBHOOK_QUEUE, type WebhookJobData } from '../src/platform/queues.js';
import type { WebhookDeliverer } from '../src/webhooks/deliver-webhook.js';

export type WebhookWorker = Worker<WebhookJobData, void, 'deliver'>;

/**
 * Thin BullMQ processor for webhook attempts. The schedule, leases and outcomes live in MySQL (see
 * deliver-webhook.ts); BullMQ only carries "attempt n of delivery d is due" and retries a job whose
 * processing itself broke (MySQL down).
 */
export function startWebhookWorker(
  connection: Redis,
  deliverer: WebhookDeliverer,
  logger: Logger,
  opts: { prefix: string; concurrency: number; lockMs: number; stalledIntervalMs: number },
): WebhookWorker {
  const worker = new Worker<WebhookJobData, void, 'deliver'>(
    WEBHOOK_QUEUE,
    async (job: Job<WebhookJobData, void, 'deliver'>, token?: string) => {
      const outcome = await deliverer.deliver(job.data.deliveryId, job.data.attempt);
      // Another worker holds it, or the endpoint has its fill of deliveries in flight: park the job.
      if (outcome.kind === 'wait') await parkJob(job, outcome.delayMs, token);
    },
    {
      connection,
      prefix: opts.prefix,
      concurrency: opts.concurrency,
      lockDuration: opts.lockMs,
      stalledInterval: opts.stalledIntervalMs,
      maxStalledCount: 1,
    },
  );
  worker.on('failed', (job, err) => {
    if (job) logger.warn({ deliveryId: job.data.deliveryId, attempt: job.data.attempt, reason: err.message }, 'webhook job failed');
  });
  worker.on('error', (err) => logger.error({ err }, 'webhook worker error'));
  return worker;
}
