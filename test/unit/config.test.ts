import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from '../../src/config.js';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  assert.fail('expected a ConfigError');
};

describe('config', () => {
  it('defaults match the documented ones', () => {
    const c = loadConfig({});
    assert.equal(c.database.url, 'mysql://root@127.0.0.1:3306/payval');
    assert.equal(c.redis.url, 'redis://127.0.0.1:6379');
    assert.equal(c.http.port, 3000);
    assert.equal(c.role, 'all');
    assert.equal(c.partners.breaker.volumeThreshold, 10);
    assert.equal(c.worker.concurrency, 200);
    assert.ok(Object.isFrozen(c));
  });

  it('sizes the MySQL pool from the role and the worker concurrency unless DATABASE_POOL_MAX says otherwise', () => {
    assert.equal(loadConfig({ ROLE: 'api' }).database.poolMax, 20);
    assert.equal(loadConfig({ ROLE: 'worker' }).database.poolMax, 12);
    assert.equal(loadConfig({ ROLE: 'worker', WORKER_CONCURRENCY: '2500' }).database.poolMax, 35);
    assert.equal(loadConfig({}).database.poolMax, 32);
    assert.equal(loadConfig({ ROLE: 'worker', WORKER_CONCURRENCY: '2500', DATABASE_POOL_MAX: '7' }).database.poolMax, 7);
    assert.ok(problemsOf({ WORKER_CONCURRENCY: '5001' }).some((p) => p.startsWith('WORKER_CONCURRENCY:')));
  });

  it('the heap flags npm start runs with follow the role and the worker concurrency, with the same default', async () => {
    const { DEFAULT_WORKER_CONCURRENCY, nodeFlags, oldSpaceMb } = await import('../../bin/node-flags.mjs');
    assert.equal(DEFAULT_WORKER_CONCURRENCY, loadConfig({}).worker.concurrency);
    assert.deepEqual(nodeFlags({}), ['--max-old-space-size=192', '--max-semi-space-size=32']);
    assert.equal(oldSpaceMb({ ROLE: 'api', WORKER_CONCURRENCY: '5000' }), 192);
    assert.equal(oldSpaceMb({ ROLE: 'worker', WORKER_CONCURRENCY: '2500' }), 221);
    assert.equal(oldSpaceMb({ ROLE: 'all', WORKER_CONCURRENCY: '5000' }), 377);
    assert.equal(oldSpaceMb({ ROLE: 'worker', WORKER_CONCURRENCY: 'lots' }), 192);
  });

  it('names every bad key', () => {
    const problems = problemsOf({ PORT: 'abc', ROLE: 'both', DATABASE_URL: 'postgres://x/y' });
    assert.ok(problems.some((p) => p.startsWith('PORT:')));
    assert.ok(problems.some((p) => p.startsWith('ROLE:')));
    assert.ok(problems.some((p) => p.startsWith('DATABASE_URL:')));
  });

  it('database: migrations at start by default; DATABASE_URL options and MIGRATIONS_DATABASE_URL checked at start, never echoing a password', () => {
    const d = loadConfig({}).database;
    assert.equal(d.migrateOnStart, true);
    assert.equal(d.migrationsUrl, null);
    const least = loadConfig({
      DATABASE_URL: 'mysql://payval_app:app-pw@db:3306/payval?ssl-mode=REQUIRED',
      DATABASE_MIGRATE_ON_START: 'false',
      MIGRATIONS_DATABASE_URL: 'mysql://payval_migrator:mig-pw@db:3306/payval?ssl-mode=VERIFY_IDENTITY',
    }).database;
    assert.equal(least.migrateOnStart, false);
    assert.equal(least.migrationsUrl, 'mysql://payval_migrator:mig-pw@db:3306/payval?ssl-mode=VERIFY_IDENTITY');

    const bad = problemsOf({
      DATABASE_URL: 'mysql://payval_app:app-pw@db:3306/payval?ssl-mode=REQUIRED&sslca=/x.pem',
      MIGRATIONS_DATABASE_URL: 'mysql://payval_migrator:mig-pw@db:3306/payval?ssl-mode=VERIFY_CA&ssl-ca=/no/such/ca.pem',
    });
    assert.ok(bad.some((p) => p.startsWith('DATABASE_URL: unknown option "sslca"')), bad.join('; '));
    assert.ok(bad.some((p) => p.startsWith('MIGRATIONS_DATABASE_URL: ssl-ca file "/no/such/ca.pem" cannot be read')), bad.join('; '));
    assert.ok(problemsOf({ DATABASE_MIGRATE_ON_START: 'no' }).some((p) => p.startsWith('DATABASE_MIGRATE_ON_START:')));
    assert.ok(!bad.join('\n').includes('app-pw') && !bad.join('\n').includes('mig-pw'), 'no password in the messages');
    assert.ok(problemsOf({ DATABASE_URL: 'mysql://u:secret-pw@db:3306/' }).includes('DATABASE_URL: must name a database of letters, digits and _'));
    assert.deepEqual(problemsOf({ DATABASE_URL: 'mysql://a@db/payval', MIGRATIONS_DATABASE_URL: 'mysql://m@db/payval_other' }), [
      'MIGRATIONS_DATABASE_URL: must name the same database as DATABASE_URL',
    ]);
  });

  it('rejects malformed or short encryption keys and an unknown active key id', () => {
    assert.ok(problemsOf({ ENCRYPTION_KEYS: 'k1:c2hvcnQ=' }).some((p) => p.startsWith('ENCRYPTION_KEYS:')));
    assert.ok(problemsOf({ ENCRYPTION_KEYS: 'no-colon' }).some((p) => p.startsWith('ENCRYPTION_KEYS:')));
    const key = Buffer.alloc(32, 7).toString('base64');
    assert.ok(problemsOf({ ENCRYPTION_KEYS: `k1:${key}`, ENCRYPTION_ACTIVE_KEY_ID: 'k2' }).some((p) => p.startsWith('ENCRYPTION_ACTIVE_KEY_ID:')));
    assert.ok(problemsOf({ BLIND_INDEX_KEY: 'c2hvcnQ=' }).some((p) => p.startsWith('BLIND_INDEX_KEY:')));
  });

  it('supports several keys with an explicit active one (rotation)', () => {
    const a = Buffer.alloc(32, 1).toString('base64');
    const b = Buffer.alloc(32, 2).toString('base64');
    const c = loadConfig({ ENCRYPTION_KEYS: `old:${a},new:${b}`, ENCRYPTION_ACTIVE_KEY_ID: 'new' });
    assert.equal(c.crypto.activeKeyId, 'new');
    assert.deepEqual(Object.keys(c.crypto.keys).sort(), ['new', 'old']);
  });

  it('refuses the development secrets in production', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    assert.ok(problems.some((p) => p.startsWith('ENCRYPTION_KEYS:')));
    assert.ok(problems.some((p) => p.startsWith('BLIND_INDEX_KEY:')));
  });

  it('refuses the development key bytes in production under any id, spacing or position', () => {
    const devEnc = 'ZGV2LW9ubHktZW5jcnlwdGlvbi1rZXktMzJieXRlcyE=';
    const devBlind = 'ZGV2LW9ubHktYmxpbmQtaW5kZXgta2V5LTMyLWJ5dGVzIQ==';
    const good = randomBytes(32).toString('base64');
    const prod = (env: Record<string, string>) => problemsOf({ NODE_ENV: 'production', BLIND_INDEX_KEY: randomBytes(32).toString('base64'), ...env });
    for (const keys of [`prod:${devEnc}`, ` dev1:${devEnc}`, `dev1:${devEnc},`, `k1:${good},k2:${devEnc}`, `k1: ${devEnc.replace(/=+$/, '')}`, `k1:${Buffer.from(devEnc, 'base64').toString('base64url')}`]) {
      assert.ok(prod({ ENCRYPTION_KEYS: keys }).some((p) => p.startsWith('ENCRYPTION_KEYS:') && p.includes('development')), keys);
    }
    for (const blind of [` ${devBlind}`, devBlind.replace(/=+$/, ''), devEnc]) {
      assert.ok(prod({ ENCRYPTION_KEYS: `k1:${good}`, BLIND_INDEX_KEY: blind }).some((p) => p.startsWith('BLIND_INDEX_KEY:') && p.includes('development')), blind);
    }
    // The blind-index development key (34 bytes) is no encryption key either.
    assert.ok(prod({ ENCRYPTION_KEYS: `k1:${devBlind}` }).some((p) => p.startsWith('ENCRYPTION_KEYS:')));
  });

  it('refuses weak keys in production: all zero, few distinct bytes, text, repeating patterns', () => {
    const repeating = randomBytes(8);
    const weak = [Buffer.alloc(32), Buffer.alloc(32, 7), Buffer.from('correct horse battery staple 123'), Buffer.from(Array.from({ length: 32 }, (_, i) => i % 4)), Buffer.concat([repeating, repeating, repeating, repeating])];
    for (const key of weak) {
      assert.equal(key.length, 32);
      const problems = problemsOf({ ...PROD_SECRETS, ENCRYPTION_KEYS: `k1:${key.toString('base64')}` });
      assert.ok(problems.some((p) => p.startsWith('ENCRYPTION_KEYS:')), key.toString('hex'));
      const blindProblems = problemsOf({ ...PROD_SECRETS, BLIND_INDEX_KEY: key.toString('base64') });
      assert.ok(blindProblems.some((p) => p.startsWith('BLIND_INDEX_KEY:')), key.toString('hex'));
    }
    // Random keys pass, however many are tried.
    for (let i = 0; i < 200; i++) {
      assert.doesNotThrow(() => loadConfig({ ...PROD_SECRETS, ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`, BLIND_INDEX_KEY: randomBytes(32).toString('base64'), PARTNERS: 'cashfree', PARTNER_CASHFREE_BASE_URL: 'https://api.cashfree.com/verification', PARTNER_CASHFREE_CLIENT_ID: 'id', PARTNER_CASHFREE_CLIENT_SECRET: 'secret' }));
    }
  });

  it('refuses an encryption key equal to the blind-index key, a key repeated under two ids, and non-base64 text', () => {
    const k = randomBytes(32).toString('base64');
    assert.ok(problemsOf({ ENCRYPTION_KEYS: `k1:${k}`, BLIND_INDEX_KEY: k }).some((p) => p.startsWith('BLIND_INDEX_KEY:')));
    assert.ok(problemsOf({ ENCRYPTION_KEYS: `k1:${k}`, BLIND_INDEX_KEY: ` ${k}` }).some((p) => p.startsWith('BLIND_INDEX_KEY:')));
    assert.ok(problemsOf({ ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')},k2:${k}`, BLIND_INDEX_KEY: Buffer.concat([Buffer.from(k, 'base64'), randomBytes(32)]).toString('base64') }).some((p) => p.startsWith('BLIND_INDEX_KEY:')));
    assert.ok(problemsOf({ ENCRYPTION_KEYS: `k1:${k},k2:${k}` }).some((p) => p.startsWith('ENCRYPTION_KEYS:')));
    assert.ok(problemsOf({ ENCRYPTION_KEYS: `k1:${k}!` }).some((p) => p.startsWith('ENCRYPTION_KEYS:')));
    assert.ok(problemsOf({ BLIND_INDEX_KEY: `${randomBytes(32).toString('base64')}*` }).some((p) => p.startsWith('BLIND_INDEX_KEY:')));
  });

  it('BLIND_INDEX_PREVIOUS_KEY (for `payval keys reindex`): empty means none; else its own key of 32+ bytes', () => {
    assert.equal(loadConfig({}).crypto.previousBlindIndexKey, null);
    assert.equal(loadConfig({ BLIND_INDEX_PREVIOUS_KEY: '' }).crypto.previousBlindIndexKey, null);
    const old = randomBytes(32);
    assert.deepEqual(loadConfig({ BLIND_INDEX_PREVIOUS_KEY: old.toString('base64') }).crypto.previousBlindIndexKey, old);
    const blind = randomBytes(32).toString('base64');
    const enc = randomBytes(32).toString('base64');
    const previousProblem = (env: Record<string, string>) => problemsOf({ ENCRYPTION_KEYS: `k1:${enc}`, BLIND_INDEX_KEY: blind, ...env }).some((p) => p.startsWith('BLIND_INDEX_PREVIOUS_KEY:'));
    assert.ok(previousProblem({ BLIND_INDEX_PREVIOUS_KEY: blind }), 'the same as the current key');
    assert.ok(previousProblem({ BLIND_INDEX_PREVIOUS_KEY: enc }), 'an encryption key');
    assert.ok(previousProblem({ BLIND_INDEX_PREVIOUS_KEY: 'c2hvcnQ=' }), 'too short');
    assert.ok(previousProblem({ BLIND_INDEX_PREVIOUS_KEY: `${blind}*` }), 'not base64');
  });

  it('checks relations between settings', () => {
    assert.ok(problemsOf({ RETRY_BASE_MS: '5000', RETRY_MAX_MS: '1000' }).some((p) => p.startsWith('RETRY_MAX_MS:')));
    assert.ok(problemsOf({ SWEEPER_STUCK_AFTER_MS: '1000', PARTNER_CALL_TIMEOUT_MS: '5000' }).some((p) => p.startsWith('SWEEPER_STUCK_AFTER_MS:')));
    assert.ok(problemsOf({ HTTP_IDLE_TIMEOUT_MS: '60000' }).some((p) => p.startsWith('HTTP_IDLE_TIMEOUT_MS:')));
    assert.ok(problemsOf({ HTTP_IDLE_TIMEOUT_MS: '5000', HTTP_KEEP_ALIVE_TIMEOUT_MS: '5000' }).some((p) => p.startsWith('HTTP_IDLE_TIMEOUT_MS:')));
  });

  it('bounds idle connections, not whole requests: 120 s without a byte, 65 s between requests', () => {
    const c = loadConfig({});
    assert.equal(c.http.idleTimeoutMs, 120_000);
    assert.equal(c.http.keepAliveTimeoutMs, 65_000);
  });
});

