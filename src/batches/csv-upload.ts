import { AppError } from '../platform/app-error.js';
import { mapHeader, type CsvColumn, type HeaderMap } from './csv-columns.js';
import { createCsvRecordReader, type CsvRecord, type CsvRecordIssue } from './csv-records.js';
import { isReferenceId, recordToInput } from './csv-row.js';
import { sniffCsvStart } from './csv-sniff.js';
import { createUploadBytes, HEAD_BYTES } from './upload-bytes.js';
import { uploadInterrupted } from './request-encoding.js';
import type { IngestItem } from './batch-ingestor.js';

const MAX_RECORD_CHARS = 64 * 1024;
/** Text read between two turns of the event loop: even 16 k blank lines take only a few milliseconds. */
const PIECE_CHARS = 16 * 1024;
/** Records between two turns of the event loop: reading never holds it for long, blank lines or not. */
const YIELD_EVERY = 256;

// What a person can do about each broken row; never the row's text, which may hold an account number.
const ISSUE_MESSAGES: Record<CsvRecordIssue, string> = {
  'batch.malformed_quote': 'A quote (") is inside an unquoted cell, or text follows a closing quote. Quote the whole cell and double any quote inside it.',
  'batch.unterminated_quote': 'A quoted cell opens on this row and is never closed; only this row was rejected and the next row was read on its own.',
  'batch.row_too_long': `The row is longer than ${MAX_RECORD_CHARS.toLocaleString('en')} characters.`,
};

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
const isBlank = (cells: readonly string[]): boolean => (cells.length === 1 && cells[0] === '') || cells.every((c) => c.trim() === '');

function columnAt(header: HeaderMap, cell: number): CsvColumn | null {
  for (const [column, i] of Object.entries(header.index)) if (i === cell) return column as CsvColumn;
  return null;
}

/**
 * A CSV upload read in three steps, so nothing is created for a file that is not CSV at all:
 * `head()` reads exactly the first 64 kB (sniffed for binary content, and used in the idempotency
 * fingerprint), `open()` reads the header row, and `rows()` streams every later row as an ingest item:
 * blank rows as skipped, broken rows as rejected, so every row of the file is accounted for.
 * Rows are numbered like a spreadsheet: the first line is row 1. `signal` stops the reading (the client
 * hung up).
 */
export function createCsvUpload(source: AsyncIterable<Buffer | string>, opts: { maxBytes: number; signal?: AbortSignal }) {
  const bytes = createUploadBytes(source, opts);

  const checkSignal = () => {
    if (opts.signal?.aborted) throw uploadInterrupted();
  };

  /** Records in runs, one per piece of text, with a turn of the event loop after each. */
  async function* recordRuns(): AsyncGenerator<CsvRecord[]> {
    // Non-fatal: the sniffed head is strict UTF-8; a bad byte later only spoils its own row.
    const decoder = new TextDecoder('utf-8');
    const reader = createCsvRecordReader({ maxRecordChars: MAX_RECORD_CHARS });
    for await (const chunk of bytes.chunks()) {
      const text = decoder.decode(chunk, { stream: true });
      for (let at = 0; at < text.length; at += PIECE_CHARS) {
        yield reader.push(text.slice(at, at + PIECE_CHARS));
        await turn();
        checkSignal();
      }
    }
    yield [...reader.push(decoder.decode()), ...reader.end()];
  }

  // Records are taken from the runs one by one without an await each (a million blank lines must not
  // cost a million promise turns); `fill` awaits the next run.
  const runs = recordRuns();
  let run: CsvRecord[] = [];
  let taken = 0;
  const take = (): CsvRecord | undefined => (taken < run.length ? run[taken++] : undefined);
  async function fill(): Promise<boolean> {
    const next = await runs.next();
    if (next.done) return false;
    run = next.value;
    taken = 0;
    return true;
  }

  async function head(): Promise<Buffer> {
    const first = await bytes.head();
    const sniff = sniffCsvStart(first.subarray(0, HEAD_BYTES));
    if (!sniff.ok) throw new AppError('batch.unreadable_csv', sniff.message);
    return first;
  }

  async function open(): Promise<{ header: HeaderMap; rows: () => AsyncGenerator<IngestItem> }> {
    let row = 0;
    let headerRecord: CsvRecord | undefined;
    // Blank lines before the header are rows too (a spreadsheet shows them); they are skipped.
    for (;;) {
      headerRecord = take();
      if (headerRecord === undefined) {
        if (await fill()) continue;
        throw new AppError('batch.unreadable_csv', 'The file is empty: payval expects a header row, then one row per payee.');
      }
      row++;
      if (!headerRecord.ok || !isBlank(headerRecord.cells)) break;
    }
    const headerRow = row;
    if (!headerRecord.ok) {
      throw new AppError('batch.unreadable_csv', `The header row (row ${headerRow}) cannot be read: ${ISSUE_MESSAGES[headerRecord.code]}`, { details: { row: headerRow } });
    }
    const checked = mapHeader(headerRecord.cells);
    if (!checked.ok) throw new AppError(checked.code, checked.message, { details: { row: headerRow } });
    const { header } = checked;
    const columns = headerRecord.cells.length;
    // A rejected row keeps the client's reference when that cell is itself well-formed, and only when
    // the row has the header's columns: in a row with a cell missing or one too many, the cell at the
    // reference's position is some other column's (an account number, say).
    const referenceOf = (cells: string[]): string | null => {
      const i = header.index.reference_id;
      const cell = i === undefined || cells.length !== columns ? undefined : cells[i]?.trim();
      return cell && isReferenceId(cell) ? cell : null;
    };

    function item(r: CsvRecord, at: number): IngestItem {
      if (!r.ok) return { row: at, ok: false, column: columnAt(header, r.cell), code: r.code, message: ISSUE_MESSAGES[r.code] };
      const mapped = recordToInput(r.cells, header, columns);
      if (mapped.ok) return { row: at, ok: true, payee: mapped.input.payee, referenceId: mapped.input.referenceId };
      return { row: at, ok: false, column: mapped.rejection.column, code: mapped.rejection.code, message: mapped.rejection.message, referenceId: referenceOf(r.cells) };
    }

    async function* rows(): AsyncGenerator<IngestItem> {
      if (headerRow > 1) yield { row: 1, blank: headerRow - 1 };
      // Runs of blank rows travel as one item: a flood of empty lines costs a counter, not a row each.
      let blankFrom = 0;
      let blanks = 0;
      let sinceTurn = 0;
      for (;;) {
        const r = take();
        if (r === undefined) {
          // The end of a run is the end of a chunk: report blank rows so far, so the row limit sees them.
          if (blanks > 0) {
            yield { row: blankFrom, blank: blanks };
            blanks = 0;
          }
          if (await fill()) continue;
          return;
        }
        row++;
        if (r.ok && isBlank(r.cells)) {
          if (blanks++ === 0) blankFrom = row;
          continue;
        }
        if (blanks > 0) {
          yield { row: blankFrom, blank: blanks };
          blanks = 0;
        }
        yield item(r, row);
        if (++sinceTurn >= YIELD_EVERY) {
          sinceTurn = 0;
          await turn();
          checkSignal();
        }
      }
    }
    return { header, rows };
  }

  return {
    head,
    open,
    /** Reads the rest of the upload unparsed (an idempotent replay); the digest of the whole upload. */
    drain: () => bytes.drain(),
    /** SHA-256 of the whole upload, once its rows have all been read. */
    digest: () => bytes.digest(),
  };
}

export type CsvUpload = ReturnType<typeof createCsvUpload>;
