import fc from 'fast-check';
import { createCsvRecordReader, type CsvRecord } from '../../src/batches/csv-records.js';

// A model of CSV files for property tests: rows that are valid, blank, or broken in the ways real
// uploads are (a stray quote inside a cell, text after a closing quote, a quote that never closes),
// joined by any mix of LF, CRLF and CR, each with the record the reader must give for it.
//
// Every opening quote is followed by a letter or digit, so a quote left open can never be closed by a
// later row's quote: the reader must reject that line alone, and the expected records are unambiguous.

export type Expected = CsvRecord;
export interface ModelFile { text: string; records: Expected[] }
export interface Rendered { text: string; record: Expected }

const ALNUM = [...'abcdefghijklmnopqrstuvwxyz0123456789'];
const alnum = fc.constantFrom(...ALNUM);
const plainChar = fc.constantFrom(...ALNUM, ' ', '.', '@', '-', '_');
const lineEnd = fc.constantFrom('\n', '\r\n', '\r');

/** An unquoted cell: no comma, quote or line end. */
export const plainCell = fc.string({ unit: plainChar, maxLength: 12 });

/** A quoted cell `"…"` whose content starts with a letter or digit and may hold commas, `""` and line ends. */
export const quotedCell = fc
  .tuple(alnum, fc.array(fc.oneof(plainChar, fc.constant(','), fc.constant('""'), lineEnd), { maxLength: 10 }), fc.boolean())
  .map(([first, rest, spaced]) => {
    const raw = first + rest.join('');
    const pad = spaced ? ' ' : '';
    return { text: `${pad}"${raw}"${pad}`, value: raw.replace(/""/g, '"'), breaks: countLineEnds(raw) };
  });

export function countLineEnds(text: string): number {
  return (text.match(/\r\n|\r|\n/g) ?? []).length;
}

/** Lines as an editor counts them: one per line end, plus a last line that has no line end. */
export function physicalLines(text: string): number {
  const ends = countLineEnds(text);
  return ends + (/(\r\n|\r|\n)$/.test(text) || text === '' ? 0 : 1);
}

export type CellArb = fc.Arbitrary<{ text: string; value: string; breaks: number }>;
const asCell = (a: fc.Arbitrary<string>): CellArb => a.map((t) => ({ text: t, value: t, breaks: 0 }));

/** A valid row: one cell from each column's arbitrary (default: plain or quoted). */
export function validRow(columns: CellArb[]): fc.Arbitrary<Rendered> {
  return fc.tuple(...columns).map((cells) => ({
    text: cells.map((c) => c.text).join(','),
    record: { ok: true, cells: cells.map((c) => c.value), lines: 1 + cells.reduce((n, c) => n + c.breaks, 0) },
  }));
}

/** A broken row: single-line cells, then one broken cell at `bad`, then anything but line ends. */
function brokenRow(columns: number, singleLine: CellArb, brokenText: fc.Arbitrary<string>): fc.Arbitrary<Rendered> {
  return fc
    .tuple(
      fc.integer({ min: 0, max: columns - 1 }),
      fc.array(singleLine, { minLength: columns, maxLength: columns }),
      fc.constantFrom('stray', 'after', 'open'),
      brokenText,
      alnum,
      fc.string({ unit: fc.constantFrom(...ALNUM, ',', '"', ' '), maxLength: 10 }),
    )
    .map(([bad, cells, kind, body, next, tail]) => {
      const before = cells.slice(0, bad).map((c) => c.text);
      if (kind === 'open') {
        // Everything after the opening quote is inside it: commas, but no quotes.
        return { text: [...before, `"${next}${body}${tail.replace(/"/g, '')}`].join(','), record: { ok: false, code: 'batch.unterminated_quote', cell: bad, lines: 1 } };
      }
      const broken = kind === 'stray' ? `${body.replace(/^ +/, '') || 'x'}"${next}${body}` : `"${next}${body}"${next}`;
      return { text: [...before, broken + tail].join(','), record: { ok: false, code: 'batch.malformed_quote', cell: bad, lines: 1 } };
    });
}

const blankRow: fc.Arbitrary<Rendered> = fc
  .constantFrom('', ' ', '  \t', '""')
  .map((text) => ({ text, record: { ok: true, cells: [text === '""' ? '' : text], lines: 1 } }));

/** Rows joined by random line ends, with or without one after the last row. */
export function joinRows(rows: Rendered[], ends: string[], finalEnd: boolean): ModelFile {
  let text = '';
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    let end = ends[i % ends.length]!;
    // "…\r" then an empty row ending "\n…" would read as one CRLF: keep such pairs apart.
    const next = rows[i + 1];
    if (end === '\r' && next && next.text === '') end = '\n';
    const last = i === rows.length - 1;
    // An empty last row with nothing after it is no row at all.
    text += row.text + (!last || finalEnd || row.text === '' ? end : '');
  }
  return { text, records: rows.map((r) => r.record) };
}

export interface FileShape {
  columns: number;
  /** Per column: valid cells (default: plain or quoted). */
  cell?: (column: number) => CellArb;
  /** Cells for the single-line prefix of a broken row (default: plain). */
  singleLineCell?: CellArb;
  /** The text around the broken quote (default: 1–8 plain characters), e.g. an account number. */
  brokenText?: fc.Arbitrary<string>;
  /** More kinds of rows to mix in (e.g. rows with a cell missing or one too many). */
  extraRows?: fc.Arbitrary<Rendered>;
  maxRows: number;
}

export function csvFile(shape: FileShape): fc.Arbitrary<ModelFile> {
  const cells = Array.from({ length: shape.columns }, (_, i) => shape.cell?.(i) ?? fc.oneof(asCell(plainCell), quotedCell));
  const single = shape.singleLineCell ?? asCell(plainCell);
  const broken = brokenRow(shape.columns, single, shape.brokenText ?? fc.string({ unit: plainChar, minLength: 1, maxLength: 8 }));
  const kinds = [{ weight: 6, arbitrary: validRow(cells) }, { weight: 2, arbitrary: blankRow }, { weight: 2, arbitrary: broken }];
  if (shape.extraRows) kinds.push({ weight: 3, arbitrary: shape.extraRows });
  const row = fc.oneof(...kinds);
  return fc
    .tuple(fc.array(row, { minLength: 1, maxLength: shape.maxRows }), fc.array(lineEnd, { minLength: 1, maxLength: 4 }), fc.boolean())
    .map(([rows, ends, finalEnd]) => joinRows(rows, ends, finalEnd));
}

export { asCell };

/** Reads `text` pushed in pieces of the given sizes (cycling); the whole text at once by default. */
export function readAll(text: string, sizes: number[] = [text.length || 1], maxRecordChars?: number): CsvRecord[] {
  const reader = createCsvRecordReader(maxRecordChars === undefined ? {} : { maxRecordChars });
  const out: CsvRecord[] = [];
  for (let at = 0, i = 0; at < text.length; i++) {
    const n = Math.max(1, sizes[i % sizes.length]!);
    out.push(...reader.push(text.slice(at, at + n)));
    at += n;
  }
  out.push(...reader.end());
  return out;
}

