import { createServer, type Server } from 'node:http';
import type { Redis } from 'ioredis';
import type { Express } from 'express';
import type { Config } from './config.js';
import type { Logger } from './platform/logger.js';
import { createDb, ensureDatabase, migrateLatest, type Db } from './platform/db.js';
import { createRedis, waitForRedis } from './platform/redis.js';
import { createBatchFeedQueue, createValidationQueue, type ValidationQueue } from './platform/queues.js';
import { createBatchService } from './batches/batch-service.js';
import { createBatchFeeder } from './batches/batch-feeder.js';
import { batchCountersHook } from './batches/batch-counters.js';
import { createBatchSweep } from './batches/batch-sweep.js';
import { startBatchFeedWorker, type BatchFeedWorker } from '../workers/batch-feed-worker.js';
import { createFieldCipher } from './platform/field-cipher.js';
import { createBlindIndexer } from './platform/blind-index.js';
import { createIdempotencyStore } from './platform/idempotency.js';
import { buildApp, buildHealthApp } from './app.js';
import { warmIfscDirectory } from './bank-data/ifsc-directory.js';
import { createValidationService } from './validations/validation-service.js';
import { createValidationProcessor } from './validations/process-validation.js';
import { createValidationSweeper, inFlightBoundMs, type ValidationSweeper } from './validations/validation-sweeper.js';
import { createCompletionListener, createCompletionPublisher, type CompletionListener } from './validations/completion-notifier.js';
import { startPartners, type PartnerSetup } from './partners/partner-setup.js';
import { startValidationWorker, type ValidationWorker } from '../workers/validation-worker.js';
import { createMetricsRegistry } from './platform/metrics.js';
import { createPartnerMetrics } from './partners/partner-metrics.js';
import type { Registry } from 'prom-client';
import { createWebhookQueue, type WebhookQueue } from './platform/queues.js';
import { createUrlGuard } from './webhooks/url-guard.js';
import { createWebhookService } from './webhooks/webhook-service.js';
import { createWebhookRecorder } from './webhooks/webhook-recorder.js';
import { createWebhookSender } from './webhooks/webhook-sender.js';
import { createWebhookDeliverer, leaseMsFor } from './webhooks/deliver-webhook.js';
import { createEndpointSlots } from './webhooks/endpoint-slots.js';
import { webhookSweepTask } from './webhooks/webhook-sweep.js';
import { startWebhookWorker, type WebhookWorker } from '../workers/webhook-worker.js';
import { combineHooks } from './validations/process-validation.js';
import { createTenantSettings } from './tenants/tenant-settings.js';
import { createSingleFlight } from './validations/single-flight.js';

export interface Runtime {
  config: Config;
  db: Db;
  queue: ValidationQueue;
  webhookQueue: WebhookQueue;
  app: Express | null;
  server: Server | null;
  /** Base URL of the HTTP API when it listens. */
  url: string | null;
  partners: PartnerSetup | null;
  metrics: Registry;
  worker: ValidationWorker | null;
  webhookWorker: WebhookWorker | null;
  sweeper: ValidationSweeper | null;
  stop(): Promise<void>;
}

/**
 * The only place that constructs real clients. `config.role` decides what runs: the API, the
 * workers (with the sweeper and, for any partner without a base URL, an embedded partner simulator), or both.
 */
