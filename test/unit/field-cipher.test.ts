import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createFieldCipher } from '../../src/platform/field-cipher.js';

const k1 = randomBytes(32);
const k2 = randomBytes(32);
const AAD = 'tenant_1:validation_1';

function flipChar(s: string, index: number): string {
  const c = s.charAt(index);
  return s.slice(0, index) + (c === 'A' ? 'B' : 'A') + s.slice(index + 1);
}

test('round trip with the v1 stored format', () => {
  const cipher = createFieldCipher({ keys: { k1 }, activeKeyId: 'k1' });
  const stored = cipher.encrypt('123456789012', AAD);
  assert.match(stored, /^v1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
  assert.ok(!stored.includes('123456789012'));
  assert.equal(cipher.decrypt(stored, AAD), '123456789012');
  assert.equal(cipher.activeKeyId, 'k1');
  assert.equal(cipher.decrypt(cipher.encrypt('', AAD), AAD), '');
});

test('random IV makes equal plaintexts encrypt differently', () => {
  const cipher = createFieldCipher({ keys: { k1 }, activeKeyId: 'k1' });
  assert.notEqual(cipher.encrypt('123456789012', AAD), cipher.encrypt('123456789012', AAD));
});

test('wrong AAD fails with an opaque error', () => {
  const cipher = createFieldCipher({ keys: { k1 }, activeKeyId: 'k1' });
  const stored = cipher.encrypt('123456789012', AAD);
  assert.throws(() => cipher.decrypt(stored, 'tenant_2:validation_1'), { message: 'field decryption failed' });
});

test('tampered tag, ciphertext or iv fails', () => {
  const cipher = createFieldCipher({ keys: { k1 }, activeKeyId: 'k1' });
  const stored = cipher.encrypt('123456789012', AAD);
  const [v, id, iv, ct, tag] = stored.split('.') as [string, string, string, string, string];
  for (const bad of [
    [v, id, iv, ct, flipChar(tag, 0)],
    [v, id, iv, flipChar(ct, 0), tag],
    [v, id, flipChar(iv, 0), ct, tag],
    [v, id, iv, ct, tag.slice(0, 10)],
    ['v2', id, iv, ct, tag],
    [v, 'nokey', iv, ct, tag],
    [v, id, iv, ct],
  ]) {
    assert.throws(() => cipher.decrypt(bad.join('.'), AAD), { message: 'field decryption failed' });
  }
  assert.throws(() => cipher.decrypt('garbage', AAD), { message: 'field decryption failed' });
});

test('old key id still decrypts after the active key rotates', () => {
  const before = createFieldCipher({ keys: { k1 }, activeKeyId: 'k1' });
  const old = before.encrypt('123456789012', AAD);
  const after = createFieldCipher({ keys: { k1, k2 }, activeKeyId: 'k2' });
  const fresh = after.encrypt('999988887777', AAD);
  assert.ok(fresh.startsWith('v1.k2.'));
  assert.equal(after.decrypt(old, AAD), '123456789012');
  assert.equal(after.decrypt(fresh, AAD), '999988887777');
  assert.throws(() => before.decrypt(fresh, AAD), { message: 'field decryption failed' });
});

test('configuration errors throw', () => {
  assert.throws(() => createFieldCipher({ keys: { k1: randomBytes(16) }, activeKeyId: 'k1' }), /32 bytes/);
  assert.throws(() => createFieldCipher({ keys: { k1, k2: randomBytes(31) }, activeKeyId: 'k1' }), /32 bytes/);
  assert.throws(() => createFieldCipher({ keys: { k1 }, activeKeyId: 'k9' }), /active key/);
  assert.throws(() => createFieldCipher({ keys: { 'bad.id': k1 }, activeKeyId: 'bad.id' }), /key id/);
  assert.throws(() => createFieldCipher({ keys: { ['x'.repeat(33)]: k1 }, activeKeyId: 'x'.repeat(33) }), /key id/);
});
