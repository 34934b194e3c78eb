import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CSV_COLUMNS, mapHeader, type HeaderCheck, type HeaderMap } from '../../src/batches/csv-columns.js';

function expectHeader(record: string[]): HeaderMap {
  const result = mapHeader(record);
  if (!result.ok) assert.fail(`expected a header, got ${result.code}: ${result.message}`);
  return result.header;
}

function expectError(record: string[], code: Exclude<HeaderCheck, { ok: true }>['code']): string {
  const result = mapHeader(record);
  if (result.ok) assert.fail(`expected ${code}, got a header`);
  assert.equal(result.code, code);
  assert.ok(result.message.length > 10);
  return result.message;
}

test('canonical header maps every column to its index', () => {
  assert.deepEqual(expectHeader([...CSV_COLUMNS]), {
    index: { type: 0, account_number: 1, ifsc: 2, rail: 3, vpa: 4, name: 5, reference_id: 6 },
    ignored: [],
  });
});

test('names are matched case-insensitively after trimming, BOM stripping and space/dash folding', () => {
  const header = expectHeader(['\uFEFFType', '  Account Number ', 'IFSC', 'Reference-ID', 'NAME', 'v p a', 'RAIL']);
  assert.deepEqual(header.index, { type: 0, account_number: 1, ifsc: 2, reference_id: 3, name: 4, rail: 6 });
  assert.deepEqual(header.ignored, ['v p a'], 'spaces inside a word are not removed, only folded into underscores');
});

test('a BOM on a canonical first column is stripped', () => {
  assert.deepEqual(expectHeader(['\uFEFFvpa']).index, { vpa: 0 });
});

test('every documented alias maps to its column', () => {
  const aliases: Array<[string, string]> = [
    ['account_no', 'account_number'],
    ['Account', 'account_number'],
    ['ACCT NO', 'account_number'],
    ['Bank Account Number', 'account_number'],
    ['beneficiary-account-number', 'account_number'],
    ['ifsc_code', 'ifsc'],
    ['IFSC Code', 'ifsc'],
    ['UPI', 'vpa'],
    ['upi id', 'vpa'],
    ['VPA_ID', 'vpa'],
    ['Payee Name', 'name'],
    ['beneficiary_name', 'name'],
    ['Account Holder Name', 'name'],
    ['reference', 'reference_id'],
    ['Ref', 'reference_id'],
    ['payee_id', 'reference_id'],
    ['Vendor ID', 'reference_id'],
    ['Mode', 'rail'],
    ['payment mode', 'rail'],
  ];
  for (const [alias, column] of aliases) {
    // Pad with whatever makes the header valid, in a column the alias cannot collide with.
    const filler = column === 'account_number' ? ['ifsc'] : column === 'vpa' ? [] : column === 'ifsc' ? ['account_number'] : ['vpa'];
    const header = expectHeader([alias, ...filler]);
    assert.equal(header.index[column as keyof HeaderMap['index']], 0, `${alias} → ${column}`);
  }
});

test('ERP abbreviations with dots are understood', () => {
  assert.deepEqual(expectHeader(['Account No.', 'IFSC Code', 'Ref.']).index, { account_number: 0, ifsc: 1, reference_id: 2 });
});

test('unknown columns are ignored and listed as written; blank header cells are skipped', () => {
  const header = expectHeader(['Vendor Code', 'account_number', 'GSTIN', 'ifsc', '', 'Amount ']);
  assert.deepEqual(header.index, { account_number: 1, ifsc: 3 });
  assert.deepEqual(header.ignored, ['Vendor Code', 'GSTIN', 'Amount']);
});

test('a column appearing twice, directly or through an alias, is rejected', () => {
  expectError(['vpa', 'name', 'VPA'], 'batch.duplicate_column');
  const message = expectError(['account_number', 'ifsc', 'Account No'], 'batch.duplicate_column');
  assert.match(message, /account_number/);
  expectError(['vpa', 'payee_name', 'beneficiary_name'], 'batch.duplicate_column');
  expectError(['vpa', 'ref', 'vendor_id'], 'batch.duplicate_column');
});

test('names of Object.prototype members are ordinary unknown columns', () => {
  assert.deepEqual(expectHeader(['constructor', 'vpa', '__proto__', 'toString', 'hasOwnProperty']), {
    index: { vpa: 1 },
    ignored: ['constructor', '__proto__', 'toString', 'hasOwnProperty'],
  });
});

test('unknown columns may repeat', () => {
  assert.deepEqual(expectHeader(['vpa', 'notes', 'notes']).ignored, ['notes', 'notes']);
});

test('a header without account_number or vpa names the columns it needs', () => {
  const message = expectError(['name', 'ifsc', 'reference_id'], 'batch.missing_columns');
  assert.match(message, /account_number/);
  assert.match(message, /ifsc/);
  assert.match(message, /vpa/);
});

test('account_number without ifsc is missing a column', () => {
  const message = expectError(['account_number', 'name'], 'batch.missing_columns');
  assert.match(message, /ifsc/);
  expectHeader(['account_number', 'ifsc']);
  expectHeader(['vpa', 'ifsc']);
});

test('a file without a header row is rejected without echoing the data', () => {
  const message = expectError(['50100012345678', 'HDFC0000001', 'Ravi Kumar'], 'batch.missing_columns');
  assert.ok(!message.includes('50100012345678'));
  assert.match(message, /header row/);
});

test('a single cell holding another delimiter is unreadable and names the delimiter', () => {
  assert.match(expectError(['account_number;ifsc;name'], 'batch.unreadable_csv'), /delimiter is a semicolon \(;\), payval expects commas/);
  assert.match(expectError(['account_number\tifsc\tname'], 'batch.unreadable_csv'), /delimiter is a tab, payval expects commas/);
  assert.match(expectError(['vpa|name'], 'batch.unreadable_csv'), /delimiter is a pipe \(\|\), payval expects commas/);
  // The most frequent candidate wins when a name itself contains another one.
  assert.match(expectError(['vpa;name;a|b;ref'], 'batch.unreadable_csv'), /semicolon/);
});

test('an empty header is unreadable', () => {
  expectError([], 'batch.unreadable_csv');
  expectError([''], 'batch.unreadable_csv');
  expectError(['  ', '\uFEFF', ''], 'batch.unreadable_csv');
});
