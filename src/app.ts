import express, { type Express } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import { memoiseRouteRegexps } from './platform/route-regexp-cache.js';
import type { Redis } from 'ioredis';
import type { Config } from './config.js';
import type { Db } from './platform/db.js';
import type { Logger } from './platform/logger.js';
import { noStore, requestId } from './platform/response-headers.js';
import { errorHandler, notFoundHandler } from './platform/error-handler.js';
import { AppError } from './platform/app-error.js';
import { projectFile } from './platform/project-root.js';
import { accessLog } from './platform/access-log.js';
import { createBodySlots } from './platform/body-slots.js';
import { jsonBody } from './platform/json-body.js';
import { earlyAnswerDrain } from './platform/early-answer-drain.js';
import { createAuthFailureThrottle } from './tenants/auth-failure-throttle.js';
import { healthRoutes } from './platform/health-routes.js';
import { metricsRoute } from './platform/metrics.js';
import { httpMetrics } from './platform/ops-metrics.js';
import type { Registry } from 'prom-client';
import { authMiddleware } from './tenants/auth-middleware.js';
import { cachedKeyLookup } from './tenants/key-cache.js';
import { findActiveKeyByHash } from './tenants/tenant-store.js';
import { rateLimitMiddleware } from './tenants/rate-limit-middleware.js';
import { validationRoutes } from './validations/validation-routes.js';
import type { ValidationService } from './validations/validation-service.js';
import type { BatchService } from './batches/batch-service.js';
import { batchRoutes, csvUploadRoute } from './batches/batch-routes.js';
import type { WebhookService } from './webhooks/webhook-service.js';
import { webhookRoutes } from './webhooks/webhook-routes.js';
import type { TenantSettingsStore } from './tenants/tenant-settings.js';
import { settingsRoutes } from './tenants/settings-routes.js';
import { nameMatchRoute } from './name-match/name-match-route.js';
import { auditRoutes } from './audit/audit-routes.js';
import { erasureRoutes } from './privacy/erasure-routes.js';
import type { ErasureService } from './privacy/erasure-service.js';
import './platform/http-context.js';
import { admissionMetrics, createAdmission } from './platform/admission.js';
import { securityHeaders } from './platform/security-headers.js';
import { onPaths, V1_PATHS } from './platform/path-guard.js';
import { docsRoutes } from './docs/docs-routes.js';
import { consoleRoutes, type ConsoleDeps } from './console/console-routes.js';
import { usageRoutes } from './usage/usage-routes.js';
import type { UsageService } from './usage/usage-service.js';
import { quotaHeaders } from './usage/quota-headers.js';
import type { QuotaStatusReader } from './usage/quota-status.js';

/** The operations console: session cookies, its own error pages, never the API key middlewares. */
const CONSOLE_PATHS = /^\/console(?:\/|$)/i;

/** The batches collection: JSON batches get the larger body limit, and CSV uploads their own route. */
const JSON_BATCH_PATH = /^\/v1\/batches\/*$/i;

// Not compiled: read from the project folder whether the sources or the build run.
export const OPENAPI_PATH = projectFile('openapi.yaml');

export interface AppDeps {
  config: Config;
  logger: Logger;
  db: Db;
  /** Fail-fast connections (no offline queue): a Redis outage answers 503 instead of hanging. */
  rateLimitRedis: Redis;
  healthRedis: Redis;
  validations: ValidationService;
  batches: BatchService;
  webhooks: WebhookService;
  settings: TenantSettingsStore;
  erasures: ErasureService;
  metrics: Registry;
  /** Usage reads (`GET /v1/usage`, its CSV); absent in tools that build a partial app. */
  usage?: UsageService;
  /** Spend caps in the RateLimit headers of live keys; absent in tools that build a partial app. */
  quota?: QuotaStatusReader;
  /** The operations console's services (src/console/console-routes.ts). */
  console: Omit<ConsoleDeps, 'db' | 'logger' | 'validations' | 'batches' | 'webhooks' | 'settings' | 'secureCookies' | 'maxUploadBytes' | 'bodyReadTimeoutMs' | 'tenantRateLimit'>;
}

