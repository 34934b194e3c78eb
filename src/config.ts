import { z } from 'zod';
import { parsePartnersConfig, type PartnersConfig } from './partners/partner-config.js';
import { parseAllowedNetworks } from './webhooks/url-guard.js';
import { parseRetrySchedule } from './webhooks/retry-schedule.js';
import { parseTrustProxy, type TrustProxy } from './platform/trust-proxy.js';
import { DEFAULT_NAME_MATCH_THRESHOLDS, type NameMatchThresholds } from './name-match/name-matcher.js';
import { decodeKeyText, keyWeakness, sharesBytes } from './platform/key-material.js';

/**
 * Development-only secrets. They let `npm start` work on a fresh machine; `NODE_ENV=production`
 * refuses to start while any of them is still in use.
 */
const DEV_ENCRYPTION_KEYS = 'dev1:ZGV2LW9ubHktZW5jcnlwdGlvbi1rZXktMzJieXRlcyE=';
const DEV_BLIND_INDEX_KEY = 'ZGV2LW9ubHktYmxpbmQtaW5kZXgta2V5LTMyLWJ5dGVzIQ==';
/** The development key bytes, recognised however they are written or labelled. */
const DEV_KEY_BYTES: readonly Buffer[] = [Buffer.from(DEV_ENCRYPTION_KEYS.split(':')[1]!, 'base64'), Buffer.from(DEV_BLIND_INDEX_KEY, 'base64')];

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** Every environment variable payval reads, with its default. The README's configuration table mirrors this. */
const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  ROLE: z.enum(['all', 'api', 'worker']).default('all'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: int(0, 65535).default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: z.url({ protocol: /^mysql$/ }).default('mysql://root@127.0.0.1:3306/payval'),
  DATABASE_POOL_MAX: int(1, 200).default(10),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/).default('payval'),

  ENCRYPTION_KEYS: z.string().min(1).default(DEV_ENCRYPTION_KEYS),
  ENCRYPTION_ACTIVE_KEY_ID: z.string().optional(),
  BLIND_INDEX_KEY: z.string().min(1).default(DEV_BLIND_INDEX_KEY),

  BODY_LIMIT_BYTES: int(1024, 10 * 1024 * 1024).default(64 * 1024),
  HTTP_LARGE_BODY_CONCURRENCY: int(1, 1000).default(2),
  HTTP_DRAIN_MAX_BYTES: int(0, 1024 ** 3).default(64 * 1024),
  HTTP_DRAIN_TIMEOUT_MS: int(0, 600_000).default(5000),
  TRUST_PROXY: z.string().default('false'),
  AUTH_FAILURE_LIMIT: int(1, 1_000_000).default(20),
  AUTH_FAILURE_WINDOW_SECONDS: int(1, 86_400).default(60),
  RATE_LIMIT_POINTS: int(1, 1_000_000).default(50),
  RATE_LIMIT_WINDOW_SECONDS: int(1, 3600).default(1),
  IDEMPOTENCY_TTL_HOURS: int(24, 24 * 30).default(48),
  IDEMPOTENCY_LOCK_TIMEOUT_MS: int(1000, 600_000).default(60_000),

  WORKER_CONCURRENCY: int(1, 500).default(16),
  JOB_ATTEMPTS: int(1, 20).default(5),
  RETRY_BASE_MS: int(10, 600_000).default(1000),
  RETRY_MAX_MS: int(10, 3_600_000).default(60_000),
  RETRY_JITTER: z.coerce.number().min(0).max(1).default(0.5),
  MAX_TOTAL_ATTEMPTS: int(1, 100).default(10),
  JOB_LOCK_MS: int(1000, 600_000).default(30_000),
  JOB_STALLED_INTERVAL_MS: int(500, 600_000).default(30_000),
  SWEEPER_ENABLED: bool.default(true),
  SWEEPER_INTERVAL_MS: int(100, 3_600_000).default(15_000),
  SWEEPER_STUCK_AFTER_MS: int(500, 86_400_000).default(120_000),
  SWEEPER_BATCH_SIZE: int(1, 10_000).default(500),

  // PARTNERS, PARTNER_ROUTE_<RAIL> and the PARTNER_<NAME>_* family are read by partners/partner-config.ts.
  PARTNER_SIM_PORT: int(0, 65535).default(0),
  PARTNER_FOLLOWUP_HOLD_MS: int(1000, 86_400_000).default(15 * 60_000),
  PARTNER_PENDING_POLL_MS: int(100, 600_000).default(2000),
  PARTNER_AUTH_COOLDOWN_MS: int(1000, 86_400_000).default(5 * 60_000),
  PARTNER_MAX_RETRY_AFTER_MS: int(0, 3_600_000).default(60_000),
  PARTNER_RATE_LIMIT_MAX_WAIT_MS: int(1000, 86_400_000).default(10 * 60_000),
  METRICS_TOKEN: z.string().default(''),
  PARTNER_CALL_TIMEOUT_MS: int(50, 120_000).default(5000),
  PARTNER_CONNECT_TIMEOUT_MS: int(50, 60_000).default(2000),
  BREAKER_ERROR_THRESHOLD_PERCENT: int(1, 100).default(50),
  BREAKER_VOLUME_THRESHOLD: int(1, 10_000).default(10),
  BREAKER_ROLLING_WINDOW_MS: int(1000, 600_000).default(10_000),
  BREAKER_ROLLING_BUCKETS: int(1, 100).default(10),
  BREAKER_RESET_TIMEOUT_MS: int(100, 600_000).default(30_000),

  BATCH_MAX_ROWS: int(1, 10_000_000).default(1_000_000),
  BATCH_MAX_BYTES: int(1024, 4 * 1024 ** 3).default(256 * 1024 * 1024),
  BATCH_JSON_MAX_ITEMS: int(1, 100_000).default(10_000),
  BATCH_JSON_LIMIT_BYTES: int(1024, 100 * 1024 * 1024).default(8 * 1024 * 1024),
  BATCH_FEED_MAX_WAITING: int(1000, 10_000_000).default(200_000),
  BATCH_UPLOAD_ABANDONED_MS: int(10_000, 86_400_000).default(10 * 60_000),

  REUSE_MAX_AGE_SECONDS: int(0, 30 * 86_400).default(86_400),
  SINGLE_FLIGHT_ENABLED: bool.default(true),
  SINGLE_FLIGHT_LOCK_MS: int(1000, 3_600_000).default(60_000),
  SINGLE_FLIGHT_POLL_MS: int(20, 60_000).default(250),
  NAME_MATCH_THRESHOLD: int(0, 100).default(DEFAULT_NAME_MATCH_THRESHOLDS.match),
  CLOSE_MATCH_THRESHOLD: int(0, 100).default(DEFAULT_NAME_MATCH_THRESHOLDS.closeMatch),

  WEBHOOK_TIMEOUT_MS: int(100, 60_000).default(15_000),
  WEBHOOK_RETRY_SCHEDULE: z.string().default('0,5s,5m,30m,2h,5h,10h,10h'),
  WEBHOOK_RETRY_JITTER: z.coerce.number().min(0).max(1).default(0.2),
  WEBHOOK_DISABLE_AFTER_MS: int(1000, 30 * 86_400_000).default(5 * 86_400_000),
  WEBHOOK_SECRET_OVERLAP_MS: int(0, 30 * 86_400_000).default(86_400_000),
  WEBHOOK_ALLOWED_NETWORKS: z.string().default(''),
  WEBHOOK_REQUIRE_HTTPS: bool.optional(),
  WEBHOOK_CONCURRENCY: int(1, 500).default(32),
  WEBHOOK_ENDPOINT_CONCURRENCY: int(1, 100).default(4),
  WEBHOOK_MAX_ENDPOINTS: int(1, 1000).default(20),

  SHUTDOWN_TIMEOUT_MS: int(1000, 120_000).default(25_000),
  VALIDATE_RESPONSES: bool.default(false),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  env: Env['NODE_ENV'];
  role: Env['ROLE'];
  http: {
    host: string;
    port: number;
    bodyLimitBytes: number;
    validateResponses: boolean;
    /** Per process: JSON bodies over bodyLimitBytes, of unknown length or compressed, read at once. */
    largeBodyConcurrency: number;
    /** After an early answer, how much of the unread body is discarded (and for how long) before the connection is closed. */
    drainMaxBytes: number;
    drainTimeoutMs: number;
    /** Express `trust proxy`: false (the socket address), true, a hop count, or addresses / CIDRs / loopback… */
    trustProxy: TrustProxy;
  };
  /** Failed authentications per client address and window, before 429 auth.too_many_failures. */
  authFailures: { limit: number; windowSeconds: number };
  logLevel: Env['LOG_LEVEL'];
  database: { url: string; poolMax: number };
  redis: { url: string; queuePrefix: string };
  crypto: { keys: Record<string, Buffer>; activeKeyId: string; blindIndexKey: Buffer };
  rateLimit: { points: number; windowSeconds: number };
  idempotency: { ttlHours: number; lockTimeoutMs: number };
  worker: {
    concurrency: number;
    attempts: number;
    retry: { baseMs: number; maxMs: number; jitter: number };
    maxTotalAttempts: number;
    lockMs: number;
    stalledIntervalMs: number;
  };
  sweeper: { enabled: boolean; intervalMs: number; stuckAfterMs: number; batchSize: number };
  partners: PartnersConfig;
  /** Bearer token required by GET /metrics; null leaves it open (bind the port privately). */
  metricsToken: string | null;
  batches: { maxRows: number; maxBytes: number; jsonMaxItems: number; jsonLimitBytes: number; feedMaxWaiting: number; abandonedAfterMs: number };
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
  shutdownTimeoutMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}

