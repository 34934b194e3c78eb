import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { CSV_COLUMNS, mapHeader, type HeaderMap } from '../../src/batches/csv-columns.js';
import { precheckFieldToColumn, recordToInput, rejectedRowReference, type RowInput, type RowRejection } from '../../src/batches/csv-row.js';
import { precheckPayee } from '../../src/validations/payee-precheck.js';

// Canonical order: type, account_number, ifsc, rail, vpa, name, reference_id
const HEADER: HeaderMap = { index: { type: 0, account_number: 1, ifsc: 2, rail: 3, vpa: 4, name: 5, reference_id: 6 }, ignored: [] };
const ACCOUNT = '50100012345678';

function row(cells: Partial<Record<(typeof CSV_COLUMNS)[number], string>>): string[] {
  return CSV_COLUMNS.map((column) => cells[column] ?? '');
}

function accept(record: string[], header = HEADER, expected = record.length): RowInput {
  const result = recordToInput(record, header, expected);
  if (!result.ok) assert.fail(`expected a row, got ${result.rejection.code}: ${result.rejection.message}`);
  return result.input;
}

function rejectRow(record: string[], code: string, column: string | null, header = HEADER, expected = record.length): RowRejection {
  const result = recordToInput(record, header, expected);
  if (result.ok) assert.fail(`expected ${code}, got ${JSON.stringify(result.input)}`);
  assert.equal(result.rejection.code, code);
  assert.equal(result.rejection.column, column);
  assert.ok(result.rejection.message.length > 10);
  assert.ok(!result.rejection.message.includes(ACCOUNT), 'messages never carry account numbers');
  return result.rejection;
}

test('a bank account row becomes a bank_account payee with trimmed cells', () => {
  assert.deepEqual(accept(row({ type: ' bank_account ', account_number: ' 5010 0012-345678 ', ifsc: ' hdfc0000001 ', rail: ' neft ', name: '  Ravi Kumar ', reference_id: ' INV-42 ' })), {
    payee: { type: 'bank_account', bank_account: { account_number: '5010 0012-345678', ifsc: 'hdfc0000001' }, rail: 'neft', name: 'Ravi Kumar' },
    referenceId: 'INV-42',
  });
});

test('a vpa row becomes a vpa payee', () => {
  assert.deepEqual(accept(row({ type: 'VPA', vpa: 'ravi@okaxis', rail: 'UPI', name: 'Ravi' })), {
    payee: { type: 'vpa', vpa: 'ravi@okaxis', rail: 'UPI', name: 'Ravi' },
    referenceId: null,
  });
});

test('type is inferred from which cells are filled', () => {
  assert.equal(accept(row({ account_number: ACCOUNT, ifsc: 'HDFC0000001' })).payee.type, 'bank_account');
  assert.equal(accept(row({ vpa: 'ravi@okaxis' })).payee.type, 'vpa');
  assert.equal(accept(row({ account_number: ACCOUNT, ifsc: 'HDFC0000001', vpa: 'ravi@okaxis' })).payee.type, 'bank_account', 'account wins');
  const rejection = rejectRow(row({ name: 'Ravi', ifsc: 'HDFC0000001' }), 'validation.missing_field', 'account_number');
  assert.match(rejection.message, /account_number \+ ifsc or vpa/);
});

test('explicit type aliases are accepted case-insensitively', () => {
  for (const type of ['bank_account', 'BANK', 'Account', 'Bank_Account']) {
    assert.equal(accept(row({ type, account_number: ACCOUNT, ifsc: 'HDFC0000001' })).payee.type, 'bank_account', type);
  }
  for (const type of ['vpa', 'UPI', 'Vpa']) assert.equal(accept(row({ type, vpa: 'a@b' })).payee.type, 'vpa', type);
});

test('an unknown type is rejected on the type column', () => {
  for (const type of ['card', 'bank account', 'neft', '1', 'constructor', '__proto__', 'toString']) {
    rejectRow(row({ type, account_number: ACCOUNT, ifsc: 'HDFC0000001' }), 'batch.invalid_type', 'type');
  }
});

test('a bank row ignores a vpa cell and a vpa row ignores account cells', () => {
  assert.deepEqual(accept(row({ type: 'bank', account_number: ACCOUNT, ifsc: 'HDFC0000001', vpa: 'ravi@okaxis' })).payee, {
    type: 'bank_account',
    bank_account: { account_number: ACCOUNT, ifsc: 'HDFC0000001' },
  });
  assert.deepEqual(accept(row({ type: 'upi', account_number: ACCOUNT, ifsc: 'HDFC0000001', vpa: 'ravi@okaxis' })).payee, { type: 'vpa', vpa: 'ravi@okaxis' });
});

test('empty rail and name are left out so precheck applies its defaults', () => {
  const input = accept(row({ account_number: ACCOUNT, ifsc: 'HDFC0000001', rail: '  ', name: '' }));
  assert.deepEqual(input.payee, { type: 'bank_account', bank_account: { account_number: ACCOUNT, ifsc: 'HDFC0000001' } });
  const checked = precheckPayee(input.payee);
  assert.ok(checked.ok);
  assert.equal(checked.payee.rail, 'IMPS');
  assert.equal(checked.payee.expectedName, null);
});

