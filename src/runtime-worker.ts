import type { SharedClients } from './runtime-shared.js';
import { startPartners, type PartnerSetup } from './partners/partner-setup.js';
import { partnerHealthKey, startPartnerHealthReports } from './partners/partner-health-board.js';
import { newId } from './platform/ids.js';
import { createBatchFeeder } from './batches/batch-feeder.js';
import { createFairShare } from './platform/fair-share-redis.js';
import { batchCountersHook } from './batches/batch-counters.js';
import { createBatchCompletion } from './batches/batch-completion.js';
import { createBatchSweep } from './batches/batch-sweep.js';
import { createValidationProcessor, combineHooks } from './validations/process-validation.js';
import { createValidationSweeper, inFlightBoundMs, type ValidationSweeper } from './validations/validation-sweeper.js';
import { createCompletionPublisher } from './validations/completion-notifier.js';
import { createSingleFlight } from './validations/single-flight.js';
import { createWebhookSender } from './webhooks/webhook-sender.js';
import { createWebhookDeliverer, leaseMsFor } from './webhooks/deliver-webhook.js';
import { createEndpointSlots } from './webhooks/endpoint-slots.js';
import { webhookSweepTask } from './webhooks/webhook-sweep.js';
import { startValidationWorker, type ValidationWorker } from '../workers/validation-worker.js';
import { enqueueHandoffs, VALIDATION_QUEUE, VALIDATION_ROW_QUEUE } from './platform/queues.js';
import { sliceSlots, startValidationSliceWorker, type ValidationSliceWorker } from '../workers/validation-slice-worker.js';
import { createSliceProcessor } from './validations/process-slice.js';
import { attemptGateMetrics, createAttemptGates, defaultClaimsAhead } from './platform/row-limiter.js';
import { startWebhookWorker, type WebhookWorker } from '../workers/webhook-worker.js';
import { startBatchFeedWorker, type BatchFeedWorker } from '../workers/batch-feed-worker.js';
import { createRetentionSweep } from './privacy/retention-sweep.js';
import { createErasureRunner } from './privacy/erasure-runner.js';
import { createPurgeCounter } from './privacy/privacy-metrics.js';
import { createBlindIndexer } from './platform/blind-index.js';
import { createUsageMeter } from './usage/usage-meter.js';
import { createUsageMetrics } from './usage/usage-metrics.js';
import { createQuotaGate } from './usage/quota-gate.js';

export interface WorkerRole {
  partners: PartnerSetup;
  worker: ValidationWorker;
  sliceWorker: ValidationSliceWorker;
  rowWorker: ValidationWorker;
  webhookWorker: WebhookWorker;
  feedWorker: BatchFeedWorker;
  sweeper: ValidationSweeper | null;
  /** Fails unfinished validations through the final step (retention, erasure; tests). */
  failValidations(ids: readonly string[], code: string): Promise<void>;
  /** Closes what this role opened besides its workers (the webhook sender's connections). */
  closeSender(): Promise<void>;
  /** Stops reporting partner circuits for the console. */
  stopHealthReports(): void;
}

