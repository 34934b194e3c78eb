import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIfscFormat, lookupIfsc } from '../../src/bank-data/ifsc-directory.js';

test('isIfscFormat accepts 4 letters, a zero, then 6 alphanumerics', () => {
  assert.equal(isIfscFormat('HDFC0000001'), true);
  assert.equal(isIfscFormat('SBIN0ABC123'), true);
  assert.equal(isIfscFormat('HDFC1000001'), false, 'fifth char must be 0');
  assert.equal(isIfscFormat('HDF00000001'), false);
  assert.equal(isIfscFormat('HDFC000001'), false, 'too short');
  assert.equal(isIfscFormat('HDFC00000012'), false, 'too long');
  assert.equal(isIfscFormat('hdfc0000001'), false, 'input is expected uppercased');
  assert.equal(isIfscFormat(' HDFC0000001'), false);
});

test('lookupIfsc finds numeric branch codes stored as numbers', () => {
  assert.deepEqual(lookupIfsc('HDFC0000001'), { ifsc: 'HDFC0000001', bankCode: 'HDFC', bankName: 'HDFC Bank' });
  assert.deepEqual(lookupIfsc('SBIN0000001'), { ifsc: 'SBIN0000001', bankCode: 'SBIN', bankName: 'State Bank of India' });
  assert.deepEqual(lookupIfsc('ICIC0000001'), { ifsc: 'ICIC0000001', bankCode: 'ICIC', bankName: 'ICICI Bank' });
  assert.equal(lookupIfsc('HDFC0999999')?.bankCode, 'HDFC');
});

test('lookupIfsc finds alphanumeric branch codes stored as strings', () => {
  assert.equal(lookupIfsc('SBIN0000BGL')?.bankName, 'State Bank of India');
  assert.equal(lookupIfsc('UTIB0000NP0'), undefined, 'near miss of UTIB00000NP');
  assert.equal(lookupIfsc('UTIB00000NP')?.bankName, 'Axis Bank');
});

test('lookupIfsc returns undefined for well-formed but absent codes', () => {
  assert.equal(lookupIfsc('SBIN0123456'), undefined);
  assert.equal(lookupIfsc('HDFC0ZZZZZZ'), undefined);
  assert.equal(lookupIfsc('ZZZZ0000001'), undefined, 'unknown bank');
});

test('lookupIfsc rejects malformed and lowercase input', () => {
  assert.equal(lookupIfsc('hdfc0000001'), undefined);
  assert.equal(lookupIfsc('HDFC000001'), undefined);
  assert.equal(lookupIfsc(''), undefined);
});

test('bank name falls back to the bank code when banknames lacks it', () => {
  // ADBK is in IFSC.json but not in banknames.json.
  assert.deepEqual(lookupIfsc('ADBK0000001'), { ifsc: 'ADBK0000001', bankCode: 'ADBK', bankName: 'ADBK' });
});

test('sublet branches report the bank that owns the branch', () => {
  // APBL0001001 is listed in sublet.json as belonging to TSDX.
  const info = lookupIfsc('APBL0001001');
  assert.equal(info?.bankCode, 'TSDX');
  assert.notEqual(info?.bankName, 'TSDX');
  assert.equal(lookupIfsc('APBL0000001')?.bankCode, 'APBL');
});
