import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { Config } from './config.js';
import type { Logger } from './platform/logger.js';
import type { Db } from './platform/db.js';
import type { BatchFeedQueue, ValidationQueue, WebhookQueue } from './platform/queues.js';
import type { ValidationSliceQueue } from './platform/slice-queue.js';
import type { FieldCipher } from './platform/field-cipher.js';
import type { IdempotencyStore } from './platform/idempotency.js';
import type { UrlGuard } from './webhooks/url-guard.js';
import type { WebhookRecorder } from './webhooks/webhook-recorder.js';
import type { TenantSettingsStore } from './tenants/tenant-settings.js';
import type { BlindIndexer } from './validations/new-validation.js';
import type { PartnerMetrics } from './partners/partner-metrics.js';

/** What every role of a process shares: the clients runtime.ts opened, and how to open more. */
export interface SharedClients {
  config: Config;
  logger: Logger;
  db: Db;
  /** A new Redis connection, closed with the runtime. `worker` connections block; `fail-fast` ones never queue. */
  redis(role: 'worker' | 'fail-fast', name: string): Redis;
  /** The fail-fast connection the queues share (producers answer 503 while Redis is down). */
  producerRedis: Redis;
  queue: ValidationQueue;
  /** Batch rows, a job per fair-share slice. */
  sliceQueue: ValidationSliceQueue;
  /** Batch rows with a job of their own (handed off by their slice, or requeued). */
  rowQueue: ValidationQueue;
  feedQueue: BatchFeedQueue;
  webhookQueue: WebhookQueue;
  cipher: FieldCipher;
  blindIndex: BlindIndexer;
  guard: UrlGuard;
  recorder: WebhookRecorder;
  settings: TenantSettingsStore;
  idempotency: IdempotencyStore;
  metrics: Registry;
  partnerMetrics: PartnerMetrics;
  /** Redis pub/sub channel on which workers announce final validations to `?wait=` requests. */
  completionChannel: string;
}