test('rail is passed through for precheck to judge', () => {
  const input = accept(row({ vpa: 'ravi@okaxis', rail: 'neft' }));
  assert.equal(input.payee.rail, 'neft');
  const checked = precheckPayee(input.payee);
  assert.equal(!checked.ok && checked.error.code, 'validation.invalid_rail');
  assert.equal(!checked.ok && precheckFieldToColumn(checked.error.field), 'rail');
});

test('explicit type with its key cell empty is left to precheck, which names the column', () => {
  const bank = accept(row({ type: 'bank_account', vpa: 'ravi@okaxis', ifsc: 'HDFC0000001' }));
  const bankCheck = precheckPayee(bank.payee);
  assert.ok(!bankCheck.ok);
  assert.equal(bankCheck.error.code, 'validation.missing_field');
  assert.equal(precheckFieldToColumn(bankCheck.error.field), 'account_number');

  const vpa = accept(row({ type: 'vpa', account_number: ACCOUNT }));
  assert.deepEqual(vpa.payee, { type: 'vpa' });
  const vpaCheck = precheckPayee(vpa.payee);
  assert.ok(!vpaCheck.ok);
  assert.equal(precheckFieldToColumn(vpaCheck.error.field), 'vpa');
});

test('a missing ifsc on a bank row reaches precheck as blank', () => {
  const header: HeaderMap = { index: { account_number: 0, vpa: 1, type: 2 }, ignored: [] };
  const input = accept(['', 'x@y', ''], header);
  assert.equal(input.payee.type, 'vpa');
  const bank = accept([ACCOUNT, '', 'bank'], header);
  assert.deepEqual(bank.payee.bank_account, { account_number: ACCOUNT, ifsc: '' });
  const checked = precheckPayee(bank.payee);
  assert.equal(!checked.ok && precheckFieldToColumn(checked.error.field), 'ifsc');
});

test('spreadsheet scientific notation in account_number is rejected', () => {
  for (const mangled of ['5.01E+13', '5.01e13', '50100E+9', '5,01E+13', '1.23456789012E+17']) {
    const rejection = rejectRow(row({ account_number: mangled, ifsc: 'HDFC0000001' }), 'validation.invalid_account_number', 'account_number');
    assert.match(rejection.message, /spreadsheet/);
    assert.ok(!rejection.message.includes(mangled));
  }
  // Only when it is an account row: the cell is ignored for vpa rows.
  assert.equal(accept(row({ type: 'vpa', account_number: '5.01E+13', vpa: 'a@b' })).payee.type, 'vpa');
});

test('reference_id: empty is null, valid characters pass, long or odd ones are rejected', () => {
  assert.equal(accept(row({ vpa: 'a@b', reference_id: '  ' })).referenceId, null);
  const ok = 'Ab9._:/-'.padEnd(64, 'x');
  assert.equal(accept(row({ vpa: 'a@b', reference_id: ok })).referenceId, ok);
  for (const bad of [ok + 'x', 'INV 42', 'INV#42', 'réf-1', 'a,b', '=HYPERLINK()', `acct ${ACCOUNT}`]) {
    const rejection = rejectRow(row({ vpa: 'a@b', reference_id: bad }), 'batch.invalid_reference_id', 'reference_id');
    assert.match(rejection.message, /64/);
  }
});

test('a record with the wrong number of columns is rejected without a column', () => {
  rejectRow([ACCOUNT, 'HDFC0000001'], 'batch.wrong_column_count', null, HEADER, 7);
  const rejection = rejectRow([...row({ vpa: 'a@b' }), 'extra'], 'batch.wrong_column_count', null, HEADER, 7);
  assert.match(rejection.message, /8 columns.*7/);
});

test('a blank record is an empty row, whatever its length', () => {
  rejectRow(row({}), 'batch.empty_row', null);
  rejectRow([''], 'batch.empty_row', null, HEADER, 7);
  rejectRow([' ', '\t'], 'batch.empty_row', null, HEADER, 7);
});

test('precheck fields map to CSV columns', () => {
  assert.equal(precheckFieldToColumn('bank_account.account_number'), 'account_number');
  assert.equal(precheckFieldToColumn('bank_account.ifsc'), 'ifsc');
  assert.equal(precheckFieldToColumn('bank_account'), 'account_number');
  assert.equal(precheckFieldToColumn('vpa'), 'vpa');
  assert.equal(precheckFieldToColumn('rail'), 'rail');
  assert.equal(precheckFieldToColumn('name'), 'name');
  assert.equal(precheckFieldToColumn('type'), 'type');
  assert.equal(precheckFieldToColumn('amount'), null);
  assert.equal(precheckFieldToColumn('toString'), null);
});

// --- Whole files, as an ERP or spreadsheet writes them -------------------------------------

