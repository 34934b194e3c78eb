/**
 * payval's own CSV record splitter (RFC 4180 plus what spreadsheets and ERPs really write), pure and
 * incremental: `push` text as it arrives, `end` at the end of the file. Decision 0015 says why it is not
 * csv-parse.
 *
 * - A line ends at LF, CRLF or a lone CR, in any mix, outside quotes.
 * - A quoted cell may hold commas, `""` and line ends; spaces or tabs around its quotes are allowed.
 * - A quote inside an unquoted cell, or text after a closing quote, makes that row malformed; the row
 *   ends at its own line end, so nothing after it is lost.
 * - A quoted cell still open when the row would pass `maxRecordChars`, or at the end of the file, or
 *   one whose row turns malformed after a line end, was a stray opening quote: only its first line is
 *   rejected and reading starts again on the next line. Each retry starts one line further on and
 *   re-reads at most `maxRecordChars`, so the work stays linear in the file's size.
 *
 * Every physical line belongs to exactly one record (`lines` says how many), which is how an upload
 * accounts for every line of a file. Records never carry the text of a malformed row.
 */
export type CsvRecordIssue = 'batch.malformed_quote' | 'batch.unterminated_quote' | 'batch.row_too_long';

export type CsvRecord =
  | { ok: true; cells: string[]; lines: number }
  /** `cell` is the 0-based index of the cell where reading went wrong. */
  | { ok: false; code: CsvRecordIssue; cell: number; lines: number };

/** Every empty line is this one record (no allocation per line: a file of blank lines is cheap to read). */
const EMPTY_LINE: CsvRecord = Object.freeze({ ok: true, cells: Object.freeze(['']) as string[], lines: 1 });

export interface CsvRecordReader {
  push(text: string): CsvRecord[];
  end(): CsvRecord[];
}

const COMMA = 0x2c;
const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;
const SPACE = 0x20;
const TAB = 0x09;

const enum State {
  FieldStart,
  Unquoted,
  Quoted,
  /** A quote inside a quoted cell: `""` or the closing quote, decided by the next character. */
  QuoteInQuoted,
  AfterQuoted,
  /** A malformed one-line row: skip to its line end. */
  Skip,
}

/** Which characters end a run of ordinary text in each state. */
const enum Stops {
  LineEnd = 0,
  Quote = 1,
  Comma = 2,
}

