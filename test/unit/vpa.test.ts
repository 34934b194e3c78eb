import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isValidVpa, normalizeVpa } from '../../src/bank-data/vpa.js';

test('normalizeVpa trims and lowercases', () => {
  assert.equal(normalizeVpa('  Ravi.Kumar@OKAxis '), 'ravi.kumar@okaxis');
});

test('isValidVpa accepts common handles', () => {
  for (const vpa of ['ravi.kumar@okaxis', '9876543210@ybl', 'ab@upi', 'a_b-c.d@paytm', 'shop1@ok-hdfc.bank']) {
    assert.equal(isValidVpa(vpa), true, vpa);
  }
});

test('isValidVpa enforces local part length and leading alnum', () => {
  assert.equal(isValidVpa('a@upi'), false, 'local part too short');
  assert.equal(isValidVpa('a'.repeat(256) + '@upi'), true);
  assert.equal(isValidVpa('a'.repeat(257) + '@upi'), false);
  assert.equal(isValidVpa('.ravi@upi'), false);
  assert.equal(isValidVpa('_ravi@upi'), false);
  assert.equal(isValidVpa('ra vi@upi'), false);
});

test('isValidVpa enforces the psp handle shape and a single @', () => {
  assert.equal(isValidVpa('ravi@u'), false, 'psp too short');
  assert.equal(isValidVpa('ravi@1upi'), false, 'psp must start with a letter');
  assert.equal(isValidVpa('ravi@' + 'u'.repeat(64)), true);
  assert.equal(isValidVpa('ravi@' + 'u'.repeat(65)), false);
  assert.equal(isValidVpa('ravi@ok@axis'), false);
  assert.equal(isValidVpa('raviokaxis'), false);
  assert.equal(isValidVpa('ravi@'), false);
  assert.equal(isValidVpa('Ravi@okaxis'), false, 'expects normalised input');
});