export async function startRuntime(config: Config, logger: Logger, opts: { listen?: boolean } = {}): Promise<Runtime> {
  const listen = opts.listen ?? true;
  const closers: Array<() => Promise<unknown>> = [];
  const redisClients: Redis[] = [];
  const channel = `${config.redis.queuePrefix}:validation-final`;

  await ensureDatabase(config.database.url);
  const db = createDb(config.database.url, config.database.poolMax);
  const applied = await migrateLatest(db);
  if (applied.length) logger.info({ applied }, 'migrations applied');

  const redis = (role: 'worker' | 'fail-fast', name: string) => {
    const client = createRedis(config.redis.url, role, name);
    redisClients.push(client);
    return client;
  };
  const producerRedis = redis('fail-fast', 'producer');
  await waitForRedis(producerRedis);
  const queue = createValidationQueue(producerRedis, config.redis.queuePrefix, config.worker.attempts, (err) =>
    logger.warn({ err }, 'validation queue connection error'),
  );
  const feedQueue = createBatchFeedQueue(producerRedis, config.redis.queuePrefix, (err) => logger.warn({ err }, 'batch feed queue connection error'));
  const webhookQueue = createWebhookQueue(producerRedis, config.redis.queuePrefix, (err) => logger.warn({ err }, 'webhook queue connection error'));
  const cipher = createFieldCipher({ keys: config.crypto.keys, activeKeyId: config.crypto.activeKeyId });
  const guard = createUrlGuard({ requireHttps: config.webhooks.requireHttps, allowedNetworks: config.webhooks.allowedNetworks });
  const recorder = createWebhookRecorder({ queue: webhookQueue, logger });
  const settings = createTenantSettings(db, { reuseMaxAgeSeconds: config.reuse.defaultMaxAgeSeconds, nameMatch: config.nameMatch });
  const blindIndex = createBlindIndexer(config.crypto.blindIndexKey);
  const idempotency = createIdempotencyStore(db, config.idempotency);
  const metrics = createMetricsRegistry(config.role);
  let partners: PartnerSetup | null = null;
  const partnerMetrics = createPartnerMetrics(metrics, () => partners?.router ?? null);

  let app: Express | null = null;
  let server: Server | null = null;
  let url: string | null = null;
  let completions: CompletionListener | null = null;
  if (config.role !== 'worker') {
    completions = createCompletionListener(redis('worker', 'subscriber'), channel);
    const rateLimitRedis = redis('fail-fast', 'rate-limit');
    await waitForRedis(rateLimitRedis);
    warmIfscDirectory();
    const webhooks = createWebhookService({
      db,
      cipher,
      guard,
      queue: webhookQueue,
      logger,
      secretOverlapMs: config.webhooks.secretOverlapMs,
      maxEndpoints: config.webhooks.maxEndpoints,
      idempotency,
    });
    const validations = createValidationService({ db, cipher, blindIndex, idempotency, queue, completions, logger, checkWebhookUrl: webhooks.checkOneOffUrl, settings });
    const batches = createBatchService({ db, cipher, blindIndex, idempotency, feedQueue, logger, maxRows: config.batches.maxRows, onBatchCompleted: recorder.batchCompleted, settings });
    app = buildApp({ config, logger, db, rateLimitRedis, healthRedis: producerRedis, validations, batches, webhooks, settings, metrics });
  } else {
    // Workers serve only /healthz, /readyz and /metrics, for orchestrators and Prometheus.
    app = buildHealthApp(db, producerRedis, metrics, config.metricsToken);
  }
  if (listen) {
    try {
      server = await listenOn(app, config.http.port, config.http.host);
    } catch (err) {
      // Nothing else has started yet: close the clients opened so far so the caller can exit cleanly.
      await completions?.close().catch(() => undefined);
      await Promise.all([queue, feedQueue, webhookQueue].map((q) => q.close().catch(() => undefined)));
      await Promise.all(redisClients.map((c) => c.quit().catch(() => c.disconnect())));
      await db.destroy().catch(() => undefined);
      throw err;
    }
    server.keepAliveTimeout = 65_000;
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.http.port;
    url = `http://${config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host}:${port}`;
  }

  let worker: ValidationWorker | null = null;
  let sweeper: ValidationSweeper | null = null;
  let feedWorker: BatchFeedWorker | null = null;
  let webhookWorker: WebhookWorker | null = null;
  if (config.role !== 'api') {
    // The longest one attempt can last (every partner it may try timing out in turn): a claim's lease,
    // and how old a `processing` row must be before the sweeper may think its job lost.
    const attemptBoundMs = inFlightBoundMs([...config.partners.enabled, config.partners.testMode].map((p) => p.callTimeoutMs), config.sweeper.stuckAfterMs);
    partners = await startPartners(config, logger, { onBreakerStateChange: partnerMetrics.breakerTransition });
    const processor = createValidationProcessor({
      db,
      cipher,
      routers: { live: partners.router, test: partners.testRouter },
      telemetry: partnerMetrics,
      followupHoldMs: config.partners.followupHoldMs,
      pendingPollMs: config.partners.pendingPollMs,
      maxRetryAfterMs: config.partners.maxRetryAfterMs,
      rateLimitMaxWaitMs: config.partners.rateLimitMaxWaitMs,
      attemptLeaseMs: attemptBoundMs,
      publisher: createCompletionPublisher(producerRedis, channel),
      onStatusChange: combineHooks(batchCountersHook(logger, recorder.batchCompleted), recorder.validationFinal),
      logger,
      maxTotalAttempts: config.worker.maxTotalAttempts,
      settings,
      singleFlight: config.reuse.singleFlight.enabled
        ? createSingleFlight(redis('fail-fast', 'single-flight'), {
            prefix: config.redis.queuePrefix,
            ttlMs: config.reuse.singleFlight.lockMs,
            onError: (err) => logger.warn({ err }, 'single-flight lock unavailable; calling the partner anyway'),
          })
        : null,
      singleFlightPollMs: config.reuse.singleFlight.pollMs,
    });
    worker = startValidationWorker(redis('worker', 'worker'), processor, logger, {
      prefix: config.redis.queuePrefix,
      concurrency: config.worker.concurrency,
      lockMs: config.worker.lockMs,
      stalledIntervalMs: config.worker.stalledIntervalMs,
      retry: config.worker.retry,
    });
    const sender = createWebhookSender({ guard, timeoutMs: config.webhooks.timeoutMs, userAgent: 'payval-webhooks/1' });
    closers.push(() => sender.close());
    const deliverer = createWebhookDeliverer({
      db,
      cipher,
      queue: webhookQueue,
      sender,
      slots: createEndpointSlots(redis('worker', 'webhook-slots'), {
        prefix: config.redis.queuePrefix,
        limit: config.webhooks.endpointConcurrency,
        holdMs: leaseMsFor(config.webhooks.timeoutMs),
      }),
      recorder,
      logger,
      schedule: { delaysMs: config.webhooks.retryScheduleMs, jitter: config.webhooks.retryJitter },
      timeoutMs: config.webhooks.timeoutMs,
      disableAfterMs: config.webhooks.disableAfterMs,
      metrics,
    });
    webhookWorker = startWebhookWorker(redis('worker', 'webhook-worker'), deliverer, logger, {
      prefix: config.redis.queuePrefix,
      concurrency: config.webhooks.concurrency,
      lockMs: config.worker.lockMs,
      stalledIntervalMs: config.worker.stalledIntervalMs,
    });
    const feeder = createBatchFeeder({ db, queue, logger, maxWaiting: config.batches.feedMaxWaiting });
    feedWorker = startBatchFeedWorker(redis('worker', 'feed-worker'), feeder, logger, { prefix: config.redis.queuePrefix, lockMs: config.worker.lockMs });
    if (config.sweeper.enabled) {
      const batches = createBatchSweep({ db, redis: producerRedis, feedQueue, logger, abandonedAfterMs: config.batches.abandonedAfterMs });
      const webhookTask = webhookSweepTask({ db, queue: webhookQueue, logger, overdueAfterMs: config.sweeper.stuckAfterMs, batchSize: config.sweeper.batchSize });
      sweeper = createValidationSweeper({
        db,
        redis: producerRedis,
        queue,
        idempotency,
        logger,
        prefix: config.redis.queuePrefix,
        ...config.sweeper,
        inFlightMs: attemptBoundMs,
        maxWaiting: config.batches.feedMaxWaiting,
        batches,
        tasks: [webhookTask],
      });
      sweeper.start();
    }
  }

  // Shutdown order: stop taking HTTP requests, let in-flight jobs finish, then close clients.
  if (server) {
    const s = server;
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeIdleConnections();
        }),
    );
  }
  if (worker) closers.push(() => worker!.close());
  if (feedWorker) closers.push(() => feedWorker!.close());
  if (webhookWorker) closers.push(() => webhookWorker!.close());
  if (sweeper) closers.push(() => sweeper!.stop());
  if (partners) closers.push(() => partners!.close());
  if (completions) closers.push(() => completions!.close());
  closers.push(() => queue.close());
  closers.push(() => feedQueue.close());
  closers.push(() => webhookQueue.close());
  closers.push(async () => {
    await Promise.all(redisClients.map((c) => c.quit().catch(() => c.disconnect())));
  });
  closers.push(() => db.destroy());

  let stopping: Promise<void> | null = null;
  return {
    config,
    db,
    queue,
    webhookQueue,
    app,
    server,
    url,
    partners,
    metrics,
    worker,
    webhookWorker,
    sweeper,
    stop() {
      stopping ??= (async () => {
        for (const close of closers) {
          await close().catch((err) => logger.warn({ err }, 'error during shutdown'));
        }
      })();
      return stopping;
    },
  };
}

/** Error thrown when the HTTP port cannot be bound; main.ts prints its message and exits non-zero. */
export class ListenError extends Error {
  constructor(readonly host: string, readonly port: number, cause: NodeJS.ErrnoException) {
    const why = cause.code === 'EADDRINUSE' ? 'is already in use' : cause.code === 'EACCES' ? 'needs privileges payval does not have' : `cannot be used (${cause.code ?? cause.message})`;
    super(`port ${port} on ${host} ${why}; stop the other process or set PORT`, { cause });
    this.name = 'ListenError';
  }
}

/**
 * Resolves once the server is listening and rejects if it cannot (EADDRINUSE, EACCES…). Express 5's
 * `app.listen(port, host, cb)` hands the error to `cb`, so waiting for its callback alone would report
 * success with no listener.
 */
function listenOn(app: Express, port: number, host: string): Promise<Server> {
  const server = createServer(app);
  return new Promise<Server>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(new ListenError(host, port, err));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve(server);
    };
    server.once('error', onError).once('listening', onListening);
    server.listen(port, host);
  });
}
