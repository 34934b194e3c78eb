import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { createServer, type AddressInfo } from 'node:net';
import { createDb, dropDatabase } from '../../src/platform/db.js';
import { hashApiKey } from '../../src/tenants/api-key.js';

const run = promisify(execFile);
const DB_URL = `${process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306'}/payval_test_cli_${randomBytes(4).toString('hex')}`;
const env = { ...process.env, DATABASE_URL: DB_URL, LOG_LEVEL: 'silent' };

async function payval(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const r = await run(process.execPath, ['bin/payval.mjs', ...args], { env, timeout: 60_000 });
    return { ...r, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

after(() => dropDatabase(DB_URL));

describe('payval CLI', () => {
  it('creates a tenant with a key shown once and stored only as a hash; creates and revokes more keys', async () => {
    const created = await payval('tenants', 'create', '--name', 'Acme', '--json');
    assert.equal(created.code, 0, created.stderr);
    const t = JSON.parse(created.stdout);
    assert.match(t.tenant_id, /^ten_/);
    assert.match(t.api_key, /^pv_test_[A-Za-z0-9]{40}$/);
    const db = createDb(DB_URL, 1);
    try {
      const keys = await db('api_keys').where({ tenant_id: t.tenant_id });
      assert.equal(keys.length, 1);
      assert.equal(keys[0].key_hash, hashApiKey(t.api_key));
      assert.ok(!JSON.stringify(await db('api_keys')).includes(t.api_key), 'plaintext key stored');

      const live = JSON.parse((await payval('keys', 'create', '--tenant', t.tenant_id, '--live', '--json')).stdout);
      assert.match(live.api_key, /^pv_live_/);
      const revoked = await payval('keys', 'revoke', live.key_id, '--json');
      assert.deepEqual(JSON.parse(revoked.stdout), { key_id: live.key_id, revoked: true });
      const row = await db('api_keys').where({ id: live.key_id }).first();
      assert.ok(row.revoked_at);
      const actions = await db('audit_log').where({ tenant_id: t.tenant_id }).orderBy('id').pluck('action');
      assert.deepEqual(actions, ['tenant.created', 'api_key.created', 'api_key.created', 'api_key.revoked']);
    } finally {
      await db.destroy();
    }
  });

  it('reports unknown tenants and keys, and bad usage, with non-zero exits', async () => {
    const noTenant = await payval('keys', 'create', '--tenant', 'ten_nope');
    assert.equal(noTenant.code, 1);
    assert.match(noTenant.stderr, /tenant ten_nope not found/);
    const noKey = await payval('keys', 'revoke', 'key_nope');
    assert.equal(noKey.code, 1);
    const usage = await payval('tenants', 'create');
    assert.equal(usage.code, 64);
    assert.match(usage.stderr, /--name is required/);
  });

  it('serve exits at once with a message naming a bad configuration key', async () => {
    const r = await run(process.execPath, ['bin/payval.mjs', 'serve'], { env: { ...env, PORT: 'not-a-port' }, timeout: 30_000 }).catch((e) => e);
    assert.equal(r.code, 78);
    assert.match(r.stderr, /PORT/);
  });

  it('serve starts the API, logs its URL, answers, and exits 0 on SIGTERM', async (t) => {
    const prefix = `cli${randomBytes(3).toString('hex')}`;
    t.after(async () => {
      const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    });
    const child = spawn(process.execPath, ['bin/payval.mjs', 'serve'], {
      env: { ...env, LOG_LEVEL: 'info', PORT: '0', HOST: '127.0.0.1', QUEUE_PREFIX: prefix },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL logged: ${out}`)), 30_000);
      child.stdout.on('data', () => {
        const m = /payval listening on (http:\/\/[^"\s]+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    });
    const health = await fetch(`${url}/readyz`);
    assert.equal(health.status, 200);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.match(out, /shutting down gracefully/);
  });

  it('serve on a port that is already taken exits 1 with a clear message, never "listening"', async (t) => {
    const prefix = `cli${randomBytes(3).toString('hex')}`;
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    t.after(async () => {
      await new Promise((resolve) => blocker.close(resolve));
      const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    });
    const port = (blocker.address() as AddressInfo).port;
    const r = await run(process.execPath, ['bin/payval.mjs', 'serve'], {
      env: { ...env, LOG_LEVEL: 'info', PORT: String(port), HOST: '127.0.0.1', QUEUE_PREFIX: prefix, ROLE: 'api' },
      timeout: 60_000,
    }).then(
      (ok) => ({ ...ok, code: 0 }),
      (err: { stdout: string; stderr: string; code: number }) => err,
    );
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
    assert.doesNotMatch(r.stdout, /payval listening/);
  });

  it('partner-sim serves the three contracts, takes fault flags and a control token, and exits on SIGTERM', async () => {
    const bad = await payval('partner-sim', '--error-rate', '2');
    assert.equal(bad.code, 64);
    assert.match(bad.stderr, /errorRate must be a number from 0 to 1/);

    const child = spawn(
      process.execPath,
      ['bin/payval.mjs', 'partner-sim', '--port', '0', '--provider', 'razorpay', '--rate-limit-rate', '1', '--retry-after', '9', '--control-token', 'tok', '--cashfree-client-id', 'cid', '--cashfree-client-secret', 'cs'],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL logged: ${out}`)), 30_000);
      child.stdout.on('data', () => {
        const m = /partner simulator listening on (http:\/\/[^"\s]+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    });
    try {
      const limited = await fetch(`${url}/razorpay/v1/fund_accounts/validations`, { method: 'POST', body: '{}' });
      assert.equal(limited.status, 429, 'the fault flags apply to --provider only');
      assert.equal(limited.headers.get('retry-after'), '9');
      const wrongSecret = await fetch(`${url}/cashfree/bank-account/async`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-client-id': 'cid', 'x-client-secret': 'wrong' },
        body: '{}',
      });
      assert.equal(wrongSecret.status, 401, 'the cashfree contract checks the configured credentials');
      assert.equal((await fetch(`${url}/sandbox/v1/verifications/vpa`, { method: 'POST', body: '{}' })).status, 400);
      assert.equal((await fetch(`${url}/_sim/stats`)).status, 401);
      const stats = await fetch(`${url}/_sim/stats`, { headers: { 'x-sim-control-token': 'tok' } });
      const body = (await stats.json()) as { providers: Record<string, { calls: number; faults: { rateLimitRate: number } }> };
      assert.deepEqual(Object.keys(body.providers).sort(), ['cashfree', 'razorpay', 'sandbox']);
      assert.equal(body.providers.razorpay?.calls, 1);
      assert.equal(body.providers.sandbox?.faults.rateLimitRate, 0);
    } finally {
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    }
  });
});
