export const CSV_COLUMNS = ['type', 'account_number', 'ifsc', 'rail', 'vpa', 'name', 'reference_id'] as const;

export type CsvColumn = (typeof CSV_COLUMNS)[number];

export interface HeaderMap {
  /** column → index in the record */
  index: Partial<Record<CsvColumn, number>>;
  /** Header cells that are not payval columns (ERP exports carry many), as written. */
  ignored: string[];
}

export type HeaderCheck =
  | { ok: true; header: HeaderMap }
  | { ok: false; code: 'batch.unreadable_csv' | 'batch.missing_columns' | 'batch.duplicate_column'; message: string };

// Keys are already normalised (see normalizeColumnName). A Map, not an object literal, so header
// cells like "constructor" do not resolve to Object.prototype members.
const ALIASES: ReadonlyMap<string, CsvColumn> = new Map(Object.entries({
  account_no: 'account_number',
  account: 'account_number',
  acct_no: 'account_number',
  bank_account_number: 'account_number',
  beneficiary_account_number: 'account_number',
  ifsc_code: 'ifsc',
  upi: 'vpa',
  upi_id: 'vpa',
  vpa_id: 'vpa',
  payee_name: 'name',
  beneficiary_name: 'name',
  account_holder_name: 'name',
  reference: 'reference_id',
  ref: 'reference_id',
  payee_id: 'reference_id',
  vendor_id: 'reference_id',
  mode: 'rail',
  payment_mode: 'rail',
} satisfies Record<string, CsvColumn>));

const DELIMITERS: ReadonlyArray<{ char: string; label: string }> = [
  { char: ';', label: 'a semicolon (;)' },
  { char: '\t', label: 'a tab' },
  { char: '|', label: 'a pipe (|)' },
];

// Dots are dropped because ERP headers are often abbreviated ("Account No.", "Ref.").
function normalizeColumnName(cell: string): string {
  return cell
    .replace(/^\uFEFF/, '')
    .trim()
    .toLowerCase()
    .replace(/\./g, '')
    .replace(/[\s_-]+/g, '_');
}

function toColumn(name: string): CsvColumn | undefined {
  const canonical = (CSV_COLUMNS as readonly string[]).includes(name) ? (name as CsvColumn) : undefined;
  return canonical ?? ALIASES.get(name);
}

function sniffWrongDelimiter(cell: string): string | undefined {
  let best: { label: string; count: number } | undefined;
  for (const { char, label } of DELIMITERS) {
    const count = cell.split(char).length - 1;
    if (count > 0 && (best === undefined || count > best.count)) best = { label, count };
  }
  return best?.label;
}

// Messages name payval columns only, never header cells: a file without a header row puts a
// payee's account number in the "header".
export function mapHeader(record: readonly string[]): HeaderCheck {
  const cells = record.map((cell) => cell.replace(/^\uFEFF/, '').trim());
  if (cells.every((cell) => cell === '')) {
    return { ok: false, code: 'batch.unreadable_csv', message: 'The CSV header row is empty; the first line must name the columns.' };
  }
  const only = cells.length === 1 ? cells[0] : undefined;
  const delimiter = only === undefined ? undefined : sniffWrongDelimiter(only);
  if (delimiter !== undefined) {
    return { ok: false, code: 'batch.unreadable_csv', message: `The header looks like the delimiter is ${delimiter}, payval expects commas.` };
  }

  const index: Partial<Record<CsvColumn, number>> = {};
  const ignored: string[] = [];
  for (const [i, cell] of cells.entries()) {
    // Spreadsheets often leave trailing empty header cells; they carry no data worth reporting.
    if (cell === '') continue;
    const column = toColumn(normalizeColumnName(cell));
    if (column === undefined) {
      ignored.push(cell);
      continue;
    }
    if (index[column] !== undefined) {
      return { ok: false, code: 'batch.duplicate_column', message: `The header has more than one ${column} column (aliases count as the same column).` };
    }
    index[column] = i;
  }

  if (index.account_number === undefined && index.vpa === undefined) {
    return {
      ok: false,
      code: 'batch.missing_columns',
      message: 'The header needs account_number and ifsc columns, or a vpa column (is the first line a header row?).',
    };
  }
  if (index.account_number !== undefined && index.ifsc === undefined) {
    return { ok: false, code: 'batch.missing_columns', message: 'The header has an account_number column but no ifsc column; bank account payees need both.' };
  }
  return { ok: true, header: { index, ignored } };
}
