import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { csvCell, csvLine } from '../../src/batches/csv-escape.js';

test('plain values are written as they are', () => {
  assert.equal(csvCell('Ravi Kumar'), 'Ravi Kumar');
  assert.equal(csvCell('HDFC0000001'), 'HDFC0000001');
  assert.equal(csvCell(''), '');
  assert.equal(csvCell('it\'s fine'), "it's fine");
});

test('null and undefined are empty cells', () => {
  assert.equal(csvCell(null), '');
  assert.equal(csvCell(undefined), '');
});

test('numbers are written unescaped, negative ones included', () => {
  assert.equal(csvCell(-12.5), '-12.5');
  assert.equal(csvCell(0), '0');
  assert.equal(csvCell(0.93), '0.93');
  assert.equal(csvCell(1000000), '1000000');
});

test('cells that need quoting are quoted with doubled quotes', () => {
  assert.equal(csvCell('Kumar, Ravi'), '"Kumar, Ravi"');
  assert.equal(csvCell('Sharma "Sonu" Traders'), '"Sharma ""Sonu"" Traders"');
  assert.equal(csvCell('line\nbreak'), '"line\nbreak"');
  assert.equal(csvCell('cr\rhere'), '"cr\rhere"');
  assert.equal(csvCell('"'), '""""');
});

test('formula-looking strings get a leading quote', () => {
  assert.equal(csvCell('=HYPERLINK("http://x","y")'), '"\'=HYPERLINK(""http://x"",""y"")"');
  assert.equal(csvCell('=1+2'), "'=1+2");
  assert.equal(csvCell('+91 98765'), "'+91 98765");
  assert.equal(csvCell('-12.5'), "'-12.5", 'a string is client data even if it looks numeric');
  assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
  assert.equal(csvCell('\t=cmd'), "'\t=cmd");
  assert.equal(csvCell('\r=cmd'), '"\'\r=cmd"', 'guarded, then quoted because of the CR');
});

test('formula characters later in the cell are left alone', () => {
  assert.equal(csvCell('a=b'), 'a=b');
  assert.equal(csvCell('INV-42'), 'INV-42');
  assert.equal(csvCell('ravi@okaxis'), 'ravi@okaxis');
  assert.equal(csvCell(' =1'), ' =1');
});

test('csvLine joins with commas and ends with CRLF', () => {
  assert.equal(csvLine(['a', 1, null, 'b,c', undefined, -2]), 'a,1,,"b,c",,-2\r\n');
  assert.equal(csvLine([]), '\r\n');
  assert.equal(csvLine([null, null]), ',\r\n');
  assert.equal(csvLine(['']), '""\r\n', 'a lone empty cell is not a blank line');
});

test('lines read back through a CSV parser as the original values', () => {
  const values = ['Kumar, Ravi', 'Sharma "Sonu"\nTraders', 'plain', '', 'x\r\ny'];
  const text = csvLine(['a', 'b', 'c', 'd', 'e']) + csvLine(values) + csvLine(['']);
  const records = parse(text, { relax_column_count: true }) as string[][];
  assert.deepEqual(records, [['a', 'b', 'c', 'd', 'e'], values, ['']]);
  const guarded = parse(csvLine(['=1+2', -3])) as string[][];
  assert.deepEqual(guarded, [["'=1+2", '-3']]);
});
