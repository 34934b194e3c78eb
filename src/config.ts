import { parsePartnersConfig, type PartnersConfig } from './partners/partner-config.js';
import { parseAllowedNetworks } from './webhooks/url-guard.js';
import { parseRetrySchedule } from './webhooks/retry-schedule.js';
import { parseTrustProxy, type TrustProxy } from './platform/trust-proxy.js';
import type { NameMatchThresholds } from './name-match/name-matcher.js';
import { decodeKeyText, derivedKey } from './platform/key-material.js';
import { envSchema, type Env } from './config-env.js';
import { parseKeyring, previousBlindKeyProblems, secretProblems } from './config-secrets.js';
import { checkDatabaseConfig, type DatabaseConfig } from './config-database.js';
import { formatUtcOffset, parseUtcOffset } from './usage/usage-period.js';

export type { Env } from './config-env.js';

export interface Config {
  env: Env['NODE_ENV'];
  role: Env['ROLE'];
  http: {
    host: string;
    port: number;
    bodyLimitBytes: number;
    validateResponses: boolean;
    /** How long an API process trusts an active key it looked up (0: every request reads MySQL). */
    keyCacheMs: number;
    /** Per process: JSON bodies over bodyLimitBytes, of unknown length or compressed, read at once. */
    largeBodyConcurrency: number;
    /** After an early answer, how much of the unread body is discarded (and for how long) before the connection is closed. */
    drainMaxBytes: number;
    drainTimeoutMs: number;
    /** The longest a JSON body may take to arrive once reading starts (408 request.body_timeout past it). */
    bodyReadTimeoutMs: number;
    /**
     * A connection with no byte in either direction for this long is closed. There is no limit on a
     * whole request: an upload may take as long as it keeps moving.
     */
    idleTimeoutMs: number;
    /** How long an idle keep-alive connection waits for its next request (above a load balancer's idle timeout). */
    keepAliveTimeoutMs: number;
    listenBacklog: number;
    /** Requests past authentication and body reading that start per event-loop turn (0: no limit). */
    admitPerTurn: number;
    /** Requests past that point at once (0: no cap); the rest queue in arrival order. */
    maxActiveRequests: number;
    /** How long a request may queue for its turn before 503 service.busy. */
    queueTimeoutMs: number;
    /** Requests that may queue at once; past it 503 service.busy at once. */
    maxQueuedRequests: number;
    /** Express `trust proxy`: false (the socket address), true, a hop count, or addresses / CIDRs / loopback… */
    trustProxy: TrustProxy;
  };
  /** Failed authentications per client address and window, before 429 auth.too_many_failures. */
  authFailures: { limit: number; windowSeconds: number };
  logLevel: Env['LOG_LEVEL'];
  database: DatabaseConfig;
  redis: { url: string; queuePrefix: string };
  crypto: {
    keys: Record<string, Buffer>;
    activeKeyId: string;
    blindIndexKey: Buffer;
    /** The blind-index key being replaced, for `payval keys reindex`; null when no change is under way. */
    previousBlindIndexKey: Buffer | null;
  };
  rateLimit: { points: number; windowSeconds: number };
  /** `fingerprintKey` keys the stored request hashes (derived from the blind-index key). */
  idempotency: { ttlHours: number; lockTimeoutMs: number; fingerprintKey: Buffer };
  worker: {
    concurrency: number;
    attempts: number;
    retry: { baseMs: number; maxMs: number; jitter: number };
    maxTotalAttempts: number;
    lockMs: number;
    stalledIntervalMs: number;
  };
  sweeper: { enabled: boolean; intervalMs: number; stuckAfterMs: number; batchSize: number };
  /** Personal data past `defaultDays` (or the tenant's own setting) is purged by the sweeper's leader, a page at a time. */
  retention: { defaultDays: number; pageSize: number; pauseMs: number; scanEveryMs: number };
  partners: PartnersConfig;
  /** Bearer token required by GET /metrics; null leaves it open (bind the port privately). */
  metricsToken: string | null;
  console: {
    idleMs: number;
    absoluteMs: number;
    /** `Secure` on the session cookie: on by default in production. */
    secureCookies: boolean;
    invitationMs: number;
    signIn: { accountLimit: number; addressLimit: number; windowSeconds: number };
  };
  batches: { maxRows: number; maxBytes: number; jsonMaxItems: number; jsonLimitBytes: number; feedMaxWaiting: number; fairSliceRows: number; abandonedAfterMs: number };
  reuse: {
    /** Default `max_age` (seconds) for tenants that set none; 0 turns reuse off. */
    defaultMaxAgeSeconds: number;
    singleFlight: { enabled: boolean; lockMs: number; pollMs: number };
  };
  nameMatch: NameMatchThresholds;
  webhooks: {
    timeoutMs: number;
    retryScheduleMs: number[];
    retryJitter: number;
    disableAfterMs: number;
    secretOverlapMs: number;
    /** CIDRs that may be called even though they are not public addresses (tests, local development). */
    allowedNetworks: string[];
    requireHttps: boolean;
    concurrency: number;
    endpointConcurrency: number;
    maxEndpoints: number;
  };
  /** Usage metering: the day boundary, as minutes east of UTC and as shown (`+05:30`). */
  usage: { offsetMinutes: number; timezone: string };
  /**
   * Limits on charged partner calls per tenant in live mode, for tenants that set none (0 = none), and
   * the longest a validation waiting for a slot sleeps before it looks again (a raised cap is seen then).
   */
  spendCaps: { daily: number; monthly: number; waitMs: number };
  shutdownTimeoutMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}

