import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import supertest from 'supertest';
import { Redis } from 'ioredis';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger, type Logger } from '../../src/platform/logger.js';
import { dropDatabase } from '../../src/platform/db.js';
import { startRuntime, type Runtime } from '../../src/runtime.js';
import { createTenantService } from '../../src/tenants/tenant-service.js';
import { startPartnerSimulator, type PartnerSimulator } from '../../src/partners/simulator/sim-server.js';
import { createSandboxSim } from '../../src/partners/simulator/providers/sandbox-sim.js';
import { createCashfreeSim } from '../../src/partners/simulator/providers/cashfree-sim.js';
import { createRazorpaySim } from '../../src/partners/simulator/providers/razorpay-sim.js';
import { wipeRedisPrefix } from './redis-wipe.js';
import { loadContractChecker, type ContractChecker } from './contract-check.js';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const MYSQL_BASE = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

/** Log lines written by every runtime in this test process, so tests can scan them for leaks. */
export class LogCapture {
  readonly lines: string[] = [];
  stream(): Writable {
    return new Writable({
      write: (chunk, _enc, cb) => {
        this.lines.push(...String(chunk).split('\n').filter(Boolean));
        cb();
      },
    });
  }
  text(): string {
    return this.lines.join('\n');
  }
}

/** Fast timings for tests; any key can be overridden per stack. */
export const TEST_ENV: Record<string, string> = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'debug',
  HOST: '127.0.0.1',
  PORT: '0',
  VALIDATE_RESPONSES: 'true',
  RATE_LIMIT_POINTS: '10000',
  // Suites send bad keys on purpose; the failed-authentication throttle has its own tests.
  AUTH_FAILURE_LIMIT: '10000',
  WORKER_CONCURRENCY: '8',
  JOB_ATTEMPTS: '3',
  MAX_TOTAL_ATTEMPTS: '6',
  RETRY_BASE_MS: '100',
  RETRY_MAX_MS: '400',
  RETRY_JITTER: '0.5',
  JOB_LOCK_MS: '2000',
  JOB_STALLED_INTERVAL_MS: '1000',
  PARTNER_CALL_TIMEOUT_MS: '300',
  PARTNER_CONNECT_TIMEOUT_MS: '300',
  BREAKER_VOLUME_THRESHOLD: '5',
  BREAKER_ERROR_THRESHOLD_PERCENT: '50',
  BREAKER_ROLLING_WINDOW_MS: '10000',
  BREAKER_ROLLING_BUCKETS: '10',
  BREAKER_RESET_TIMEOUT_MS: '30000',
  SWEEPER_INTERVAL_MS: '300',
  SWEEPER_STUCK_AFTER_MS: '1500',
  SHUTDOWN_TIMEOUT_MS: '10000',
  // Loopback receivers in tests are allowed explicitly; the SSRF tests turn this off.
  WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8,::1/128',
  WEBHOOK_TIMEOUT_MS: '1000',
  WEBHOOK_RETRY_SCHEDULE: '0,300ms,600ms,1s,2s',
  WEBHOOK_RETRY_JITTER: '0.1',
};

export interface TestContext {
  /** Unique per test file: database `payval_test_<id>`, queue prefix `t<id>`. */
  id: string;
  env: Record<string, string>;
  logs: LogCapture;
  logger: Logger;
  /**
   * The partner simulator the workers call (shared by every runtime of this context): sandbox,
   * cashfree and razorpay contracts, with test credentials already in `env`.
   */
  sim: PartnerSimulator;
  redis: Redis;
  runtimes: Runtime[];
  config(overrides?: Record<string, string>): Config;
  /**
   * Every answer given through `http()` is checked against openapi.yaml (status documented for the
   * operation, every non-standard header documented, no-store on /v1…); close() fails on any violation.
   */
  contract: ContractChecker;
  /** Starts a runtime in-process; `listen: true` also binds its HTTP server (runtime.url) for real clients. */
  start(overrides?: Record<string, string>, opts?: { listen?: boolean }): Promise<Runtime>;
  http(runtime: Runtime): ReturnType<typeof supertest>;
  /** A tenant and its first key: a test key (sandbox partner only) unless `mode: 'live'`. */
  createTenant(name?: string, opts?: { mode?: 'test' | 'live' }): Promise<{ tenantId: string; apiKey: string; keyId: string }>;
  /** Every Redis key and value under this context's prefix, as one string. */
  dumpRedis(): Promise<string>;
  /** Deletes every Redis key under this context's prefix at once (an "emptied Redis" for this stack). */
  flushRedis(): Promise<number>;
  close(): Promise<void>;
}

