import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createBlindIndexer } from '../../src/platform/blind-index.js';

const key = Buffer.alloc(32, 7);

test('hex HMAC-SHA256 over parts joined with the unit separator', () => {
  const index = createBlindIndexer(key);
  const expected = createHmac('sha256', key).update('HDFC0000001\u001f123456789012').digest('hex');
  assert.equal(index(['HDFC0000001', '123456789012']), expected);
  assert.match(index(['x']), /^[0-9a-f]{64}$/);
});

test('deterministic per key, different across keys', () => {
  const a = createBlindIndexer(key);
  const b = createBlindIndexer(Buffer.alloc(32, 8));
  assert.equal(a(['t1', '123456789012']), a(['t1', '123456789012']));
  assert.notEqual(a(['t1', '123456789012']), b(['t1', '123456789012']));
});

test('part boundaries matter', () => {
  const index = createBlindIndexer(key);
  assert.notEqual(index(['ab', 'c']), index(['a', 'bc']));
  assert.notEqual(index(['abc']), index(['ab', 'c']));
});

test('key shorter than 32 bytes throws', () => {
  assert.throws(() => createBlindIndexer(Buffer.alloc(31)), /32 bytes/);
  assert.doesNotThrow(() => createBlindIndexer(Buffer.alloc(64)));
});
