import { z } from 'zod';
import { DEFAULT_NAME_MATCH_THRESHOLDS } from './name-match/name-matcher.js';

/**
 * Development-only secrets. They let `npm start` work on a fresh machine; `NODE_ENV=production`
 * refuses to start while any of them is still in use.
 */
export const DEV_ENCRYPTION_KEYS = 'dev1:ZGV2LW9ubHktZW5jcnlwdGlvbi1rZXktMzJieXRlcyE=';
export const DEV_BLIND_INDEX_KEY = 'ZGV2LW9ubHktYmxpbmQtaW5kZXgta2V5LTMyLWJ5dGVzIQ==';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** Every environment variable payval reads, with its default. The README's configuration table mirrors this. */
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  ROLE: z.enum(['all', 'api', 'worker']).default('all'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: int(0, 65535).default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: z.url({ protocol: /^mysql$/ }).default('mysql://root@127.0.0.1:3306/payval'),
  // Unset: follows ROLE and WORKER_CONCURRENCY (config.ts defaultPoolMax).
  DATABASE_POOL_MAX: int(1, 500).optional(),
  // false: start-up neither creates the database nor migrates, and refuses to start while a migration is pending.
  DATABASE_MIGRATE_ON_START: bool.default(true),
  MIGRATIONS_DATABASE_URL: z.url({ protocol: /^mysql$/ }).optional(),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/).default('payval'),

  ENCRYPTION_KEYS: z.string().min(1).default(DEV_ENCRYPTION_KEYS),
  ENCRYPTION_ACTIVE_KEY_ID: z.string().optional(),
  BLIND_INDEX_KEY: z.string().min(1).default(DEV_BLIND_INDEX_KEY),
  // The blind-index key being replaced; read by `payval keys reindex` only
  // (docs/decisions/0038); empty means none.
  BLIND_INDEX_PREVIOUS_KEY: z.string().default(''),

  BODY_LIMIT_BYTES: int(1024, 10 * 1024 * 1024).default(64 * 1024),
  HTTP_LARGE_BODY_CONCURRENCY: int(1, 1000).default(2),
  HTTP_DRAIN_MAX_BYTES: int(0, 1024 ** 3).default(64 * 1024),
  HTTP_DRAIN_TIMEOUT_MS: int(0, 600_000).default(5000),
  HTTP_BODY_READ_TIMEOUT_MS: int(1000, 600_000).default(30_000),
  HTTP_IDLE_TIMEOUT_MS: int(1000, 3_600_000).default(120_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: int(1000, 600_000).default(65_000),
  HTTP_LISTEN_BACKLOG: int(1, 65_535).default(2048),
  HTTP_ADMIT_PER_TURN: int(0, 100_000).default(8),
  HTTP_MAX_ACTIVE_REQUESTS: int(0, 100_000).default(256),
  HTTP_QUEUE_TIMEOUT_MS: int(100, 600_000).default(10_000),
  HTTP_MAX_QUEUED_REQUESTS: int(1, 1_000_000).default(2000),
  TRUST_PROXY: z.string().default('false'),
  AUTH_FAILURE_LIMIT: int(1, 1_000_000).default(20),
  AUTH_KEY_CACHE_MS: int(0, 60_000).default(1000),
  AUTH_FAILURE_WINDOW_SECONDS: int(1, 86_400).default(60),
  RATE_LIMIT_POINTS: int(1, 1_000_000).default(50),
  RATE_LIMIT_WINDOW_SECONDS: int(1, 3600).default(1),
  IDEMPOTENCY_TTL_HOURS: int(24, 24 * 30).default(48),
  IDEMPOTENCY_LOCK_TIMEOUT_MS: int(1000, 600_000).default(60_000),

  // Sized for partners that take seconds: a job waiting on a partner holds no MySQL connection.
  WORKER_CONCURRENCY: int(1, 5000).default(200),
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
  RETENTION_DAYS: int(31, 3650).default(180),
  RETENTION_PAGE_SIZE: int(1, 5000).default(100),
  RETENTION_PAUSE_MS: int(0, 60_000).default(20),
  RETENTION_SCAN_INTERVAL_MS: int(1000, 86_400_000).default(3_600_000),

  // PARTNERS, PARTNER_ROUTE_<RAIL> and the PARTNER_<NAME>_* family are read by partners/partner-config.ts.
  PARTNER_SIM_PORT: int(0, 65535).default(0),
  PARTNER_FOLLOWUP_HOLD_MS: int(1000, 86_400_000).default(15 * 60_000),
  PARTNER_PENDING_POLL_MS: int(100, 600_000).default(2000),
  PARTNER_AUTH_COOLDOWN_MS: int(1000, 86_400_000).default(5 * 60_000),
  PARTNER_MAX_RETRY_AFTER_MS: int(1000, 3_600_000).default(60_000),
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
  BATCH_FAIR_SLICE_ROWS: int(1, 1000).default(100),
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

  CONSOLE_SESSION_IDLE_MINUTES: int(1, 24 * 60).default(30),
  CONSOLE_SESSION_MAX_HOURS: int(1, 30 * 24).default(12),
  CONSOLE_COOKIE_SECURE: bool.optional(),
  CONSOLE_INVITATION_HOURS: int(1, 30 * 24).default(72),
  CONSOLE_SIGN_IN_ACCOUNT_LIMIT: int(1, 1000).default(5),
  CONSOLE_SIGN_IN_ADDRESS_LIMIT: int(1, 100_000).default(30),
  CONSOLE_SIGN_IN_WINDOW_SECONDS: int(1, 86_400).default(900),

  // Usage metering (src/usage): the calendar day usage is counted in, as a fixed UTC offset.
  USAGE_TIMEZONE: z.string().regex(/^(Z|UTC|[+-]\d{2}:\d{2})$/, 'must be Z, UTC or an offset such as +05:30').default('+05:30'),
  // Spend caps on charged partner calls in live mode, for tenants that set none; 0 = no cap.
  SPEND_CAP_DAILY: int(0, 1_000_000_000).default(0),
  SPEND_CAP_MONTHLY: int(0, 1_000_000_000).default(0),
  SPEND_CAP_WAIT_MS: int(1000, 3_600_000).default(60_000),

  SHUTDOWN_TIMEOUT_MS: int(1000, 120_000).default(25_000),
  VALIDATE_RESPONSES: bool.default(false),
});

export type Env = z.infer<typeof envSchema>;