const PROD_SECRETS = {
  NODE_ENV: 'production',
  ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
  BLIND_INDEX_KEY: randomBytes(32).toString('base64'),
};

describe('partner configuration', () => {
  it('defaults to the embedded sandbox on every rail, with the global breaker options', () => {
    const c = loadConfig({});
    assert.deepEqual(c.partners.enabled.map((p) => p.name), ['sandbox']);
    const sandbox = c.partners.enabled[0]!;
    assert.equal(sandbox.baseUrl, null);
    assert.deepEqual(sandbox.rails, ['IMPS', 'NEFT', 'UPI']);
    assert.equal(sandbox.callTimeoutMs, 5000);
    assert.deepEqual(sandbox.breaker, c.partners.breaker);
    assert.equal(c.partners.followupHoldMs, 15 * 60_000);
    assert.equal(c.metricsToken, null);
  });

  it('keeps the PARTNERS order as the priority, with per-partner rails, credentials and breaker overrides', () => {
    const c = loadConfig({
      PARTNERS: 'razorpay, cashfree',
      PARTNER_RAZORPAY_RAILS: 'IMPS,NEFT',
      PARTNER_RAZORPAY_BASE_URL: 'https://api.razorpay.com',
      PARTNER_RAZORPAY_KEY_ID: 'rzp_live_x',
      PARTNER_RAZORPAY_KEY_SECRET: 's3cret',
      PARTNER_RAZORPAY_ACCOUNT_NUMBER: '7878780080316316',
      PARTNER_CASHFREE_BREAKER_VOLUME_THRESHOLD: '25',
      PARTNER_CASHFREE_CALL_TIMEOUT_MS: '8000',
      PARTNER_ROUTE_UPI: 'cashfree',
    });
    const [razorpay, cashfree] = c.partners.enabled;
    assert.equal(razorpay?.name, 'razorpay');
    assert.deepEqual(razorpay?.rails, ['IMPS', 'NEFT']);
    assert.equal(razorpay?.baseUrl, 'https://api.razorpay.com');
    assert.deepEqual(razorpay?.credentials, { keyId: 'rzp_live_x', keySecret: 's3cret', sourceAccountNumber: '7878780080316316' });
    assert.equal(cashfree?.name, 'cashfree');
    assert.equal(cashfree?.breaker.volumeThreshold, 25);
    assert.equal(cashfree?.breaker.resetTimeoutMs, c.partners.breaker.resetTimeoutMs);
    assert.equal(cashfree?.callTimeoutMs, 8000);
    assert.deepEqual(c.partners.railPriority, { UPI: ['cashfree'] });
  });

  it('names every bad partner key', () => {
    const problems = problemsOf({
      PARTNERS: 'cashfree,paytm,cashfree',
      PARTNER_CASHFREE_RAILS: 'IMPS,RTGS',
      PARTNER_CASHFREE_BASE_URL: 'ftp://example.com',
      PARTNER_CASHFREE_BREAKER_ERROR_THRESHOLD_PERCENT: '0',
      PARTNER_ROUTE_NEFT: 'razorpay',
    });
    for (const key of ['PARTNERS: unknown partner "paytm"', 'PARTNERS: "cashfree" is listed twice', 'PARTNER_CASHFREE_RAILS:', 'PARTNER_CASHFREE_BASE_URL:', 'PARTNER_CASHFREE_BREAKER_ERROR_THRESHOLD_PERCENT:', 'PARTNER_ROUTE_NEFT:']) {
      assert.ok(problems.some((p) => p.startsWith(key)), `${key} not reported in ${JSON.stringify(problems)}`);
    }
  });

  it('refuses a configuration in which some rail has no partner', () => {
    assert.ok(problemsOf({ PARTNERS: 'sandbox', PARTNER_SANDBOX_RAILS: 'IMPS,NEFT' }).some((p) => p.includes('UPI rail')));
  });

  it('in production, requires https base URLs and credentials for real partners (no embedded simulator)', () => {
    const problems = problemsOf({ ...PROD_SECRETS, PARTNERS: 'cashfree,razorpay', PARTNER_CASHFREE_BASE_URL: 'http://cashfree.internal' });
    assert.ok(problems.some((p) => p.startsWith('PARTNER_CASHFREE_BASE_URL: must be https')));
    assert.ok(problems.some((p) => p.startsWith('PARTNER_CASHFREE_CLIENT_ID: required when')));
    assert.ok(problems.some((p) => p.startsWith('PARTNER_RAZORPAY_BASE_URL: required in production')));
    const ok = loadConfig({
      ...PROD_SECRETS,
      PARTNERS: 'cashfree',
      PARTNER_CASHFREE_BASE_URL: 'https://api.cashfree.com/verification',
      PARTNER_CASHFREE_CLIENT_ID: 'id',
      PARTNER_CASHFREE_CLIENT_SECRET: 'secret',
    });
    assert.equal(ok.partners.enabled[0]?.baseUrl, 'https://api.cashfree.com/verification');
  });

  it('caps a partner 429 pause at 60 s and ends rate-limited validations after 10 min by default, both configurable', () => {
    const defaults = loadConfig({});
    assert.equal(defaults.partners.maxRetryAfterMs, 60_000);
    assert.equal(defaults.partners.rateLimitMaxWaitMs, 600_000);
    const set = loadConfig({ PARTNER_MAX_RETRY_AFTER_MS: '5000', PARTNER_RATE_LIMIT_MAX_WAIT_MS: '120000' });
    assert.equal(set.partners.maxRetryAfterMs, 5000);
    assert.equal(set.partners.rateLimitMaxWaitMs, 120_000);
    const problems = problemsOf({ PARTNER_MAX_RETRY_AFTER_MS: '3600001', PARTNER_RATE_LIMIT_MAX_WAIT_MS: '10' });
    assert.ok(problems.some((p) => p.startsWith('PARTNER_MAX_RETRY_AFTER_MS:')));
    assert.ok(problems.some((p) => p.startsWith('PARTNER_RATE_LIMIT_MAX_WAIT_MS:')));
    // A zero cap would make every 429 and every pending hint "ask again now".
    assert.ok(problemsOf({ PARTNER_MAX_RETRY_AFTER_MS: '0' }).some((p) => p.startsWith('PARTNER_MAX_RETRY_AFTER_MS:')));
  });

  it('requires every partner call timeout to be shorter than the sweeper threshold', () => {
    assert.ok(problemsOf({ SWEEPER_STUCK_AFTER_MS: '10000', PARTNER_SANDBOX_CALL_TIMEOUT_MS: '20000' }).some((p) => p.startsWith('SWEEPER_STUCK_AFTER_MS:')));
  });
});

