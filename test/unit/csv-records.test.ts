import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CsvRecord } from '../../src/batches/csv-records.js';
import { readAll } from '../helpers/csv-model.js';

const shape = (records: CsvRecord[]) => records.map((r) => (r.ok ? r.cells : `${r.code}@${r.cell}`));

describe('csv records', () => {
  it('reads plain rows with any line end, in any mix', () => {
    assert.deepEqual(shape(readAll('a,b\r\nc,d\ne,f\rg,h')), [['a', 'b'], ['c', 'd'], ['e', 'f'], ['g', 'h']]);
    assert.deepEqual(shape(readAll('a\r\n')), [['a']]);
    assert.deepEqual(shape(readAll('a\r\r\n')), [['a'], ['']]);
    assert.deepEqual(shape(readAll('')), []);
  });

  it('reads blank lines as one empty cell and a trailing comma as an empty cell', () => {
    assert.deepEqual(shape(readAll('a\n\n,\nb,\n')), [['a'], [''], ['', ''], ['b', '']]);
  });

  it('reads quoted cells with commas, doubled quotes, line ends and spaces around the quotes', () => {
    const records = readAll('"a,b","say ""hi""" , "x\r\ny"\nnext');
    assert.deepEqual(shape(records), [['a,b', 'say "hi"', 'x\r\ny'], ['next']]);
    assert.deepEqual(records.map((r) => r.lines), [2, 1]);
    assert.deepEqual(shape(readAll('  "q"  ,z')), [['q', 'z']]);
  });

  it('rejects a quote inside an unquoted cell, or text after a closing quote, on that row only', () => {
    assert.deepEqual(shape(readAll('a,b\n739182645502019"x",c\nd,e\n')), [['a', 'b'], 'batch.malformed_quote@0', ['d', 'e']]);
    assert.deepEqual(shape(readAll('a,"b"x,c\nd\n')), ['batch.malformed_quote@1', ['d']]);
  });

  it('rejects only the first line of a quoted cell that never closes', () => {
    assert.deepEqual(shape(readAll('h\na,"open\nb,c\nd,e\n')), [['h'], 'batch.unterminated_quote@1', ['b', 'c'], ['d', 'e']]);
    assert.deepEqual(shape(readAll('a,"open')), ['batch.unterminated_quote@1']);
    // The next quote closes it badly ("K…): still only the first line goes.
    assert.deepEqual(shape(readAll('a,"open\nb,"Kumar, R",c\n')), ['batch.unterminated_quote@1', ['b', 'Kumar, R', 'c']]);
  });

  it('rejects a row past the record limit on its own and reads on', () => {
    const long = 'x'.repeat(100);
    assert.deepEqual(shape(readAll(`a\n${long}\nb\n`, [7], 50)), [['a'], 'batch.row_too_long@0', ['b']]);
    // A quoted cell spanning lines past the limit: its first line only.
    assert.deepEqual(shape(readAll(`"${'y\n'.repeat(40)}\nb\n`, [5], 50)), ['batch.unterminated_quote@0', ...Array(39).fill(['y']), [''], ['b']]);
  });

  it('gives the same records however the text is cut', () => {
    const text = 'a,"b\r\nc",d\r\ne,f"g\r"h\r\ni""j,"k""l"\rm\n\n"open,\nz';
    const whole = readAll(text);
    for (const sizes of [[1], [2], [3, 1], [5, 7, 1]]) assert.deepEqual(readAll(text, sizes), whole, String(sizes));
  });
});