export async function createTestContext(overrides: Record<string, string> = {}): Promise<TestContext> {
  const id = randomBytes(5).toString('hex');
  const logs = new LogCapture();
  const creds = {
    sandbox: { apiKey: `sbx-${id}` },
    cashfree: { clientId: `CF_TEST_${id}`, clientSecret: `cfsecret-${id}` },
    razorpay: { keyId: `rzp_test_${id}`, keySecret: `rzpsecret-${id}` },
  };
  const sim = await startPartnerSimulator({
    port: 0,
    providers: [createSandboxSim(creds.sandbox), createCashfreeSim(creds.cashfree), createRazorpaySim(creds.razorpay)],
  });
  const env: Record<string, string> = {
    ...TEST_ENV,
    DATABASE_URL: `${MYSQL_BASE}/payval_test_${id}`,
    REDIS_URL,
    QUEUE_PREFIX: `t${id}`,
    PARTNER_SANDBOX_BASE_URL: sim.provider('sandbox').baseUrl,
    PARTNER_SANDBOX_API_KEY: creds.sandbox.apiKey,
    PARTNER_CASHFREE_BASE_URL: sim.provider('cashfree').baseUrl,
    PARTNER_CASHFREE_CLIENT_ID: creds.cashfree.clientId,
    PARTNER_CASHFREE_CLIENT_SECRET: creds.cashfree.clientSecret,
    PARTNER_RAZORPAY_BASE_URL: sim.provider('razorpay').baseUrl,
    PARTNER_RAZORPAY_KEY_ID: creds.razorpay.keyId,
    PARTNER_RAZORPAY_KEY_SECRET: creds.razorpay.keySecret,
    PARTNER_RAZORPAY_ACCOUNT_NUMBER: '7878780080316316',
    ...overrides,
  };
  const logger = createLogger(env.LOG_LEVEL ?? 'debug', logs.stream());
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const runtimes: Runtime[] = [];
  const contract = loadContractChecker();

  const keysUnderPrefix = async (): Promise<string[]> => {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${env.QUEUE_PREFIX}:*`, 'COUNT', '1000');
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    return keys;
  };

  const ctx: TestContext = {
    id,
    env,
    logs,
    logger,
    sim,
    redis,
    runtimes,
    config: (o = {}) => loadConfig({ ...env, ...o }),
    async start(o = {}, startOpts = {}) {
      const runtime = await startRuntime(ctx.config(o), logger, { listen: startOpts.listen ?? false });
      runtimes.push(runtime);
      return runtime;
    },
    contract,
    http: (runtime) => supertest(contract.wrap(runtime.app!)),
    async createTenant(name = 'Acme', opts: { mode?: 'test' | 'live' } = {}) {
      const db = runtimes[0]?.db;
      if (!db) throw new Error('start a runtime before creating tenants');
      const t = await createTenantService(db, 'test').createTenant(name, opts.mode ?? 'test');
      return { tenantId: t.tenantId, apiKey: t.apiKey, keyId: t.keyId };
    },
    async dumpRedis() {
      const parts: string[] = [];
      for (const key of await keysUnderPrefix()) {
        const type = await redis.type(key);
        parts.push(key);
        if (type === 'string') parts.push(String(await redis.get(key)));
        else if (type === 'hash') parts.push(JSON.stringify(await redis.hgetall(key)));
        else if (type === 'list') parts.push(JSON.stringify(await redis.lrange(key, 0, -1)));
        else if (type === 'set') parts.push(JSON.stringify(await redis.smembers(key)));
        else if (type === 'zset') parts.push(JSON.stringify(await redis.zrange(key, '0', '-1')));
        else if (type === 'stream') parts.push(JSON.stringify(await redis.xrange(key, '-', '+')));
      }
      return parts.join('\n');
    },
    flushRedis: () => wipeRedisPrefix(redis, env.QUEUE_PREFIX!),
    async close() {
      for (const r of runtimes.splice(0).reverse()) await r.stop();
      await ctx.flushRedis().catch(() => undefined);
      await redis.quit().catch(() => undefined);
      await sim.close();
      await dropDatabase(env.DATABASE_URL!).catch(() => undefined);
      if (contract.violations.length) {
        throw new Error(`answers that openapi.yaml does not document:\n  ${[...new Set(contract.violations)].join('\n  ')}`);
      }
    },
  };
  return ctx;
}

/** Polls until `check` returns a truthy value or the timeout passes (then throws with `what`). */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const bankAccount = (accountNumber: string, extra: Record<string, unknown> = {}) => ({
  type: 'bank_account',
  bank_account: { account_number: accountNumber, ifsc: 'HDFC0000001' },
  rail: 'IMPS',
  ...extra,
});
