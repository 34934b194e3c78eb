import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
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
    assert.ok(Object.isFrozen(c));
  });

  it('names every bad key', () => {
    const problems = problemsOf({ PORT: 'abc', ROLE: 'both', DATABASE_URL: 'postgres://x/y' });
    assert.ok(problems.some((p) => p.startsWith('PORT:')));
    assert.ok(problems.some((p) => p.startsWith('ROLE:')));
    assert.ok(problems.some((p) => p.startsWith('DATABASE_URL:')));
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

  it('checks relations between settings', () => {
    assert.ok(problemsOf({ RETRY_BASE_MS: '5000', RETRY_MAX_MS: '1000' }).some((p) => p.startsWith('RETRY_MAX_MS:')));
    assert.ok(problemsOf({ SWEEPER_STUCK_AFTER_MS: '1000', PARTNER_CALL_TIMEOUT_MS: '5000' }).some((p) => p.startsWith('SWEEPER_STUCK_AFTER_MS:')));
  });
});
