import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sniffCsvStart } from '../../src/batches/csv-sniff.js';

function rejected(bytes: Buffer): string {
  const result = sniffCsvStart(bytes);
  if (result.ok) assert.fail('expected the sample to be rejected');
  return result.message;
}

const CSV = 'account_number,ifsc,name\r\n501000123456,HDFC0000001,Ravi Kumar\r\n';

test('plain UTF-8 CSV, with or without a BOM, passes', () => {
  assert.deepEqual(sniffCsvStart(Buffer.from(CSV)), { ok: true });
  assert.deepEqual(sniffCsvStart(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(CSV)])), { ok: true });
  assert.deepEqual(sniffCsvStart(Buffer.from('vpa,name\nravi@okaxis,Ravi Kumār — ₹ 😀\n')), { ok: true });
});

test('an empty sample is rejected', () => {
  assert.match(rejected(Buffer.alloc(0)), /empty/);
});

test('NUL bytes in the first 64 kB are rejected; beyond that they are not looked at', () => {
  assert.match(rejected(Buffer.from('vpa,name\nravi@okaxis,Ra\0vi\n')), /NUL/);
  const late = Buffer.concat([Buffer.alloc(64 * 1024, 'a'), Buffer.from([0])]);
  assert.deepEqual(sniffCsvStart(late), { ok: true });
  const edge = Buffer.concat([Buffer.alloc(64 * 1024 - 1, 'a'), Buffer.from([0])]);
  assert.match(rejected(edge), /NUL/);
});

test('invalid UTF-8 is rejected', () => {
  // "Café" in Windows-1252, the classic ANSI export.
  assert.match(rejected(Buffer.from([...Buffer.from('name\nCaf'), 0xe9, 0x0a])), /UTF-8/);
  assert.match(rejected(Buffer.from([0x61, 0xc0, 0xaf, 0x0a])), /UTF-8/, 'overlong encoding');
  assert.match(rejected(Buffer.from([0x61, 0x80, 0x62])), /UTF-8/, 'stray continuation byte');
  assert.match(rejected(Buffer.from([0x61, 0xc3, 0x62])), /UTF-8/, 'lead byte followed by ASCII');
});

test('a multi-byte character cut at the end of the sample is tolerated', () => {
  const full = Buffer.from('name\nRavi ₹😀');
  for (let cut = 1; cut <= 3; cut++) {
    assert.deepEqual(sniffCsvStart(full.subarray(0, full.length - cut)), { ok: true }, `cut ${cut} byte(s) from the emoji`);
  }
  const rupee = Buffer.from('name\n₹');
  assert.deepEqual(sniffCsvStart(rupee.subarray(0, rupee.length - 1)), { ok: true });
  assert.deepEqual(sniffCsvStart(rupee.subarray(0, rupee.length - 2)), { ok: true });
  // The 64 kB sample boundary itself can split a character.
  const boundary = Buffer.concat([Buffer.alloc(64 * 1024 - 1, 'a'), Buffer.from('₹ and more')]);
  assert.deepEqual(sniffCsvStart(boundary), { ok: true });
});

test('a truncated tail is only tolerated at the very end', () => {
  assert.match(rejected(Buffer.from([0x61, 0xe2, 0x82, 0x61])), /UTF-8/);
  assert.match(rejected(Buffer.from([0x61, 0xff])), /UTF-8/, 'a byte that is never valid is not mistaken for a cut character');
  assert.match(rejected(Buffer.from([0x61, 0xc1])), /UTF-8/);
});

test('binary formats are named', () => {
  const xlsx = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00]);
  assert.equal(rejected(xlsx), 'This looks like an Excel .xlsx file; export it as CSV.');
  assert.match(rejected(Buffer.from([0x50, 0x4b, 0x05, 0x06, 0, 0])), /xlsx/);
  assert.match(rejected(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0])), /\.xls file/);
  assert.match(rejected(Buffer.from('%PDF-1.7\n%âãÏÓ\n')), /PDF/);
  assert.match(rejected(Buffer.from('GIF89a\x01\x00')), /GIF/);
  assert.match(rejected(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d])), /PNG/);
  assert.match(rejected(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10])), /JPEG/);
  assert.match(rejected(Buffer.from([0x1f, 0x8b, 0x08, 0x00])), /gzip/);
});

test('text that merely starts like a signature is fine', () => {
  assert.deepEqual(sniffCsvStart(Buffer.from('PK,vpa\n1,a@b\n')), { ok: true });
  assert.deepEqual(sniffCsvStart(Buffer.from('%PD,vpa\n')), { ok: true });
});

test('UTF-16 (either byte order) asks for UTF-8', () => {
  const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(CSV, 'utf16le')]);
  assert.match(rejected(le), /save the file as UTF-8/);
  const be = Buffer.from(le.subarray(2)).swap16();
  assert.match(rejected(Buffer.concat([Buffer.from([0xfe, 0xff]), be])), /save the file as UTF-8/);
  // Without a BOM the NULs give it away.
  assert.match(rejected(Buffer.from(CSV, 'utf16le')), /NUL/);
});
