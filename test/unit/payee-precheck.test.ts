import { test } from 'node:test';
import assert from 'node:assert/strict';
import { precheckPayee, type PayeeInput, type PrecheckCode } from '../../src/validations/payee-precheck.js';

const ACCOUNT = '123456789012';

function expectFailure(input: PayeeInput, code: PrecheckCode, field: string): string {
  const result = precheckPayee(input);
  assert.equal(result.ok, false, `expected ${code}`);
  if (result.ok) throw new Error('unreachable');
  assert.equal(result.error.code, code);
  assert.equal(result.error.field, field);
  assert.ok(result.error.message.length > 10);
  return result.error.message;
}

test('bank account payee is normalised with defaults', () => {
  const result = precheckPayee({ type: 'bank_account', bank_account: { account_number: ' 1234-5678 9012 ', ifsc: ' hdfc0000001 ' } });
  assert.deepEqual(result, {
    ok: true,
    payee: { type: 'bank_account', accountNumber: ACCOUNT, ifsc: 'HDFC0000001', bankName: 'HDFC Bank', rail: 'IMPS', expectedName: null },
  });
});

test('bank account accepts NEFT case-insensitively and normalises the name', () => {
  const result = precheckPayee({
    type: 'bank_account',
    bank_account: { account_number: ACCOUNT, ifsc: 'SBIN0000001' },
    rail: 'neft',
    name: '  Ravi   Kumar  Sharma ',
  });
  assert.ok(result.ok);
  assert.equal(result.payee.rail, 'NEFT');
  assert.equal(result.payee.expectedName, 'Ravi Kumar Sharma');
  assert.equal(result.payee.type === 'bank_account' && result.payee.bankName, 'State Bank of India');
});

test('vpa payee is normalised with UPI default', () => {
  assert.deepEqual(precheckPayee({ type: 'vpa', vpa: ' Ravi.Kumar@OKAxis ', name: 'Ravi' }), {
    ok: true,
    payee: { type: 'vpa', vpa: 'ravi.kumar@okaxis', rail: 'UPI', expectedName: 'Ravi' },
  });
  const upi = precheckPayee({ type: 'vpa', vpa: 'ravi@ybl', rail: 'upi' });
  assert.ok(upi.ok && upi.payee.rail === 'UPI');
});

test('required and forbidden fields per type', () => {
  expectFailure({ type: 'bank_account' }, 'validation.missing_field', 'bank_account');
  expectFailure({ type: 'bank_account', bank_account: { account_number: ACCOUNT, ifsc: 'HDFC0000001' }, vpa: 'a@upi' }, 'validation.unexpected_field', 'vpa');
  expectFailure({ type: 'vpa' }, 'validation.missing_field', 'vpa');
  expectFailure({ type: 'vpa', vpa: 'ravi@ybl', bank_account: { account_number: ACCOUNT, ifsc: 'HDFC0000001' } }, 'validation.unexpected_field', 'bank_account');
  expectFailure({ type: 'vpa', vpa: '   ' }, 'validation.missing_field', 'vpa');
  expectFailure({ type: 'bank_account', bank_account: { ifsc: 'HDFC0000001' } as never }, 'validation.missing_field', 'bank_account.account_number');
  expectFailure({ type: 'bank_account', bank_account: { account_number: ACCOUNT } as never }, 'validation.missing_field', 'bank_account.ifsc');
  expectFailure({ type: 'cheque' } as never, 'validation.missing_field', 'type');
});

test('account number must be 9 to 18 digits and is never echoed', () => {
  for (const bad of ['12345678', '1234567890123456789', '12345678901A', '1234567890+1']) {
    const message = expectFailure({ type: 'bank_account', bank_account: { account_number: bad, ifsc: 'HDFC0000001' } }, 'validation.invalid_account_number', 'bank_account.account_number');
    assert.ok(!message.includes(bad), 'message must not echo the account number');
  }
});

test('IFSC: malformed vs well-formed but unknown', () => {
  const input = (ifsc: string): PayeeInput => ({ type: 'bank_account', bank_account: { account_number: ACCOUNT, ifsc } });
  expectFailure(input('HDFC1000001'), 'validation.invalid_ifsc', 'bank_account.ifsc');
  const pasted = expectFailure(input(ACCOUNT), 'validation.invalid_ifsc', 'bank_account.ifsc');
  assert.ok(!pasted.includes(ACCOUNT), 'a pasted account number is not echoed');
  const unknown = expectFailure(input('sbin0123456'), 'validation.unknown_ifsc', 'bank_account.ifsc');
  assert.match(unknown, /SBIN0123456/);
  expectFailure(input('ZZZZ0000001'), 'validation.unknown_ifsc', 'bank_account.ifsc');
});

test('rail must fit the payee type', () => {
  const bank = (rail: string): PayeeInput => ({ type: 'bank_account', bank_account: { account_number: ACCOUNT, ifsc: 'HDFC0000001' }, rail });
  expectFailure(bank('UPI'), 'validation.invalid_rail', 'rail');
  expectFailure(bank('RTGS'), 'validation.invalid_rail', 'rail');
  expectFailure(bank(''), 'validation.invalid_rail', 'rail');
  expectFailure({ type: 'vpa', vpa: 'ravi@ybl', rail: 'IMPS' }, 'validation.invalid_rail', 'rail');
});

test('name rules', () => {
  const withName = (name: string | null | undefined): PayeeInput => ({ type: 'vpa', vpa: 'ravi@ybl', name });
  const expected = (name: string | null | undefined) => {
    const r = precheckPayee(withName(name));
    assert.ok(r.ok);
    return r.payee.expectedName;
  };
  assert.equal(expected(null), null);
  assert.equal(expected(undefined), null);
  assert.equal(expected('   '), null);
  assert.equal(expected('रवि  कुमार'), 'रवि कुमार');
  assert.equal(expected('a'.repeat(140)), 'a'.repeat(140));
  expectFailure(withName('a'.repeat(141)), 'validation.invalid_name', 'name');
  expectFailure(withName('Ravi\u0000Kumar'), 'validation.invalid_name', 'name');
  expectFailure(withName('Ravi\nKumar'), 'validation.invalid_name', 'name');
  expectFailure(withName('12345 !!'), 'validation.invalid_name', 'name');
});

test('the first failing rule wins, in field order', () => {
  const result = precheckPayee({ type: 'bank_account', bank_account: { account_number: '1', ifsc: 'bad' }, rail: 'X', name: '1' });
  assert.ok(!result.ok && result.error.code === 'validation.invalid_account_number');
});
