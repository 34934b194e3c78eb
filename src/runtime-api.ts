import type { Express } from 'express';
import type { SharedClients } from './runtime-shared.js';
import { waitForRedis } from './platform/redis.js';
import { buildApp } from './app.js';
import { warmIfscDirectory } from './bank-data/ifsc-directory.js';
import { createBatchService } from './batches/batch-service.js';
import { createValidationService } from './validations/validation-service.js';
import { createCompletionListener, type CompletionListener } from './validations/completion-notifier.js';
import { createWebhookService } from './webhooks/webhook-service.js';
import { createErasureService } from './privacy/erasure-service.js';
import { createConsoleServices } from './console/console-services.js';
import { createUsageService } from './usage/usage-service.js';
import { createQuotaStatus } from './usage/quota-status.js';

/** The API role: services over the shared clients, and the Express app that serves them. */
export async function startApiRole(c: SharedClients): Promise<{ app: Express; completions: CompletionListener }> {
  const { config, logger, db, cipher, blindIndex, idempotency, settings } = c;
  const completions = createCompletionListener(c.redis('worker', 'subscriber'), c.completionChannel);
  const rateLimitRedis = c.redis('fail-fast', 'rate-limit');
  await waitForRedis(rateLimitRedis);
  warmIfscDirectory();
  const webhooks = createWebhookService({
    db,
    cipher,
    guard: c.guard,
    queue: c.webhookQueue,
    logger,
    secretOverlapMs: config.webhooks.secretOverlapMs,
    maxEndpoints: config.webhooks.maxEndpoints,
    idempotency,
  });
  // Group commit may use half the pool; the other half stays for reads and other writes.
  const groupCommit = { maxItems: 200, maxInFlight: Math.max(1, Math.floor(config.database.poolMax / 2)) };
  const quota = createQuotaStatus({ db, settings, offsetMinutes: config.usage.offsetMinutes });
  const validations = createValidationService({ db, cipher, blindIndex, idempotency, queue: c.queue, completions, logger, checkWebhookUrl: webhooks.checkOneOffUrl, settings, groupCommit, quota });
  const batches = createBatchService({ db, cipher, blindIndex, idempotency, feedQueue: c.feedQueue, logger, maxRows: config.batches.maxRows, onBatchCompleted: c.recorder.batchCompleted, settings, quota });
  const consoleDeps = createConsoleServices({
    config, db, cipher, failFastRedis: rateLimitRedis, redis: c.producerRedis, batches,
    queues: [c.queue, c.sliceQueue, c.rowQueue, c.feedQueue, c.webhookQueue],
  });
  const erasures = createErasureService({ db, cipher });
  const usage = createUsageService({ db, offsetMinutes: config.usage.offsetMinutes, quota });
  const app = buildApp({ config, logger, db, rateLimitRedis, healthRedis: c.producerRedis, validations, batches, webhooks, settings, erasures, usage, quota, metrics: c.metrics, console: consoleDeps });
  return { app, completions };
}
