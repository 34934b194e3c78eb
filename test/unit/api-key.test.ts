import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { generateApiKey, hashApiKey, parseApiKey } from '../../src/tenants/api-key.js';

test('generateApiKey shape, hash and display prefix', () => {
  for (const mode of ['test', 'live'] as const) {
    const { key, hash, displayPrefix } = generateApiKey(mode);
    assert.match(key, new RegExp(`^pv_${mode}_[A-Za-z0-9]{40}$`));
    assert.equal(hash, createHash('sha256').update(key).digest('hex'));
    assert.equal(displayPrefix, key.slice(0, 12));
    assert.equal(displayPrefix.length, 12);
    assert.deepEqual(parseApiKey(key), { mode });
  }
});

test('keys are random and use the whole base62 alphabet', () => {
  const keys = Array.from({ length: 500 }, () => generateApiKey('test').key);
  assert.equal(new Set(keys).size, keys.length);
  const seen = new Set(keys.flatMap((k) => [...k.slice(8)]));
  assert.equal(seen.size, 62);
});

test('hashApiKey is sha256 hex', () => {
  assert.equal(hashApiKey('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

test('parseApiKey rejects anything off-format', () => {
  const body = 'a'.repeat(40);
  assert.deepEqual(parseApiKey(`pv_live_${body}`), { mode: 'live' });
  assert.equal(parseApiKey(`pv_prod_${body}`), null);
  assert.equal(parseApiKey(`pv_test_${body.slice(1)}`), null);
  assert.equal(parseApiKey(`pv_test_${body}a`), null);
  assert.equal(parseApiKey(`pv_test_${body.slice(1)}-`), null);
  assert.equal(parseApiKey(` pv_test_${body}`), null);
  assert.equal(parseApiKey(''), null);
});
