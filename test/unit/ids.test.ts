import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isId, newId } from '../../src/platform/ids.js';

test('newId has the prefix and a 26-char Crockford base32 body', () => {
  const id = newId('val');
  assert.match(id, /^val_[0-9A-HJKMNP-TV-Z]{26}$/);
  assert.equal(isId('val', id), true);
});

test('the leading 10 chars encode the current time in ms', () => {
  const before = Date.now();
  const id = newId('val');
  const after = Date.now();
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  let ms = 0;
  for (const c of id.slice(4, 14)) ms = ms * 32 + alphabet.indexOf(c);
  assert.ok(ms >= before && ms <= after, `${ms} not in [${before}, ${after}]`);
});

test('ids created in different milliseconds sort by creation time', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    ids.push(newId('bat'));
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  assert.deepEqual([...ids].sort(), ids);
});

test('ids are unique', () => {
  const ids = new Set(Array.from({ length: 10_000 }, () => newId('x')));
  assert.equal(ids.size, 10_000);
});

test('isId rejects wrong prefix and malformed bodies', () => {
  const id = newId('val');
  assert.equal(isId('bat', id), false);
  assert.equal(isId('va', id), false);
  assert.equal(isId('val', id + 'A'), false);
  assert.equal(isId('val', id.slice(0, -1)), false);
  assert.equal(isId('val', id.slice(0, -1) + 'U'), false, 'U is not Crockford');
  assert.equal(isId('val', id.toLowerCase()), false);
  assert.equal(isId('val', 'val_8' + id.slice(5)), false, 'first char above 7 overflows 128 bits');
});