function parseCsv(text: string | Buffer): { header: HeaderMap; rows: ReturnType<typeof recordToInput>[] } {
  const records = parse(text, { bom: true, relax_column_count: true, skip_empty_lines: true, trim: true }) as string[][];
  const [first, ...data] = records;
  assert.ok(first);
  const checked = mapHeader(first);
  if (!checked.ok) assert.fail(`${checked.code}: ${checked.message}`);
  return { header: checked.header, rows: data.map((record) => recordToInput(record, checked.header, first.length)) };
}

function inputs(rows: ReturnType<typeof recordToInput>[]): RowInput[] {
  return rows.map((r) => {
    if (!r.ok) assert.fail(`${r.rejection.code}: ${r.rejection.message}`);
    return r.input;
  });
}

test('CSV: BOM, CRLF, mixed-case headers in another order, extra ERP columns', () => {
  const text = Buffer.from(
    '\uFEFFVendor Code,Payee Name,IFSC Code,Account No.,GSTIN,Amount\r\n' +
      'V001,Ravi Kumar,HDFC0000001,5010 0012 345678,29ABCDE1234F1Z5,1200.50\r\n' +
      'V002,Asha Rao,sbin0000001,0012-3456-789,,75\r\n',
    'utf8',
  );
  const { header, rows } = parseCsv(text);
  assert.deepEqual(header, { index: { name: 1, ifsc: 2, account_number: 3 }, ignored: ['Vendor Code', 'GSTIN', 'Amount'] });
  const [ravi, asha] = inputs(rows);
  assert.deepEqual(ravi, { payee: { type: 'bank_account', bank_account: { account_number: '5010 0012 345678', ifsc: 'HDFC0000001' }, name: 'Ravi Kumar' }, referenceId: null });
  const checked = precheckPayee(asha!.payee);
  assert.ok(checked.ok);
  assert.deepEqual(checked.payee, { type: 'bank_account', accountNumber: '00123456789', ifsc: 'SBIN0000001', bankName: 'State Bank of India', rail: 'IMPS', expectedName: 'Asha Rao' });
});

test('CSV: quoted fields with commas, doubled quotes and embedded newlines', () => {
  const text =
    'reference_id,beneficiary_name,upi_id,account_number,ifsc,mode\n' +
    'R-1,"Kumar, Ravi",ravi@okaxis,,,UPI\n' +
    'R-2,"Sharma ""Sonu""\nTraders",,"123-456-789-012","HDFC0000001",neft\n' +
    '\n' +
    'R-3,"Asha",,"  ",,\n';
  const { rows } = parseCsv(text);
  assert.equal(rows.length, 3, 'the blank line is skipped by the parser');
  const [r1, r2, r3] = rows;
  assert.deepEqual(r1, { ok: true, input: { payee: { type: 'vpa', vpa: 'ravi@okaxis', rail: 'UPI', name: 'Kumar, Ravi' }, referenceId: 'R-1' } });
  assert.ok(r2?.ok);
  assert.equal(r2.input.payee.name, 'Sharma "Sonu"\nTraders');
  assert.equal(r2.input.payee.bank_account?.account_number, '123-456-789-012');
  // The embedded newline reaches precheck, which refuses control characters in names.
  const checked = precheckPayee(r2.input.payee);
  assert.equal(!checked.ok && checked.error.code, 'validation.invalid_name');
  assert.deepEqual(r3, { ok: false, rejection: { column: 'account_number', code: 'validation.missing_field', message: 'Either account_number + ifsc or vpa is required.' } });
});

test('CSV: short and long lines, spreadsheet-mangled numbers and bad references in one upload', () => {
  const text =
    'Account Number,IFSC,Name,Ref\r\n' +
    '5.01E+13,HDFC0000001,Ravi,A1\r\n' +
    '501000123456,HDFC0000001\r\n' +
    '501000123456,HDFC0000001,Ravi,A3,surplus\r\n' +
    ',,,\r\n' +
    '501000123456,HDFC0000001,Ravi,A 5\r\n' +
    '501000123456,HDFC0000001,Ravi,A6\r\n';
  const { rows } = parseCsv(text);
  assert.deepEqual(
    rows.map((r) => (r.ok ? 'ok' : r.rejection.code)),
    ['validation.invalid_account_number', 'batch.wrong_column_count', 'batch.wrong_column_count', 'batch.empty_row', 'batch.invalid_reference_id', 'ok'],
  );
});

test('a rejected row keeps its reference unless it could be an account number', () => {
  for (const kept of ['vendor-42', 'INV-2024-0001', 'ref.12345678', 'a:b/c_d', null]) assert.equal(rejectedRowReference(kept), kept);
  // 9 to 18 digits (or more), alone, inside a reference, or split by dashes as account numbers may be.
  for (const dropped of ['123456789', ACCOUNT, `ref-${ACCOUNT}`, '5010-0012-3456-78', '50100012345678901234']) {
    assert.equal(rejectedRowReference(dropped), null, dropped);
  }
});
