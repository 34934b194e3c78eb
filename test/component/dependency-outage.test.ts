import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import supertest from 'supertest';
import { createRedis, waitForRedis } from '../../src/platform/redis.js';
import { createDb } from '../../src/platform/db.js';
import { createConsoleServices } from '../../src/console/console-services.js';
import { buildApp } from '../../src/app.js';
import { createMetricsRegistry } from '../../src/platform/metrics.js';
import { createValidationService } from '../../src/validations/validation-service.js';
import { createIdempotencyStore } from '../../src/platform/idempotency.js';
import { createBatchFeedQueue, createValidationQueue, createWebhookQueue } from '../../src/platform/queues.js';
import { createWebhookService } from '../../src/webhooks/webhook-service.js';
import { createUrlGuard } from '../../src/webhooks/url-guard.js';
import { createTenantSettings } from '../../src/tenants/tenant-settings.js';
import { createBatchService } from '../../src/batches/batch-service.js';
import { createFieldCipher } from '../../src/platform/field-cipher.js';
import { createBlindIndexer } from '../../src/platform/blind-index.js';
import { bankAccount, createTestContext, eventually, type TestContext } from '../helpers/test-stack.js';
import { createErasureService } from '../../src/privacy/erasure-service.js';
import { dependencyMetrics, queueMetrics } from '../../src/platform/ops-metrics.js';
import type { Runtime } from '../../src/runtime.js';

// Port 1 on loopback refuses connections: a dependency that is down.
const DEAD_REDIS = 'redis://127.0.0.1:1';
const DEAD_MYSQL = 'mysql://root@127.0.0.1:1/payval';

let ctx: TestContext;
let rt: Runtime;
let key: string;
before(async () => {
  ctx = await createTestContext();
  rt = await ctx.start({ ROLE: 'api' });
  ({ apiKey: key } = await ctx.createTenant());
});
after(() => ctx.close());

/**
 * The API app wired by hand so each dependency can point somewhere else: `queueRedisUrl` is what the
 * producers use, `limiterRedisUrl` what the rate limiter and readiness probe use, `mysqlUrl` the database.
 */
async function appWith(opts: { queueRedisUrl?: string; limiterRedisUrl?: string; mysqlUrl?: string }) {
  const config = ctx.config();
  const logger = ctx.logger;
  const db = opts.mysqlUrl ? createDb(opts.mysqlUrl, 1) : rt.db;
  const queueRedis = createRedis(opts.queueRedisUrl ?? ctx.env.REDIS_URL!, 'fail-fast', 'outage-queue');
  const limiterRedis = createRedis(opts.limiterRedisUrl ?? ctx.env.REDIS_URL!, 'fail-fast', 'outage-limiter');
  // As the runtime does: a healthy fail-fast client must be connected before the first request (the
  // failed-authentication check asks it before anything else).
  if (!opts.limiterRedisUrl) await waitForRedis(limiterRedis);
  const queue = createValidationQueue(queueRedis, ctx.env.QUEUE_PREFIX!, 3);
  const feedQueue = createBatchFeedQueue(queueRedis, ctx.env.QUEUE_PREFIX!);
  const cipher = createFieldCipher({ keys: config.crypto.keys, activeKeyId: config.crypto.activeKeyId });
  const shared = {
    db,
    cipher,
    blindIndex: createBlindIndexer(config.crypto.blindIndexKey),
    idempotency: createIdempotencyStore(db, { ...config.idempotency, cipher }),
    logger,
  };
  const webhookQueue = createWebhookQueue(queueRedis, ctx.env.QUEUE_PREFIX!);
  const webhooks = createWebhookService({
    ...shared,
    guard: createUrlGuard({ requireHttps: false, allowedNetworks: [] }),
    queue: webhookQueue,
    secretOverlapMs: config.webhooks.secretOverlapMs,
    maxEndpoints: config.webhooks.maxEndpoints,
  });
  const settings = createTenantSettings(db, { reuseMaxAgeSeconds: config.reuse.defaultMaxAgeSeconds, nameMatch: config.nameMatch, retentionDays: config.retention.defaultDays });
  const validations = createValidationService({ ...shared, queue, completions: null, checkWebhookUrl: webhooks.checkOneOffUrl, settings });
  const batches = createBatchService({ ...shared, feedQueue, maxRows: config.batches.maxRows, settings });
  // The operator metrics as a runtime registers them: queues and dependencies read when scraped.
  const metrics = createMetricsRegistry('api');
  queueMetrics(metrics, [queue, feedQueue, webhookQueue]);
  dependencyMetrics(metrics, db, limiterRedis);
  const console = createConsoleServices({ config, db, cipher: shared.cipher, failFastRedis: limiterRedis, redis: limiterRedis, batches, queues: [queue, webhookQueue] });
  const app = buildApp({ config, logger, db, rateLimitRedis: limiterRedis, healthRedis: limiterRedis, validations, batches, webhooks, settings, erasures: createErasureService({ db, cipher }), metrics, console });
  return {
    http: supertest(app),
    async close() {
      await queue.close().catch(() => undefined);
      await feedQueue.close().catch(() => undefined);
      await webhookQueue.close().catch(() => undefined);
      queueRedis.disconnect();
      limiterRedis.disconnect();
      if (opts.mysqlUrl) await db.destroy();
    },
  };
}

