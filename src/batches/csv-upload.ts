import { Readable, pipeline } from 'node:stream';
import { parse, CsvError } from 'csv-parse';
import { AppError } from '../platform/app-error.js';
import { mapHeader, type HeaderMap } from './csv-columns.js';
import { isReferenceId, recordToInput } from './csv-row.js';
import { sniffCsvStart } from './csv-sniff.js';
import type { IngestItem } from './batch-ingestor.js';

const HEAD_BYTES = 64 * 1024;
const MAX_RECORD_BYTES = 64 * 1024;

/**
 * A CSV upload read in three steps, so nothing is created for a file that is not CSV at all:
 * `head()` reads the first 64 kB (sniffed for binary content, and used in the idempotency
 * fingerprint), `open()` parses the header, and `rows()` streams the data rows as ingest items.
 * Rows are numbered like a spreadsheet: the header is row 1, the first data row is row 2.
 */
export function createCsvUpload(source: AsyncIterable<Buffer | string>, opts: { maxBytes: number }) {
  const iterator = source[Symbol.asyncIterator]();
  const headChunks: Buffer[] = [];
  let headSize = 0;
  let ended = false;
  let bytes = 0;

  const tooLarge = () => new AppError('batch.too_large', `A batch upload may be at most ${opts.maxBytes.toLocaleString('en')} bytes.`);

  async function head(): Promise<Buffer> {
    while (headSize < HEAD_BYTES && !ended) {
      const next = await iterator.next();
      if (next.done) {
        ended = true;
        break;
      }
      const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
      headChunks.push(chunk);
      headSize += chunk.length;
      bytes += chunk.length;
      if (bytes > opts.maxBytes) throw tooLarge();
    }
    const sample = Buffer.concat(headChunks);
    const sniff = sniffCsvStart(sample.subarray(0, HEAD_BYTES));
    if (!sniff.ok) throw new AppError('batch.unreadable_csv', sniff.message);
    return sample;
  }

  async function* body(): AsyncGenerator<Buffer> {
    yield* headChunks;
    while (!ended) {
      const next = await iterator.next();
      if (next.done) break;
      const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
      bytes += chunk.length;
      if (bytes > opts.maxBytes) throw tooLarge();
      yield chunk;
    }
  }

  async function open(): Promise<{ header: HeaderMap; columns: number; rows: () => AsyncGenerator<IngestItem> }> {
    const parser = parse({ bom: true, relax_column_count: true, skip_empty_lines: false, max_record_size: MAX_RECORD_BYTES });
    // pipeline, not pipe: a source error (413 past maxBytes) must reach the parser's iterator, not go uncaught.
    pipeline(Readable.from(body()), parser, () => undefined);
    const records = parser[Symbol.asyncIterator]() as AsyncIterator<string[]>;
    // Blank lines are rows in a spreadsheet, so they are read (as one empty cell) and counted, never
    // silently dropped: row numbers in rejections must match what the uploader sees.
    const isBlank = (record: string[]): boolean => record.length === 1 && record[0]!.trim() === '';
    let first: IteratorResult<string[]>;
    let headerRow = 0;
    try {
      do {
        first = await records.next();
        headerRow++;
      } while (!first.done && isBlank(first.value));
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new AppError('batch.unreadable_csv', `The header row could not be read as CSV${err instanceof CsvError ? `: ${err.message}` : ''}.`);
    }
    if (first.done) throw new AppError('batch.unreadable_csv', 'The file is empty: payval expects a header row, then one row per payee.');
    const checked = mapHeader(first.value);
    if (!checked.ok) throw new AppError(checked.code, checked.message);
    const { header } = checked;
    const columns = first.value.length;
    // A rejected row keeps the client's reference when that cell is itself well-formed.
    const referenceOf = (record: string[]): string | null => {
      const i = header.index.reference_id;
      const cell = i === undefined ? undefined : record[i]?.trim();
      return cell && isReferenceId(cell) ? cell : null;
    };

    async function* rows(): AsyncGenerator<IngestItem> {
      let row = headerRow;
      for (;;) {
        let next: IteratorResult<string[]>;
        try {
          next = await records.next();
        } catch (err) {
          if (err instanceof AppError || !(err instanceof CsvError)) throw err;
          // The parser cannot resynchronise after, e.g., an unterminated quote: the rows read so far
          // stand, and the failure is reported at the row where reading stopped.
          yield { row: row + 1, ok: false, column: null, code: 'batch.malformed_csv', message: `The file could not be read from this row on: ${err.message}`.slice(0, 255) };
          return;
        }
        if (next.done) return;
        row++;
        if (isBlank(next.value)) continue;
        const mapped = recordToInput(next.value, header, columns);
        if (mapped.ok) yield { row, ok: true, payee: mapped.input.payee, referenceId: mapped.input.referenceId };
        else yield { row, ok: false, column: mapped.rejection.column, code: mapped.rejection.code, message: mapped.rejection.message, referenceId: referenceOf(next.value) };
      }
    }
    return { header, columns, rows };
  }

  return { head, open };
}