/** The worker role: partners, the validation, webhook and batch-feed workers, and the sweeper. */
export async function startWorkerRole(c: SharedClients): Promise<WorkerRole> {
  const { config, logger, db, cipher, settings, recorder } = c;
  const prefix = config.redis.queuePrefix;
  // The longest one attempt can last (every partner it may try timing out in turn): a claim's lease,
  // and how old a `processing` row must be before the sweeper may think its job lost.
  const attemptBoundMs = inFlightBoundMs([...config.partners.enabled, config.partners.testMode].map((p) => p.callTimeoutMs), config.sweeper.stuckAfterMs);
  const partners = await startPartners(config, logger, { onBreakerStateChange: c.partnerMetrics.breakerTransition });
  // The console's home page shows these circuits (src/partners/partner-health-board.ts).
  const stopHealthReports = startPartnerHealthReports(c.producerRedis, partnerHealthKey(prefix), newId('wkr'), partners.partners);
  const batchCompletion = createBatchCompletion({ db, logger, onCompleted: recorder.batchCompleted });
  const processor = createValidationProcessor({
    db,
    cipher,
    routers: { live: partners.router, test: partners.testRouter },
    telemetry: c.partnerMetrics,
    followupHoldMs: config.partners.followupHoldMs,
    pendingPollMs: config.partners.pendingPollMs,
    maxRetryAfterMs: config.partners.maxRetryAfterMs,
    rateLimitMaxWaitMs: config.partners.rateLimitMaxWaitMs,
    attemptLeaseMs: attemptBoundMs,
    publisher: createCompletionPublisher(c.producerRedis, c.completionChannel),
    onStatusChange: combineHooks(batchCountersHook(batchCompletion), recorder.validationFinal),
    logger,
    maxTotalAttempts: config.worker.maxTotalAttempts,
    settings,
    singleFlight: config.reuse.singleFlight.enabled
      ? createSingleFlight(c.redis('fail-fast', 'single-flight'), {
          prefix,
          ttlMs: config.reuse.singleFlight.lockMs,
          onError: (err) => logger.warn({ err }, 'single-flight lock unavailable; calling the partner anyway'),
        })
      : null,
    singleFlightPollMs: config.reuse.singleFlight.pollMs,
    usage: createUsageMeter({
      offsetMinutes: config.usage.offsetMinutes,
      metrics: createUsageMetrics(c.metrics),
      quota: createQuotaGate({ caps: async (tenantId) => (await settings.get(tenantId)).spendCaps, offsetMinutes: config.usage.offsetMinutes, maxWaitMs: config.spendCaps.waitMs }),
    }),
  });
  // WORKER_CONCURRENCY bounds the partner calls in flight in this process, and half of it the rows
  // claimed ahead of a call place. Single validations' jobs and batch slices' rows share both,
  // singles first.
  const claimsAhead = defaultClaimsAhead(config.worker.concurrency);
  const gates = createAttemptGates(config.worker.concurrency, claimsAhead);
  attemptGateMetrics(gates, c.metrics);
  // Each queue's worker takes as many jobs as can be at the partner or claimed ahead at once.
  const perRow = { prefix, gates, concurrency: config.worker.concurrency + claimsAhead, lockMs: config.worker.lockMs, stalledIntervalMs: config.worker.stalledIntervalMs, retry: config.worker.retry };
  const worker = startValidationWorker(c.redis('worker', 'worker'), processor, logger, { ...perRow, queueName: VALIDATION_QUEUE });
  const rowWorker = startValidationWorker(c.redis('worker', 'row-worker'), processor, logger, { ...perRow, queueName: VALIDATION_ROW_QUEUE });
  // Batch rows arrive a slice per job (decision 0027).
  const processSlice = createSliceProcessor({
    processor,
    handOff: (handoffs) => enqueueHandoffs(c.producerRedis, c.rowQueue, handoffs),
    closing: () => Boolean(sliceWorker.closing),
    gates,
    attempts: config.worker.attempts,
    retry: config.worker.retry,
    logger,
  });
  const sliceWorker: ValidationSliceWorker = startValidationSliceWorker(c.redis('worker', 'slice-worker'), processSlice, logger, {
    prefix,
    slots: sliceSlots(config.worker.concurrency, config.batches.fairSliceRows),
    lockMs: config.worker.lockMs,
    stalledIntervalMs: config.worker.stalledIntervalMs,
    retry: config.worker.retry,
  });

  const sender = createWebhookSender({ guard: c.guard, timeoutMs: config.webhooks.timeoutMs, userAgent: 'payval-webhooks/1' });
  const deliverer = createWebhookDeliverer({
    db,
    cipher,
    queue: c.webhookQueue,
    sender,
    slots: createEndpointSlots(c.redis('worker', 'webhook-slots'), { prefix, limit: config.webhooks.endpointConcurrency, holdMs: leaseMsFor(config.webhooks.timeoutMs) }),
    recorder,
    logger,
    schedule: { delaysMs: config.webhooks.retryScheduleMs, jitter: config.webhooks.retryJitter },
    timeoutMs: config.webhooks.timeoutMs,
    disableAfterMs: config.webhooks.disableAfterMs,
    metrics: c.metrics,
  });
  const webhookWorker = startWebhookWorker(c.redis('worker', 'webhook-worker'), deliverer, logger, {
    prefix,
    concurrency: config.webhooks.concurrency,
    lockMs: config.worker.lockMs,
    stalledIntervalMs: config.worker.stalledIntervalMs,
  });

  const fairShare = createFairShare(c.producerRedis, c.sliceQueue);
  const feeder = createBatchFeeder({ db, redis: c.producerRedis, sliceQueue: c.sliceQueue, rowQueue: c.rowQueue, fairShare, logger, maxWaiting: config.batches.feedMaxWaiting, sliceRows: config.batches.fairSliceRows });
  const feedWorker = startBatchFeedWorker(c.redis('worker', 'feed-worker'), feeder, logger, { prefix, lockMs: config.worker.lockMs });

  let sweeper: ValidationSweeper | null = null;
  if (config.sweeper.enabled) {
    const purgeCounter = createPurgeCounter(c.metrics);
    // Erasure looks a payee up under the blind-index key being replaced too, until the reindex is done.
    const blindIndexers = [c.blindIndex, ...(config.crypto.previousBlindIndexKey ? [createBlindIndexer(config.crypto.previousBlindIndexKey)] : [])];
    const retention = createRetentionSweep({ db, logger, ...config.retention, failUnfinished: processor.failMany, onPurged: purgeCounter('retention') });
    sweeper = createValidationSweeper({
      db,
      redis: c.producerRedis,
      queue: c.queue,
      sliceQueue: c.sliceQueue,
      rowQueue: c.rowQueue,
      idempotency: c.idempotency,
      logger,
      prefix,
      ...config.sweeper,
      inFlightMs: attemptBoundMs,
      maxWaiting: config.batches.feedMaxWaiting,
      batches: createBatchSweep({ db, redis: c.producerRedis, feedQueue: c.feedQueue, logger, abandonedAfterMs: config.batches.abandonedAfterMs, completion: batchCompletion }),
      tasks: [webhookSweepTask({ db, queue: c.webhookQueue, logger, overdueAfterMs: config.sweeper.stuckAfterMs, batchSize: config.sweeper.batchSize })],
      leaderWork: [retention.run, createErasureRunner({ db, cipher, logger, pageSize: config.retention.pageSize, pauseMs: config.retention.pauseMs, failUnfinished: processor.failMany, blindIndexers, onPurged: purgeCounter('erasure') }).run],
    });
    sweeper.start();
  }
  return { partners, worker, sliceWorker, rowWorker, webhookWorker, feedWorker, sweeper, failValidations: processor.failMany, closeSender: () => sender.close(), stopHealthReports };
}
