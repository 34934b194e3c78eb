import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isValidAccountNumber, last4, maskAccountNumber, normalizeAccountNumber } from '../../src/bank-data/account-number.js';

test('normalizeAccountNumber trims and removes spaces and dashes', () => {
  assert.equal(normalizeAccountNumber('  1234 5678-9012 '), '123456789012');
  assert.equal(normalizeAccountNumber('0012-3456-789'), '00123456789', 'leading zeros are kept');
  assert.equal(normalizeAccountNumber('\t123456789\n'), '123456789');
});

test('isValidAccountNumber accepts 9 to 18 digits only', () => {
  assert.equal(isValidAccountNumber('123456789'), true);
  assert.equal(isValidAccountNumber('123456789012345678'), true);
  assert.equal(isValidAccountNumber('12345678'), false);
  assert.equal(isValidAccountNumber('1234567890123456789'), false);
  assert.equal(isValidAccountNumber('12345678A'), false);
  assert.equal(isValidAccountNumber('1234 56789'), false, 'expects normalised input');
  assert.equal(isValidAccountNumber('١٢٣٤٥٦٧٨٩'), false, 'non-ASCII digits are rejected');
  assert.equal(isValidAccountNumber(''), false);
});

test('last4 returns the last four digits', () => {
  assert.equal(last4('123456789012'), '9012');
});

test('maskAccountNumber has a fixed length whatever the input length', () => {
  assert.equal(maskAccountNumber('123456789'), 'XXXXXX6789');
  assert.equal(maskAccountNumber('123456789012345678'), 'XXXXXX5678');
  assert.equal(maskAccountNumber('123456789').length, maskAccountNumber('123456789012345678').length);
  assert.ok(!maskAccountNumber('987654321012').includes('98765432'));
});
