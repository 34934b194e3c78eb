import type { PayeeInput } from '../validations/payee-precheck.js';
import type { CsvColumn, HeaderMap } from './csv-columns.js';

export interface RowRejection {
  column: string | null;
  code: string;
  message: string;
}

export interface RowInput {
  payee: PayeeInput;
  referenceId: string | null;
}

export type RowResult = { ok: true; input: RowInput } | { ok: false; rejection: RowRejection };

const MAX_REFERENCE_ID_LENGTH = 64;
const REFERENCE_ID = /^[A-Za-z0-9._:/-]+$/;

/** The reference-id rule of openapi.yaml's ReferenceId, for inputs the schema validator does not see (CSV). */
export function isReferenceId(value: string): boolean {
  return value.length >= 1 && value.length <= MAX_REFERENCE_ID_LENGTH && REFERENCE_ID.test(value);
}

/**
 * The reference kept on a rejected CSV row. A row is often rejected because it is misaligned (a cell
 * missing, one too many, the account number typed in the wrong column), and then the reference column
 * may hold an account number. A reference that could be one (9+ digits, dashes ignored as account numbers
 * ignore them) is dropped rather than stored and served; the row number still identifies the row.
 */
export function rejectedRowReference(referenceId: string | null): string | null {
  return referenceId !== null && /\d{9,}/.test(referenceId.replace(/-/g, '')) ? null : referenceId;
}

// Excel shows long digit strings as e.g. 5.01E+13 and saves them that way, losing digits.
const SCIENTIFIC = /^\d+([.,]\d+)?e[+-]?\d+$/i;

// Maps, not object literals, so cells like "constructor" do not hit Object.prototype members.
const TYPE_ALIASES: ReadonlyMap<string, PayeeInput['type']> = new Map(Object.entries({
  bank_account: 'bank_account',
  bank: 'bank_account',
  account: 'bank_account',
  vpa: 'vpa',
  upi: 'vpa',
} satisfies Record<string, PayeeInput['type']>));

const FIELD_COLUMNS: ReadonlyMap<string, CsvColumn> = new Map(Object.entries({
  'bank_account.account_number': 'account_number',
  'bank_account.ifsc': 'ifsc',
  bank_account: 'account_number',
  vpa: 'vpa',
  rail: 'rail',
  name: 'name',
  type: 'type',
} satisfies Record<string, CsvColumn>));

/** Maps a precheck failure's `field` to the CSV column the client should fix. */
export function precheckFieldToColumn(field: string): string | null {
  return FIELD_COLUMNS.get(field) ?? null;
}

function reject(column: CsvColumn | null, code: string, message: string): RowResult {
  return { ok: false, rejection: { column, code, message } };
}

// Empty cells become absent keys, so precheck applies its defaults (IMPS/UPI, no expected name).
function withOptional(payee: PayeeInput, cells: { vpa?: string; rail: string; name: string }): PayeeInput {
  if (cells.vpa !== undefined && cells.vpa !== '') payee.vpa = cells.vpa;
  if (cells.rail !== '') payee.rail = cells.rail;
  if (cells.name !== '') payee.name = cells.name;
  return payee;
}

// Messages never echo cell values: any cell may hold an account number typed in the wrong column.
export function recordToInput(record: readonly string[], header: HeaderMap, expectedColumns: number): RowResult {
  const cells = record.map((cell) => cell.trim());
  if (cells.every((cell) => cell === '')) return reject(null, 'batch.empty_row', 'The row is empty.');
  if (cells.length !== expectedColumns) {
    return reject(null, 'batch.wrong_column_count', `The row has ${cells.length} columns; the header has ${expectedColumns}.`);
  }
  const cell = (column: CsvColumn): string => {
    const i = header.index[column];
    return i === undefined ? '' : (cells[i] ?? '');
  };

  const rawReference = cell('reference_id');
  if (rawReference !== '' && !isReferenceId(rawReference)) {
    return reject(
      'reference_id',
      'batch.invalid_reference_id',
      `reference_id must be at most ${MAX_REFERENCE_ID_LENGTH} characters of letters, digits and . _ : / -`,
    );
  }
  const referenceId = rawReference === '' ? null : rawReference;

  const accountNumber = cell('account_number');
  const vpa = cell('vpa');
  const rawType = cell('type').toLowerCase();
  let type: PayeeInput['type'] | undefined;
  if (rawType === '') {
    type = accountNumber !== '' ? 'bank_account' : vpa !== '' ? 'vpa' : undefined;
    if (type === undefined) {
      return reject('account_number', 'validation.missing_field', 'Either account_number + ifsc or vpa is required.');
    }
  } else {
    type = TYPE_ALIASES.get(rawType);
    if (type === undefined) return reject('type', 'batch.invalid_type', "type must be 'bank_account' or 'vpa' (or leave it empty).");
  }

  const rail = cell('rail');
  const name = cell('name');
  // ERP exports often fill both account and VPA columns; the row's type decides which one counts.
  if (type === 'vpa') return { ok: true, input: { payee: withOptional({ type }, { vpa, rail, name }), referenceId } };

  if (SCIENTIFIC.test(accountNumber)) {
    return reject(
      'account_number',
      'validation.invalid_account_number',
      'account_number is in scientific notation (like 1.23E+13): a spreadsheet mangled it and lost digits. Format the column as text and export again.',
    );
  }
  const payee = withOptional({ type, bank_account: { account_number: accountNumber, ifsc: cell('ifsc') } }, { rail, name });
  return { ok: true, input: { payee, referenceId } };
}
