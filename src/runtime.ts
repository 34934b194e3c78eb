import type { Server } from 'node:http';
import type { Redis } from 'ioredis';
import type { Express } from 'express';
import type { Registry } from 'prom-client';
import type { Config } from './config.js';
import type { Logger } from './platform/logger.js';
import { createDb, type Db } from './platform/db.js';
import { prepareSchema } from './platform/database-startup.js';
import { MIGRATIONS_FROM } from './platform/migration-source.js';
import { createRedis, waitForRedis } from './platform/redis.js';
import { createBatchFeedQueue, createValidationQueue, createWebhookQueue, VALIDATION_ROW_QUEUE, type ValidationQueue, type WebhookQueue } from './platform/queues.js';
import { createValidationSliceQueue, type ValidationSliceQueue } from './platform/slice-queue.js';
import { createFieldCipher, type FieldCipher } from './platform/field-cipher.js';
import { countDecryptionFailures } from './platform/cipher-metrics.js';
import { createBlindIndexer } from './platform/blind-index.js';
import { createIdempotencyStore } from './platform/idempotency.js';
import { createMetricsRegistry } from './platform/metrics.js';
import { dependencyMetrics, queueMetrics } from './platform/ops-metrics.js';
import { listenOn } from './platform/listen.js';
import { buildHealthApp } from './app.js';
import { createUrlGuard } from './webhooks/url-guard.js';
import { createWebhookRecorder } from './webhooks/webhook-recorder.js';
import { createTenantSettings } from './tenants/tenant-settings.js';
import { createPartnerMetrics } from './partners/partner-metrics.js';
import type { PartnerSetup } from './partners/partner-setup.js';
import type { ValidationSweeper } from './validations/validation-sweeper.js';
import type { CompletionListener } from './validations/completion-notifier.js';
import type { ValidationWorker } from '../workers/validation-worker.js';
import type { ValidationSliceWorker } from '../workers/validation-slice-worker.js';
import type { WebhookWorker } from '../workers/webhook-worker.js';
import type { SharedClients } from './runtime-shared.js';
import { startApiRole } from './runtime-api.js';
import { startWorkerRole, type WorkerRole } from './runtime-worker.js';

export { ListenError } from './platform/listen.js';

export interface Runtime {
  config: Config;
  db: Db;
  /** The field cipher every role of the process shares (tools and tests read stored ciphertexts with it). */
  cipher: FieldCipher;
  queue: ValidationQueue;
  sliceQueue: ValidationSliceQueue;
  rowQueue: ValidationQueue;
  webhookQueue: WebhookQueue;
  app: Express | null;
  server: Server | null;
  /** Base URL of the HTTP API when it listens. */
  url: string | null;
  partners: PartnerSetup | null;
  metrics: Registry;
  worker: ValidationWorker | null;
  sliceWorker: ValidationSliceWorker | null;
  webhookWorker: WebhookWorker | null;
  sweeper: ValidationSweeper | null;
  /** Worker roles: fails unfinished validations through the same final step as a job (batch counters, events). */
  failValidations: ((ids: readonly string[], code: string) => Promise<void>) | null;
  stop(): Promise<void>;
}

/**
 * The only place that constructs real clients. `config.role` decides what runs: the API
 * (runtime-api.ts), the workers with the sweeper and, for any partner without a base URL, an embedded
 * partner simulator (runtime-worker.ts), or both.
 */