describe('dependency outages answer 503 with Retry-After, never hang', () => {
  it('Redis down: API requests are 503 service.unavailable and readyz reports redis down', async () => {
    const a = await appWith({ queueRedisUrl: DEAD_REDIS, limiterRedisUrl: DEAD_REDIS });
    try {
      const started = Date.now();
      const res = await a.http.post('/v1/validations').set('Authorization', `Bearer ${key}`).send(bankAccount('123456789012'));
      assert.equal(res.status, 503);
      assert.equal(res.body.error.code, 'service.unavailable');
      assert.ok(Number(res.headers['retry-after']) > 0);
      assert.ok(Date.now() - started < 5000, 'request hung');
      assert.ok(!JSON.stringify(res.body).includes('ECONNREFUSED'), 'dependency error leaked');
      const ready = await a.http.get('/readyz');
      assert.equal(ready.status, 503);
      assert.deepEqual(ready.body.checks, { mysql: 'ok', redis: 'down' });
      assert.equal((await a.http.get('/healthz')).status, 200);
      // A scrape answers at once and says so; the queues, read from Redis, have no series.
      const scrapeStarted = Date.now();
      const metrics = await a.http.get('/metrics');
      assert.equal(metrics.status, 200);
      assert.ok(Date.now() - scrapeStarted < 3000, 'scrape hung');
      assert.match(metrics.text, /payval_dependency_up\{dependency="redis",role="api"\} 0\n/);
      assert.match(metrics.text, /payval_dependency_up\{dependency="mysql",role="api"\} 1\n/);
      assert.doesNotMatch(metrics.text, /payval_queue_jobs\{/);
    } finally {
      await a.close();
    }
  });

  it('MySQL down: API requests are 503 and readyz reports mysql down', async () => {
    const a = await appWith({ mysqlUrl: DEAD_MYSQL });
    try {
      const res = await a.http.get('/v1/validations').set('Authorization', `Bearer ${key}`);
      assert.equal(res.status, 503);
      assert.equal(res.body.error.code, 'service.unavailable');
      assert.ok(Number(res.headers['retry-after']) > 0);
      const ready = await a.http.get('/readyz');
      assert.equal(ready.status, 503);
      assert.deepEqual(ready.body.checks, { mysql: 'down', redis: 'ok' });
      assert.match((await a.http.get('/metrics')).text, /payval_dependency_up\{dependency="mysql",role="api"\} 0\n/);
    } finally {
      await a.close();
    }
  });

  it('an enqueue that fails after the row is committed still answers 202; the sweeper enqueues it later', async () => {
    // The rate limiter uses the healthy Redis; only the producers' connection is dead.
    const a = await appWith({ queueRedisUrl: DEAD_REDIS });
    try {
      const res = await a.http.post('/v1/validations').set('Authorization', `Bearer ${key}`).send(bankAccount('123456789012'));
      assert.equal(res.status, 202, JSON.stringify(res.body));
      const row = await rt.db('validations').where({ id: res.body.id }).first();
      assert.equal(row.status, 'queued');
      assert.equal(await rt.queue.getJob(`validation-${res.body.id}`), undefined);
      // A worker runtime's sweeper picks the orphaned row up and finishes it.
      const worker = await ctx.start({ ROLE: 'worker' });
      await eventually(async () => (await worker.db('validations').where({ id: res.body.id }).first()).status === 'completed', 'sweeper to finish the row');
    } finally {
      await a.close();
    }
  });
});