function parseKeyring(raw: string): { keys: Record<string, Buffer>; firstId: string } {
  const keys: Record<string, Buffer> = {};
  let firstId = '';
  for (const entry of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const sep = entry.indexOf(':');
    const id = entry.slice(0, sep).trim();
    if (sep < 1 || !/^[A-Za-z0-9_-]{1,32}$/.test(id)) throw new Error('each entry must be KEY_ID:BASE64_KEY');
    if (keys[id]) throw new Error(`key id "${id}" appears twice`);
    const key = decodeKeyText(entry.slice(sep + 1));
    if (!key) throw new Error(`key "${id}" is not valid base64`);
    if (key.length !== 32) throw new Error(`key "${id}" must decode to 32 bytes`);
    keys[id] = key;
    firstId ||= id;
  }
  if (!firstId) throw new Error('at least one key is required');
  return { keys, firstId };
}

/**
 * What is wrong with the secrets as a set: the same bytes for encryption and the blind index (one leak
 * would expose both), the same key twice in the keyring, and — in production — the development keys or
 * keys that cannot be random, judged by their bytes.
 */
function secretProblems(keyring: Record<string, Buffer>, blindIndexKey: Buffer, production: boolean): string[] {
  const problems: string[] = [];
  const entries = Object.entries(keyring);
  if (entries.some(([, key]) => sharesBytes(key, [blindIndexKey]))) {
    problems.push('BLIND_INDEX_KEY: must differ from every ENCRYPTION_KEYS key');
  }
  entries.forEach(([id, key], i) => {
    if (entries.slice(0, i).some(([, other]) => other.equals(key))) problems.push(`ENCRYPTION_KEYS: key "${id}" repeats another key's bytes`);
  });
  if (!production) return problems;
  for (const [id, key] of entries) {
    if (sharesBytes(key, DEV_KEY_BYTES)) problems.push(`ENCRYPTION_KEYS: key "${id}" is the development key, which cannot be used in production`);
    else {
      const weak = keyWeakness(key);
      if (weak) problems.push(`ENCRYPTION_KEYS: key "${id}" ${weak}`);
    }
  }
  if (sharesBytes(blindIndexKey, DEV_KEY_BYTES)) problems.push('BLIND_INDEX_KEY: the development key cannot be used in production');
  else {
    const weak = keyWeakness(blindIndexKey);
    if (weak) problems.push(`BLIND_INDEX_KEY: ${weak}`);
  }
  return problems;
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
  let trustProxy: TrustProxy = false;
  try {
    trustProxy = parseTrustProxy(e.TRUST_PROXY);
  } catch (err) {
    problems.push(`TRUST_PROXY: ${(err as Error).message}`);
  }
  if (problems.length) throw new ConfigError(problems);

  return Object.freeze({
    env: e.NODE_ENV,
    role: e.ROLE,
    http: {
      host: e.HOST,
      port: e.PORT,
      bodyLimitBytes: e.BODY_LIMIT_BYTES,
      validateResponses: e.VALIDATE_RESPONSES,
      largeBodyConcurrency: e.HTTP_LARGE_BODY_CONCURRENCY,
      drainMaxBytes: e.HTTP_DRAIN_MAX_BYTES,
      drainTimeoutMs: e.HTTP_DRAIN_TIMEOUT_MS,
      trustProxy,
    },
    authFailures: { limit: e.AUTH_FAILURE_LIMIT, windowSeconds: e.AUTH_FAILURE_WINDOW_SECONDS },
    logLevel: e.LOG_LEVEL,
    database: { url: e.DATABASE_URL, poolMax: e.DATABASE_POOL_MAX },
    redis: { url: e.REDIS_URL, queuePrefix: e.QUEUE_PREFIX },
    crypto: { keys: keyring.keys, activeKeyId, blindIndexKey },
    rateLimit: { points: e.RATE_LIMIT_POINTS, windowSeconds: e.RATE_LIMIT_WINDOW_SECONDS },
    idempotency: { ttlHours: e.IDEMPOTENCY_TTL_HOURS, lockTimeoutMs: e.IDEMPOTENCY_LOCK_TIMEOUT_MS },
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
    partners,
    metricsToken: e.METRICS_TOKEN || null,
    batches: {
      maxRows: e.BATCH_MAX_ROWS,
      maxBytes: e.BATCH_MAX_BYTES,
      jsonMaxItems: e.BATCH_JSON_MAX_ITEMS,
      jsonLimitBytes: e.BATCH_JSON_LIMIT_BYTES,
      feedMaxWaiting: e.BATCH_FEED_MAX_WAITING,
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
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
  });
}