export function createCsvRecordReader(opts: { maxRecordChars?: number } = {}): CsvRecordReader {
  const maxChars = opts.maxRecordChars ?? 64 * 1024;
  let buf = '';
  let pos = 0;
  let recStart = 0;
  let fieldStart = 0;
  let state = State.FieldStart;
  let cells: string[] = [];
  let quotedValue = '';
  /** Line ends crossed inside quotes by the current record. */
  let breaks = 0;
  let firstBreakEnd = 0;
  let openCellAtBreak = 0;
  let issue: { code: CsvRecordIssue; cell: number } | null = null;
  let ended = false;
  let out: CsvRecord[] = [];

  function resetRecord(at: number): void {
    recStart = at;
    pos = at;
    fieldStart = at;
    state = State.FieldStart;
    cells = [];
    breaks = 0;
    issue = null;
  }

  /** The current record has crossed a line end inside quotes and cannot stand: reject its first line only. */
  function backtrack(): void {
    out.push({ ok: false, code: 'batch.unterminated_quote', cell: openCellAtBreak, lines: 1 });
    resetRecord(firstBreakEnd);
  }

  function malformed(code: CsvRecordIssue): void {
    if (breaks > 0) return backtrack();
    issue = { code, cell: cells.length };
    state = State.Skip;
  }

  /** Length of the line end at `i` (1 or 2), or 0 when more input is needed to tell CR from CRLF. */
  function lineEndLength(i: number): number {
    if (buf.charCodeAt(i) === LF) return 1;
    if (i + 1 < buf.length) return buf.charCodeAt(i + 1) === LF ? 2 : 1;
    return ended ? 1 : 0;
  }

  function endRecord(lastCell: string | null, terminator: number): void {
    if (issue) out.push({ ok: false, code: issue.code, cell: issue.cell, lines: 1 });
    else if (lastCell === '' && cells.length === 0 && breaks === 0) out.push(EMPTY_LINE);
    else out.push({ ok: true, cells: lastCell === null ? cells : [...cells, lastCell], lines: breaks + 1 });
    resetRecord(pos + terminator);
  }

  /** The next line end (and quote / comma, when asked) at or after `from`; buf.length if none. */
  function find(from: number, stops: number): number {
    const quote = (stops & Stops.Quote) !== 0;
    const comma = (stops & Stops.Comma) !== 0;
    for (let i = from; i < buf.length; i++) {
      const c = buf.charCodeAt(i);
      if (c === LF || c === CR || (quote && c === QUOTE) || (comma && c === COMMA)) return i;
    }
    return buf.length;
  }

  /** Where a run of text ends, or past the record's limit (then the check at the top of scan() fires). */
  function runEnd(stops: number): number {
    const stop = find(pos, stops);
    const limit = recStart + maxChars + 1;
    return stop > limit ? limit : stop;
  }

  /** Scans as far as the buffered text allows: to its end, or to a character that needs the next one. */
  function scan(): void {
    for (;;) {
      if (pos - recStart > maxChars && state !== State.Skip) {
        if (breaks > 0) backtrack();
        else {
          issue = { code: 'batch.row_too_long', cell: cells.length };
          state = State.Skip;
        }
        continue;
      }
      if (pos >= buf.length) return;
      const c = buf.charCodeAt(pos);
      switch (state) {
        case State.FieldStart:
          if (c === SPACE || c === TAB) pos++;
          else if (c === QUOTE) {
            state = State.Quoted;
            quotedValue = '';
            fieldStart = ++pos;
          } else state = State.Unquoted;
          break;
        case State.Unquoted: {
          const stop = runEnd(Stops.Quote | Stops.Comma);
          pos = stop;
          if (stop >= buf.length || stop - recStart > maxChars) break;
          const s = buf.charCodeAt(stop);
          if (s === COMMA) {
            cells.push(buf.slice(fieldStart, stop));
            fieldStart = ++pos;
            state = State.FieldStart;
          } else if (s === QUOTE) malformed('batch.malformed_quote');
          else {
            const n = lineEndLength(stop);
            if (n === 0) return;
            endRecord(buf.slice(fieldStart, stop), n);
          }
          break;
        }
        case State.Quoted: {
          const stop = runEnd(Stops.Quote);
          if (stop >= buf.length || stop - recStart > maxChars) {
            pos = stop;
            break;
          }
          if (buf.charCodeAt(stop) === QUOTE) {
            pos = stop;
            state = State.QuoteInQuoted;
            break;
          }
          const n = lineEndLength(stop);
          if (n === 0) {
            pos = stop;
            return;
          }
          if (breaks++ === 0) {
            firstBreakEnd = stop + n;
            openCellAtBreak = cells.length;
          }
          pos = stop + n;
          break;
        }
        case State.QuoteInQuoted: {
          if (pos + 1 >= buf.length && !ended) return;
          if (buf.charCodeAt(pos + 1) === QUOTE) {
            quotedValue += `${buf.slice(fieldStart, pos)}"`;
            fieldStart = pos += 2;
            state = State.Quoted;
          } else {
            quotedValue += buf.slice(fieldStart, pos);
            pos++;
            state = State.AfterQuoted;
          }
          break;
        }
        case State.AfterQuoted:
          if (c === SPACE || c === TAB) pos++;
          else if (c === COMMA) {
            cells.push(quotedValue);
            fieldStart = ++pos;
            state = State.FieldStart;
          } else if (c === CR || c === LF) {
            const n = lineEndLength(pos);
            if (n === 0) return;
            endRecord(quotedValue, n);
          } else malformed('batch.malformed_quote');
          break;
        case State.Skip: {
          const stop = find(pos, Stops.LineEnd);
          // A malformed row keeps no text: only where it ends matters.
          recStart = pos = stop;
          if (stop >= buf.length) return;
          const n = lineEndLength(stop);
          if (n === 0) return;
          endRecord(null, n);
          break;
        }
      }
    }
  }

  function take(): CsvRecord[] {
    const records = out;
    out = [];
    return records;
  }

  return {
    push(text: string): CsvRecord[] {
      if (ended) throw new Error('push after end');
      if (recStart > 0) {
        buf = buf.slice(recStart);
        pos -= recStart;
        fieldStart -= recStart;
        firstBreakEnd -= recStart;
        recStart = 0;
      }
      buf += text;
      scan();
      return take();
    },
    end(): CsvRecord[] {
      ended = true;
      for (;;) {
        scan();
        if (state === State.Quoted) {
          if (breaks > 0) {
            backtrack();
            continue;
          }
          issue = { code: 'batch.unterminated_quote', cell: cells.length };
        }
        break;
      }
      if (pos > recStart || cells.length > 0 || issue) {
        if (state === State.AfterQuoted) endRecord(quotedValue, 0);
        else if (state === State.Skip || issue) endRecord(null, 0);
        else endRecord(state === State.FieldStart || state === State.Unquoted ? buf.slice(fieldStart, pos) : '', 0);
      }
      buf = '';
      return take();
    },
  };
}