/**
 * The MySQL pool when DATABASE_POOL_MAX is unset. A worker's jobs hold a connection only for their
 * grouped claim and final transactions and a few short statements, never across the partner call, so
 * its pool grows slowly with concurrency: 10 + 1 per 100 jobs (200 → 12, 2,500 → 35). The API's
 * group commit and reads want about 20. `all` runs both in one process.
 */
export function defaultPoolMax(role: 'all' | 'api' | 'worker', workerConcurrency: number): number {
  const api = 20;
  const worker = 10 + Math.ceil(workerConcurrency / 100);
  return role === 'api' ? api : role === 'worker' ? worker : api + worker;
}

/** Parses and checks the environment; throws ConfigError naming every bad key. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  const e = parsed.data;
  const problems: string[] = [];

  let keyring: { keys: Record<string, Buffer>; firstId: string } = { keys: {}, firstId: '' };
  try {
    keyring = parseKeyring(e.ENCRYPTION_KEYS);
  } catch (err) {
    problems.push(`ENCRYPTION_KEYS: ${(err as Error).message}`);
  }
  const activeKeyId = e.ENCRYPTION_ACTIVE_KEY_ID ?? keyring.firstId;
  if (keyring.firstId && !keyring.keys[activeKeyId]) {
    problems.push(`ENCRYPTION_ACTIVE_KEY_ID: "${activeKeyId}" is not in ENCRYPTION_KEYS`);
  }
  const blindIndexKey = decodeKeyText(e.BLIND_INDEX_KEY) ?? Buffer.alloc(0);
  if (blindIndexKey.length < 32) problems.push('BLIND_INDEX_KEY: must be base64 that decodes to at least 32 bytes');
  else problems.push(...secretProblems(keyring.keys, blindIndexKey, e.NODE_ENV === 'production'));
  const previousBlindIndexKey = e.BLIND_INDEX_PREVIOUS_KEY === '' ? null : decodeKeyText(e.BLIND_INDEX_PREVIOUS_KEY);
  if (e.BLIND_INDEX_PREVIOUS_KEY !== '') problems.push(...previousBlindKeyProblems(previousBlindIndexKey, keyring.keys, blindIndexKey));
  if (e.HTTP_IDLE_TIMEOUT_MS <= e.HTTP_KEEP_ALIVE_TIMEOUT_MS) problems.push('HTTP_IDLE_TIMEOUT_MS: must be longer than HTTP_KEEP_ALIVE_TIMEOUT_MS');
  if (e.RETRY_MAX_MS < e.RETRY_BASE_MS) problems.push('RETRY_MAX_MS: must be >= RETRY_BASE_MS');
  if (e.MAX_TOTAL_ATTEMPTS < e.JOB_ATTEMPTS) problems.push('MAX_TOTAL_ATTEMPTS: must be >= JOB_ATTEMPTS');
  if (e.SWEEPER_STUCK_AFTER_MS <= e.PARTNER_CALL_TIMEOUT_MS) {
    problems.push('SWEEPER_STUCK_AFTER_MS: must be longer than PARTNER_CALL_TIMEOUT_MS');
  }
  const partners = parsePartnersConfig(
    source,
    {
      simPort: e.PARTNER_SIM_PORT,
      connectTimeoutMs: e.PARTNER_CONNECT_TIMEOUT_MS,
      callTimeoutMs: e.PARTNER_CALL_TIMEOUT_MS,
      breaker: {
        errorThresholdPercentage: e.BREAKER_ERROR_THRESHOLD_PERCENT,
        volumeThreshold: e.BREAKER_VOLUME_THRESHOLD,
        rollingCountTimeoutMs: e.BREAKER_ROLLING_WINDOW_MS,
        rollingCountBuckets: e.BREAKER_ROLLING_BUCKETS,
        resetTimeoutMs: e.BREAKER_RESET_TIMEOUT_MS,
      },
      followupHoldMs: e.PARTNER_FOLLOWUP_HOLD_MS,
      pendingPollMs: e.PARTNER_PENDING_POLL_MS,
      authCooldownMs: e.PARTNER_AUTH_COOLDOWN_MS,
      maxRetryAfterMs: e.PARTNER_MAX_RETRY_AFTER_MS,
      rateLimitMaxWaitMs: e.PARTNER_RATE_LIMIT_MAX_WAIT_MS,
    },
    e.NODE_ENV === 'production',
    problems,
  );
  const everyPartner = [...partners.enabled, partners.testMode];
  if (everyPartner.some((p) => p.callTimeoutMs >= e.SWEEPER_STUCK_AFTER_MS)) {
    problems.push('SWEEPER_STUCK_AFTER_MS: must be longer than every partner call timeout');
  }
  let retryScheduleMs: number[] = [];
  try {
    retryScheduleMs = parseRetrySchedule(e.WEBHOOK_RETRY_SCHEDULE);
  } catch (err) {
    problems.push(`WEBHOOK_RETRY_SCHEDULE: ${(err as Error).message}`);
  }
  let allowedNetworks: string[] = [];
  try {
    allowedNetworks = parseAllowedNetworks(e.WEBHOOK_ALLOWED_NETWORKS);
  } catch (err) {
    problems.push(`WEBHOOK_ALLOWED_NETWORKS: ${(err as Error).message}`);
  }
  if (e.NODE_ENV === 'production' && e.WEBHOOK_REQUIRE_HTTPS === false) problems.push('WEBHOOK_REQUIRE_HTTPS: webhook URLs must be https in production');
  if (e.CLOSE_MATCH_THRESHOLD > e.NAME_MATCH_THRESHOLD) problems.push('CLOSE_MATCH_THRESHOLD: must not exceed NAME_MATCH_THRESHOLD');
  if (everyPartner.some((p) => p.callTimeoutMs >= e.SINGLE_FLIGHT_LOCK_MS)) {
    problems.push('SINGLE_FLIGHT_LOCK_MS: must be longer than every partner call timeout');
  }
  if (e.SWEEPER_STUCK_AFTER_MS <= e.WEBHOOK_TIMEOUT_MS) problems.push('SWEEPER_STUCK_AFTER_MS: must be longer than WEBHOOK_TIMEOUT_MS');
  const database = checkDatabaseConfig(
    {
      url: e.DATABASE_URL,
      poolMax: e.DATABASE_POOL_MAX ?? defaultPoolMax(e.ROLE, e.WORKER_CONCURRENCY),
      migrateOnStart: e.DATABASE_MIGRATE_ON_START,
      migrationsUrl: e.MIGRATIONS_DATABASE_URL ?? null,
    },
    problems,
  );
  let trustProxy: TrustProxy = false;
  try {
    trustProxy = parseTrustProxy(e.TRUST_PROXY);
  } catch (err) {
    problems.push(`TRUST_PROXY: ${(err as Error).message}`);
  }
  const usageOffset = parseUtcOffset(e.USAGE_TIMEZONE);
  if (usageOffset === null) problems.push('USAGE_TIMEZONE: must be Z, UTC or an offset from -14:00 to +14:00 such as +05:30');
  if (problems.length) throw new ConfigError(problems);

  return Object.freeze({
    env: e.NODE_ENV,
    role: e.ROLE,
    http: {
      host: e.HOST,
      port: e.PORT,
      bodyLimitBytes: e.BODY_LIMIT_BYTES,
      validateResponses: e.VALIDATE_RESPONSES,
      keyCacheMs: e.AUTH_KEY_CACHE_MS,
      largeBodyConcurrency: e.HTTP_LARGE_BODY_CONCURRENCY,
      drainMaxBytes: e.HTTP_DRAIN_MAX_BYTES,
      drainTimeoutMs: e.HTTP_DRAIN_TIMEOUT_MS,
      bodyReadTimeoutMs: e.HTTP_BODY_READ_TIMEOUT_MS,
      idleTimeoutMs: e.HTTP_IDLE_TIMEOUT_MS,
      keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      listenBacklog: e.HTTP_LISTEN_BACKLOG,
      admitPerTurn: e.HTTP_ADMIT_PER_TURN,
      maxActiveRequests: e.HTTP_MAX_ACTIVE_REQUESTS,
      queueTimeoutMs: e.HTTP_QUEUE_TIMEOUT_MS,
      maxQueuedRequests: e.HTTP_MAX_QUEUED_REQUESTS,
      trustProxy,
    },
    authFailures: { limit: e.AUTH_FAILURE_LIMIT, windowSeconds: e.AUTH_FAILURE_WINDOW_SECONDS },
    logLevel: e.LOG_LEVEL,
    database,
    redis: { url: e.REDIS_URL, queuePrefix: e.QUEUE_PREFIX },
    crypto: { keys: keyring.keys, activeKeyId, blindIndexKey, previousBlindIndexKey },
    rateLimit: { points: e.RATE_LIMIT_POINTS, windowSeconds: e.RATE_LIMIT_WINDOW_SECONDS },
    idempotency: { ttlHours: e.IDEMPOTENCY_TTL_HOURS, lockTimeoutMs: e.IDEMPOTENCY_LOCK_TIMEOUT_MS, fingerprintKey: derivedKey(blindIndexKey, 'payval idempotency fingerprint') },
    worker: {
      concurrency: e.WORKER_CONCURRENCY,
      attempts: e.JOB_ATTEMPTS,
      retry: { baseMs: e.RETRY_BASE_MS, maxMs: e.RETRY_MAX_MS, jitter: e.RETRY_JITTER },
      maxTotalAttempts: e.MAX_TOTAL_ATTEMPTS,
      lockMs: e.JOB_LOCK_MS,
      stalledIntervalMs: e.JOB_STALLED_INTERVAL_MS,
    },
    sweeper: {
      enabled: e.SWEEPER_ENABLED,
      intervalMs: e.SWEEPER_INTERVAL_MS,
      stuckAfterMs: e.SWEEPER_STUCK_AFTER_MS,
      batchSize: e.SWEEPER_BATCH_SIZE,
    },
    retention: { defaultDays: e.RETENTION_DAYS, pageSize: e.RETENTION_PAGE_SIZE, pauseMs: e.RETENTION_PAUSE_MS, scanEveryMs: e.RETENTION_SCAN_INTERVAL_MS },
    partners,
    metricsToken: e.METRICS_TOKEN || null,
    batches: {
      maxRows: e.BATCH_MAX_ROWS,
      maxBytes: e.BATCH_MAX_BYTES,
      jsonMaxItems: e.BATCH_JSON_MAX_ITEMS,
      jsonLimitBytes: e.BATCH_JSON_LIMIT_BYTES,
      feedMaxWaiting: e.BATCH_FEED_MAX_WAITING,
      fairSliceRows: e.BATCH_FAIR_SLICE_ROWS,
      abandonedAfterMs: e.BATCH_UPLOAD_ABANDONED_MS,
    },
    reuse: {
      defaultMaxAgeSeconds: e.REUSE_MAX_AGE_SECONDS,
      singleFlight: { enabled: e.SINGLE_FLIGHT_ENABLED, lockMs: e.SINGLE_FLIGHT_LOCK_MS, pollMs: e.SINGLE_FLIGHT_POLL_MS },
    },
    nameMatch: { match: e.NAME_MATCH_THRESHOLD, closeMatch: e.CLOSE_MATCH_THRESHOLD },
    webhooks: {
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      retryScheduleMs,
      retryJitter: e.WEBHOOK_RETRY_JITTER,
      disableAfterMs: e.WEBHOOK_DISABLE_AFTER_MS,
      secretOverlapMs: e.WEBHOOK_SECRET_OVERLAP_MS,
      allowedNetworks,
      requireHttps: e.WEBHOOK_REQUIRE_HTTPS ?? e.NODE_ENV === 'production',
      concurrency: e.WEBHOOK_CONCURRENCY,
      endpointConcurrency: e.WEBHOOK_ENDPOINT_CONCURRENCY,
      maxEndpoints: e.WEBHOOK_MAX_ENDPOINTS,
    },
    console: {
      idleMs: e.CONSOLE_SESSION_IDLE_MINUTES * 60_000,
      absoluteMs: e.CONSOLE_SESSION_MAX_HOURS * 3_600_000,
      secureCookies: e.CONSOLE_COOKIE_SECURE ?? e.NODE_ENV === 'production',
      invitationMs: e.CONSOLE_INVITATION_HOURS * 3_600_000,
      signIn: { accountLimit: e.CONSOLE_SIGN_IN_ACCOUNT_LIMIT, addressLimit: e.CONSOLE_SIGN_IN_ADDRESS_LIMIT, windowSeconds: e.CONSOLE_SIGN_IN_WINDOW_SECONDS },
    },
    usage: { offsetMinutes: usageOffset!, timezone: formatUtcOffset(usageOffset!) },
    spendCaps: { daily: e.SPEND_CAP_DAILY, monthly: e.SPEND_CAP_MONTHLY, waitMs: e.SPEND_CAP_WAIT_MS },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
  });
}
