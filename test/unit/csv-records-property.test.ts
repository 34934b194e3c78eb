import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { csvFile, physicalLines, readAll } from '../helpers/csv-model.js';

// Properties of the CSV record reader over thousands of generated files: exact records for modelled
// files, and for any text at all: every line in exactly one record, the same records however the
// text arrives, and work linear in the text.

const pieces = fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 6 });

describe('csv records, property-based', () => {
  it('modelled files (valid, blank and broken rows, every line end) read as exactly the modelled records', () => {
    const seen = { multiLine: 0, stray: 0, open: 0, cr: 0, crlf: 0 };
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }).chain((columns) => csvFile({ columns, maxRows: 25 })), pieces, (file, sizes) => {
        assert.deepEqual(readAll(file.text, sizes), file.records);
        for (const r of file.records) {
          if (r.lines > 1) seen.multiLine++;
          if (!r.ok) seen[r.code === 'batch.unterminated_quote' ? 'open' : 'stray']++;
        }
        if (/\r(?!\n)/.test(file.text)) seen.cr++;
        if (file.text.includes('\r\n')) seen.crlf++;
      }),
      { numRuns: 2000 },
    );
    // Not vacuous: each kind of row and line end was generated many times.
    for (const [kind, n] of Object.entries(seen)) assert.ok(n > 100, `${kind}: ${n}`);
  });

  it('any text: every line belongs to exactly one record, whatever the cutting', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', '""', ' ', '\r', '\n', '\r\n'), maxLength: 200 });
    fc.assert(
      fc.property(text, pieces, fc.integer({ min: 4, max: 80 }), (t, sizes, maxRecordChars) => {
        const whole = readAll(t, [t.length || 1], maxRecordChars);
        assert.equal(whole.reduce((n, r) => n + r.lines, 0), physicalLines(t));
        assert.deepEqual(readAll(t, sizes, maxRecordChars), whole);
        for (const r of whole) if (!r.ok) assert.deepEqual(Object.keys(r).sort(), ['cell', 'code', 'lines', 'ok']);
      }),
      { numRuns: 3000 },
    );
  });

  it('work stays linear: a megabyte of quotes, commas and line ends reads in well under a second', () => {
    const unit = ['"', '"a', 'a"', ',', '\n', '\r', '""', 'abc'];
    let text = '';
    for (let i = 0; text.length < 1024 * 1024; i++) text += unit[(i * 7919) % unit.length];
    const started = performance.now();
    const records = readAll(text, [64 * 1024]);
    const ms = performance.now() - started;
    assert.equal(records.reduce((n, r) => n + r.lines, 0), physicalLines(text));
    assert.ok(ms < 3000, `took ${ms.toFixed(0)} ms`);
  });
});