export async function startRuntime(config: Config, logger: Logger, opts: { listen?: boolean } = {}): Promise<Runtime> {
  const db = createDb(config.database.url, config.database.poolMax);
  const applied = await prepareSchema(db, config.database).catch(async (err: unknown) => {
    await db.destroy().catch(() => undefined);
    throw err;
  });
  if (applied.length) logger.info({ applied, from: MIGRATIONS_FROM }, 'migrations applied');
  else if (!config.database.migrateOnStart) logger.info('the schema is up to date (start-up migrations are off: DATABASE_MIGRATE_ON_START=false)');

  const redisClients: Redis[] = [];
  const redis = (role: 'worker' | 'fail-fast', name: string) => {
    const client = createRedis(config.redis.url, role, name);
    redisClients.push(client);
    return client;
  };
  let workers: WorkerRole | null = null;
  const shared = await openSharedClients(config, logger, db, redis, () => workers?.partners.router ?? null);
  const { queue, sliceQueue, rowQueue, feedQueue, webhookQueue } = shared;
  const closeClients = async () => {
    await Promise.all([queue, sliceQueue, rowQueue, feedQueue, webhookQueue].map((q) => q.close().catch(() => undefined)));
    await Promise.all(redisClients.map((c) => c.quit().catch(() => c.disconnect())));
    await db.destroy().catch(() => undefined);
  };

  let completions: CompletionListener | null = null;
  let app: Express;
  if (config.role !== 'worker') ({ app, completions } = await startApiRole(shared));
  // Workers serve only /healthz, /readyz and /metrics, for orchestrators and Prometheus.
  else app = buildHealthApp(db, shared.producerRedis, shared.metrics, config.metricsToken);

  let server: Server | null = null;
  let url: string | null = null;
  if (opts.listen ?? true) {
    try {
      server = await listenOn(app, config.http.port, config.http.host, config.http);
    } catch (err) {
      // Nothing else has started yet: close the clients opened so far so the caller can exit cleanly.
      await completions?.close().catch(() => undefined);
      await closeClients();
      throw err;
    }
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.http.port;
    url = `http://${config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host}:${port}`;
  }

  if (config.role !== 'api') workers = await startWorkerRole(shared);

  // Shutdown order: stop taking HTTP requests, let in-flight jobs finish, then close clients.
  const closers: Array<() => Promise<unknown>> = [];
  if (server) {
    const s = server;
    closers.push(() => new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeIdleConnections();
    }));
  }
  if (workers) {
    // The validation workers together: a slice hands the rows it cannot finish to the row queue.
    closers.push(async () => workers.stopHealthReports());
    closers.push(() => Promise.all([workers.worker.close(), workers.sliceWorker.close(), workers.rowWorker.close()]), () => workers.feedWorker.close(), () => workers.webhookWorker.close(), () => workers.closeSender());
    if (workers.sweeper) closers.push(() => workers.sweeper!.stop());
    closers.push(() => workers.partners.close());
  }
  if (completions) closers.push(() => completions!.close());
  closers.push(closeClients);

  let stopping: Promise<void> | null = null;
  return {
    config,
    db,
    cipher: shared.cipher,
    queue,
    sliceQueue,
    rowQueue,
    webhookQueue,
    app,
    server,
    url,
    partners: workers?.partners ?? null,
    metrics: shared.metrics,
    worker: workers?.worker ?? null,
    sliceWorker: workers?.sliceWorker ?? null,
    webhookWorker: workers?.webhookWorker ?? null,
    sweeper: workers?.sweeper ?? null,
    failValidations: workers?.failValidations ?? null,
    stop() {
      stopping ??= (async () => {
        for (const close of closers) await close().catch((err) => logger.warn({ err }, 'error during shutdown'));
      })();
      return stopping;
    },
  };
}

/** The clients and stores every role shares, over one fail-fast producer connection. */
async function openSharedClients(
  config: Config,
  logger: Logger,
  db: Db,
  redis: SharedClients['redis'],
  liveRouter: () => PartnerSetup['router'] | null,
): Promise<SharedClients> {
  const prefix = config.redis.queuePrefix;
  const producerRedis = redis('fail-fast', 'producer');
  await waitForRedis(producerRedis);
  const queue = createValidationQueue(producerRedis, prefix, config.worker.attempts, (err) => logger.warn({ err }, 'validation queue connection error'));
  const sliceQueue = createValidationSliceQueue(producerRedis, prefix, config.worker.attempts, (err) => logger.warn({ err }, 'validation slice queue connection error'));
  const rowQueue = createValidationQueue(producerRedis, prefix, config.worker.attempts, (err) => logger.warn({ err }, 'validation row queue connection error'), VALIDATION_ROW_QUEUE);
  const feedQueue = createBatchFeedQueue(producerRedis, prefix, (err) => logger.warn({ err }, 'batch feed queue connection error'));
  const webhookQueue = createWebhookQueue(producerRedis, prefix, (err) => logger.warn({ err }, 'webhook queue connection error'));
  const metrics = createMetricsRegistry(config.role);
  queueMetrics(metrics, [queue, sliceQueue, rowQueue, feedQueue, webhookQueue]);
  dependencyMetrics(metrics, db, producerRedis);
  const cipher = countDecryptionFailures(createFieldCipher({ keys: config.crypto.keys, activeKeyId: config.crypto.activeKeyId }), metrics, Object.keys(config.crypto.keys));
  return {
    config,
    logger,
    db,
    redis,
    producerRedis,
    queue,
    sliceQueue,
    rowQueue,
    feedQueue,
    webhookQueue,
    cipher,
    blindIndex: createBlindIndexer(config.crypto.blindIndexKey),
    guard: createUrlGuard({ requireHttps: config.webhooks.requireHttps, allowedNetworks: config.webhooks.allowedNetworks }),
    recorder: createWebhookRecorder({ queue: webhookQueue, logger, cipher }),
    settings: createTenantSettings(db, { reuseMaxAgeSeconds: config.reuse.defaultMaxAgeSeconds, nameMatch: config.nameMatch, retentionDays: config.retention.defaultDays, spendCaps: config.spendCaps }),
    idempotency: createIdempotencyStore(db, { ...config.idempotency, cipher }),
    metrics,
    // The live router exists once the worker role has started its partners (API-only processes have none).
    partnerMetrics: createPartnerMetrics(metrics, liveRouter),
    completionChannel: `${prefix}:validation-final`,
  };
}
