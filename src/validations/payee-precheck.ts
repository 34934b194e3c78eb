import { isValidAccountNumber, normalizeAccountNumber } from '../bank-data/account-number.js';
import { isIfscFormat, lookupIfsc } from '../bank-data/ifsc-directory.js';
import { isValidVpa, normalizeVpa } from '../bank-data/vpa.js';

export type PayeeInput = {
  type: 'bank_account' | 'vpa';
  bank_account?: { account_number: string; ifsc: string };
  vpa?: string;
  rail?: string;
  name?: string | null;
};

export type NormalizedPayee =
  | { type: 'bank_account'; accountNumber: string; ifsc: string; bankName: string; rail: 'IMPS' | 'NEFT'; expectedName: string | null }
  | { type: 'vpa'; vpa: string; rail: 'UPI'; expectedName: string | null };

export type PrecheckCode =
  | 'validation.missing_field'
  | 'validation.unexpected_field'
  | 'validation.invalid_account_number'
  | 'validation.invalid_ifsc'
  | 'validation.unknown_ifsc'
  | 'validation.invalid_vpa'
  | 'validation.invalid_rail'
  | 'validation.invalid_name';

export interface PrecheckFailure {
  code: PrecheckCode;
  field: string;
  message: string;
}

export type PrecheckResult = { ok: true; payee: NormalizedPayee } | { ok: false; error: PrecheckFailure };

const MAX_NAME_LENGTH = 140;

class PrecheckError extends Error {
  constructor(readonly failure: PrecheckFailure) {
    super(failure.message);
  }
}

function fail(code: PrecheckCode, field: string, message: string): never {
  throw new PrecheckError({ code, field, message });
}

// Callers schema-check first, but JSON and CSV rows can still carry null or blank values.
function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function requireText(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') fail('validation.missing_field', field, `${field} is required.`);
  return value;
}

function normalizeName(raw: string | null | undefined): string | null {
  if (!present(raw)) return null;
  if (typeof raw !== 'string') fail('validation.invalid_name', 'name', 'name must be a string.');
  const trimmed = raw.trim();
  if (trimmed === '') return null;
  // Checked before collapsing whitespace so embedded tabs and newlines are rejected, not hidden.
  if (/\p{Cc}/u.test(trimmed)) fail('validation.invalid_name', 'name', 'name must not contain control characters.');
  const name = trimmed.replace(/\s+/g, ' ');
  if ([...name].length > MAX_NAME_LENGTH) fail('validation.invalid_name', 'name', `name must be at most ${MAX_NAME_LENGTH} characters.`);
  if (!/\p{L}/u.test(name)) fail('validation.invalid_name', 'name', 'name must contain at least one letter.');
  return name;
}

function normalizeRail<R extends string>(raw: unknown, allowed: readonly R[], fallback: R, type: string): R {
  if (!present(raw)) return fallback;
  const rail = typeof raw === 'string' ? raw.trim().toUpperCase() : '';
  const match = allowed.find((r) => r === rail);
  if (match === undefined) fail('validation.invalid_rail', 'rail', `rail must be ${allowed.join(' or ')} for ${type} payees.`);
  return match;
}

function precheckBankAccount(input: PayeeInput): NormalizedPayee {
  if (!present(input.bank_account)) fail('validation.missing_field', 'bank_account', 'bank_account is required when type is bank_account.');
  if (present(input.vpa)) fail('validation.unexpected_field', 'vpa', 'vpa must not be sent when type is bank_account.');
  const account = input.bank_account as { account_number?: unknown; ifsc?: unknown };

  const accountNumber = normalizeAccountNumber(requireText(account.account_number, 'bank_account.account_number'));
  if (!isValidAccountNumber(accountNumber)) {
    fail('validation.invalid_account_number', 'bank_account.account_number', 'bank_account.account_number must be 9 to 18 digits (spaces and dashes are ignored).');
  }

  // Malformed IFSCs and VPAs are not echoed: clients sometimes paste an account number or a
  // phone-number VPA into the wrong field.
  const ifsc = requireText(account.ifsc, 'bank_account.ifsc').trim().toUpperCase();
  if (!isIfscFormat(ifsc)) {
    fail('validation.invalid_ifsc', 'bank_account.ifsc', 'bank_account.ifsc is malformed: expected 4 letters, a zero, then 6 letters or digits (e.g. HDFC0000001).');
  }
  const info = lookupIfsc(ifsc);
  if (!info) fail('validation.unknown_ifsc', 'bank_account.ifsc', `IFSC '${ifsc}' is not a known bank branch.`);

  const rail = normalizeRail(input.rail, ['IMPS', 'NEFT'] as const, 'IMPS', 'bank_account');
  return { type: 'bank_account', accountNumber, ifsc, bankName: info.bankName, rail, expectedName: normalizeName(input.name) };
}

function precheckVpa(input: PayeeInput): NormalizedPayee {
  if (!present(input.vpa)) fail('validation.missing_field', 'vpa', 'vpa is required when type is vpa.');
  if (present(input.bank_account)) fail('validation.unexpected_field', 'bank_account', 'bank_account must not be sent when type is vpa.');
  const vpa = normalizeVpa(requireText(input.vpa, 'vpa'));
  if (!isValidVpa(vpa)) fail('validation.invalid_vpa', 'vpa', 'vpa is malformed: expected handle@psp (e.g. name@okbank).');
  const rail = normalizeRail(input.rail, ['UPI'] as const, 'UPI', 'vpa');
  return { type: 'vpa', vpa, rail, expectedName: normalizeName(input.name) };
}

export function precheckPayee(input: PayeeInput): PrecheckResult {
  try {
    if (input.type === 'bank_account') return { ok: true, payee: precheckBankAccount(input) };
    if (input.type === 'vpa') return { ok: true, payee: precheckVpa(input) };
    return { ok: false, error: { code: 'validation.missing_field', field: 'type', message: "type must be 'bank_account' or 'vpa'." } };
  } catch (err) {
    if (err instanceof PrecheckError) return { ok: false, error: err.failure };
    throw err;
  }
}