/** Builds the Express app from its dependencies; no globals, so tests build as many as they like. */
export function buildApp(deps: AppDeps): Express {
  const { config, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  // /v1 answers are no-store, so a validator (and weak-ETag 304s nobody documented) buys nothing.
  app.set('etag', false);
  app.set('trust proxy', config.http.trustProxy);

  app.use(requestId);
  app.use(accessLog(logger));
  app.use(httpMetrics(deps.metrics));
  app.use(earlyAnswerDrain({ maxBytes: config.http.drainMaxBytes, timeoutMs: config.http.drainTimeoutMs }));
  app.use(securityHeaders());

  // Routers and middlewares for a few paths are guarded instead of mounted (platform/path-guard.ts).
  app.use(onPaths(/^\/(?:healthz|readyz)\/?$/i, healthRoutes(deps.db, deps.healthRedis)));
  app.use(onPaths(/^\/metrics\/?$/i, metricsRoute(deps.metrics, config.metricsToken)));
  app.use(onPaths(/^\/(?:openapi\.yaml|docs(?:\/.*)?)$/i, docsRoutes(OPENAPI_PATH)));
  const tenantRateLimit = { points: config.rateLimit.points, windowSeconds: config.rateLimit.windowSeconds, keyPrefix: `${config.redis.queuePrefix}:ratelimit` };
  app.use(onPaths(CONSOLE_PATHS, consoleRoutes({
    ...deps.console, db: deps.db, logger, validations: deps.validations, batches: deps.batches, webhooks: deps.webhooks, settings: deps.settings,
    secureCookies: config.console.secureCookies, maxUploadBytes: config.batches.maxBytes, bodyReadTimeoutMs: config.http.bodyReadTimeoutMs,
    // Console validations and uploads spend the tenant's API budget: a person is no way around it.
    tenantRateLimit: rateLimitMiddleware(deps.rateLimitRedis, { ...tenantRateLimit, headers: false }),
  })));
  app.use(onPaths(V1_PATHS, noStore));
  // Authentication and the tenant's rate limit come before any byte of a body is read.
  const authFailures = createAuthFailureThrottle(deps.rateLimitRedis, {
    ...config.authFailures,
    keyPrefix: `${config.redis.queuePrefix}:authfail`,
  });
  const findKey = cachedKeyLookup((hash) => findActiveKeyByHash(deps.db, hash), { ttlMs: config.http.keyCacheMs });
  app.use(onPaths(V1_PATHS, authMiddleware(findKey, authFailures)));
  app.use(
    onPaths(V1_PATHS, rateLimitMiddleware(deps.rateLimitRedis, tenantRateLimit)),
  );
  if (deps.quota) app.use(onPaths(V1_PATHS, quotaHeaders(deps.quota)));
  // JSON batches carry up to BATCH_JSON_MAX_ITEMS payees; everything else keeps the small limit.
  const isJsonBatch = (req: express.Request) => JSON_BATCH_PATH.test(req.path);
  const maxItems = config.batches.jsonMaxItems;
  const tooManyItems = { max: maxItems, refuse: () => new AppError('batch.too_large', `A JSON batch may hold at most ${maxItems.toLocaleString('en')} items; upload larger sets as CSV.`) };
  app.use(
    onPaths(V1_PATHS, jsonBody({
      smallLimitBytes: config.http.bodyLimitBytes,
      limitFor: (req) => (isJsonBatch(req) ? config.batches.jsonLimitBytes : config.http.bodyLimitBytes),
      arrayCapFor: (req) => (isJsonBatch(req) ? tooManyItems : null),
      slots: createBodySlots(config.http.largeBodyConcurrency),
      readTimeoutMs: config.http.bodyReadTimeoutMs,
    })),
  );
  app.use(onPaths(JSON_BATCH_PATH, csvUploadRoute(deps.batches, deps.webhooks, { maxBytes: config.batches.maxBytes })));
  // Past here the work is CPU: a bounded number of starts per event-loop turn keeps the turns short.
  const admission = createAdmission({ perTurn: config.http.admitPerTurn, maxActive: config.http.maxActiveRequests, maxWaitMs: config.http.queueTimeoutMs, maxQueued: config.http.maxQueuedRequests });
  admissionMetrics(admission, deps.metrics);
  app.use(onPaths(V1_PATHS, admission.middleware));
  memoiseRouteRegexps();
  app.use(
    OpenApiValidator.middleware({
      apiSpec: OPENAPI_PATH,
      // No body coercion: a numeric account_number must be refused, not turned into a string (leading zeros lost).
      validateRequests: { allowUnknownQueryParameters: false, coerceTypes: false },
      validateResponses: config.http.validateResponses ? { removeAdditional: false } : false,
      validateSecurity: false,
      validateFormats: true,
    }),
  );
  app.use(validationRoutes(deps.validations));
  app.use(batchRoutes(deps.batches, deps.validations, deps.webhooks, { jsonMaxItems: config.batches.jsonMaxItems }));
  app.use(webhookRoutes(deps.webhooks));
  app.use(nameMatchRoute(deps.settings));
  app.use(settingsRoutes(deps.settings, deps.db));
  app.use(auditRoutes(deps.db));
  app.use(erasureRoutes(deps.erasures));
  if (deps.usage) app.use(usageRoutes(deps.usage));
  app.use(notFoundHandler);
  app.use(errorHandler(logger));
  return app;
}

/** The probe-only app a worker process serves. */
export function buildHealthApp(db: Db, redis: Redis, metrics: Registry, metricsToken: string | null): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestId);
  app.use(httpMetrics(metrics));
  app.use(healthRoutes(db, redis));
  app.use(metricsRoute(metrics, metricsToken));
  return app;
}