describe('webhook configuration', () => {
  it('defaults to the Svix-like schedule, 15 s timeout, 24 h overlap, no private networks, http allowed outside production', () => {
    const c = loadConfig({});
    assert.deepEqual(c.webhooks.retryScheduleMs, [0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    assert.equal(c.webhooks.timeoutMs, 15_000);
    assert.equal(c.webhooks.secretOverlapMs, 86_400_000);
    assert.deepEqual(c.webhooks.allowedNetworks, []);
    assert.equal(c.webhooks.requireHttps, false);
  });

  it('requires https in production and refuses to turn it off there', () => {
    // Live keys need a real partner in production (the sandbox serves test keys only).
    const c = loadConfig({ ...PROD_SECRETS, PARTNERS: 'cashfree', PARTNER_CASHFREE_BASE_URL: 'https://api.cashfree.com/verification', PARTNER_CASHFREE_CLIENT_ID: 'id', PARTNER_CASHFREE_CLIENT_SECRET: 'secret' });
    assert.equal(c.webhooks.requireHttps, true);
    assert.ok(problemsOf({ ...PROD_SECRETS, WEBHOOK_REQUIRE_HTTPS: 'false' }).some((p) => p.startsWith('WEBHOOK_REQUIRE_HTTPS:')));
  });

  it('names bad schedules, networks and timeouts', () => {
    assert.ok(problemsOf({ WEBHOOK_RETRY_SCHEDULE: '0,5x' }).some((p) => p.startsWith('WEBHOOK_RETRY_SCHEDULE:')));
    assert.ok(problemsOf({ WEBHOOK_ALLOWED_NETWORKS: '10.0.0.0/99' }).some((p) => p.startsWith('WEBHOOK_ALLOWED_NETWORKS:')));
    assert.ok(problemsOf({ WEBHOOK_TIMEOUT_MS: '30000', SWEEPER_STUCK_AFTER_MS: '20000' }).some((p) => p.startsWith('SWEEPER_STUCK_AFTER_MS:')));
    assert.deepEqual(loadConfig({ WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8, ::1' }).webhooks.allowedNetworks, ['127.0.0.0/8', '::1/128']);
  });
});

describe('reuse and name-match configuration', () => {
  it('defaults to 24 h reuse, single-flight on, and the matcher thresholds', () => {
    const c = loadConfig({});
    assert.equal(c.reuse.defaultMaxAgeSeconds, 86_400);
    assert.equal(c.reuse.singleFlight.enabled, true);
    assert.deepEqual(c.nameMatch, { match: 90, closeMatch: 65 });
  });

  it('refuses a close-match threshold above the match threshold, and a lock shorter than a partner call', () => {
    assert.ok(problemsOf({ NAME_MATCH_THRESHOLD: '70', CLOSE_MATCH_THRESHOLD: '80' }).some((p) => p.startsWith('CLOSE_MATCH_THRESHOLD:')));
    assert.ok(problemsOf({ SINGLE_FLIGHT_LOCK_MS: '2000', PARTNER_CALL_TIMEOUT_MS: '5000' }).some((p) => p.startsWith('SINGLE_FLIGHT_LOCK_MS:')));
  });

  it('HTTP edge settings: documented defaults, and a TRUST_PROXY Express would refuse is named', () => {
    const c = loadConfig({});
    assert.equal(c.http.trustProxy, false);
    assert.equal(c.http.largeBodyConcurrency, 2);
    assert.equal(c.http.bodyReadTimeoutMs, 30_000);
    assert.ok(problemsOf({ HTTP_BODY_READ_TIMEOUT_MS: '0' }).some((p) => p.startsWith('HTTP_BODY_READ_TIMEOUT_MS:')));
    assert.deepEqual(c.authFailures, { limit: 20, windowSeconds: 60 });
    assert.deepEqual(loadConfig({ TRUST_PROXY: 'loopback,10.0.0.0/8' }).http.trustProxy, ['loopback', '10.0.0.0/8']);
    assert.ok(problemsOf({ TRUST_PROXY: 'my-proxy' }).some((p) => p.startsWith('TRUST_PROXY:')));
  });
});

// Which partner serves which mode: live keys the configured PARTNERS, test keys the sandbox alone.
const REAL_PARTNERS = {
  PARTNERS: 'cashfree,razorpay',
  PARTNER_CASHFREE_BASE_URL: 'https://api.cashfree.com/verification',
  PARTNER_CASHFREE_CLIENT_ID: 'id',
  PARTNER_CASHFREE_CLIENT_SECRET: 'secret',
  PARTNER_RAZORPAY_BASE_URL: 'https://api.razorpay.com',
  PARTNER_RAZORPAY_KEY_ID: 'rzp_live_x',
  PARTNER_RAZORPAY_KEY_SECRET: 'secret',
  PARTNER_RAZORPAY_ACCOUNT_NUMBER: '7878780080316316',
};

describe('test-mode partner configuration', () => {
  it('in production with real partners only, test mode still has the sandbox (embedded simulator, every rail)', () => {
    const c = loadConfig({ ...PROD_SECRETS, ...REAL_PARTNERS });
    assert.deepEqual(c.partners.enabled.map((p) => p.name), ['cashfree', 'razorpay']);
    assert.equal(c.partners.testMode.name, 'sandbox');
    assert.equal(c.partners.testMode.baseUrl, null);
    assert.deepEqual([...c.partners.testMode.rails].sort(), ['IMPS', 'NEFT', 'UPI']);
  });

  it('PARTNER_SANDBOX_BASE_URL points test mode at a separate sandbox (https in production)', () => {
    const c = loadConfig({ ...PROD_SECRETS, ...REAL_PARTNERS, PARTNER_SANDBOX_BASE_URL: 'https://sandbox.internal/sandbox' });
    assert.equal(c.partners.testMode.baseUrl, 'https://sandbox.internal/sandbox');
    const problems = problemsOf({ ...PROD_SECRETS, ...REAL_PARTNERS, PARTNER_SANDBOX_BASE_URL: 'http://sandbox.internal' });
    assert.ok(problems.some((p) => p.startsWith('PARTNER_SANDBOX_BASE_URL: must be https')), problems.join('\n'));
  });

  it('production refuses the sandbox partner for live keys', () => {
    const problems = problemsOf({ ...PROD_SECRETS, ...REAL_PARTNERS, PARTNERS: 'cashfree,sandbox', PARTNER_SANDBOX_BASE_URL: 'https://sandbox.internal' });
    assert.ok(problems.some((p) => p.startsWith('PARTNERS: the sandbox partner cannot serve live keys in production')), problems.join('\n'));
  });

  it('development defaults: the sandbox serves both modes, and test mode serves every rail even when live use of the sandbox is limited', () => {
    const c = loadConfig({});
    assert.deepEqual(c.partners.enabled.map((p) => p.name), ['sandbox']);
    assert.equal(c.partners.testMode.name, 'sandbox');
    const limited = loadConfig({ PARTNERS: 'sandbox,cashfree', PARTNER_SANDBOX_RAILS: 'IMPS' });
    assert.deepEqual(limited.partners.enabled[0]?.rails, ['IMPS']);
    assert.deepEqual([...limited.partners.testMode.rails].sort(), ['IMPS', 'NEFT', 'UPI']);
  });
});
