// The simulator's behaviour as a pure function of the input, so tests and demos can pick an outcome
// by choosing an account number or VPA.

export type SandboxStatus = 'VALID' | 'INVALID' | 'BLOCKED' | 'CLOSED' | 'NRE';

export type SandboxOutcome =
  | { kind: 'result'; status: SandboxStatus; nameAtBank: string | null }
  | { kind: 'hang' }
  | { kind: 'error'; httpStatus: 503 };

export type SandboxInput = { type: 'bank_account'; accountNumber: string } | { type: 'vpa'; vpa: string };

/** Indexed by the account number's last digit. */
export const SANDBOX_NAMES: readonly string[] = Object.freeze([
  'ANITA SHARMA',
  'RAMESH KUMAR',
  'PRIYA NAIR',
  'MOHAMMED IRFAN',
  'GURPREET SINGH',
  'LAKSHMI KRISHNAN',
  'JOHN DSOUZA',
  'SUNITA DEVI',
  'ARJUN REDDY',
  'FATIMA SHAIKH',
]);

export const SANDBOX_UPI_FALLBACK_NAME = 'SANDBOX UPI USER';

/** How many leading calls per reference fail with 503 for the "flaky" magic values. */
const FLAKY_FAILURES = 2;

/** @param callNumber 1 for the first call carrying this reference, 2 for its first retry, … */
export function decideSandboxOutcome(input: SandboxInput, callNumber: number): SandboxOutcome {
  return input.type === 'bank_account'
    ? decideForAccount(input.accountNumber, callNumber)
    : decideForVpa(input.vpa, callNumber);
}

function decideForAccount(accountNumber: string, callNumber: number): SandboxOutcome {
  const name = nameForAccount(accountNumber);
  switch (accountNumber.slice(-4)) {
    case '0000':
      return result('INVALID', null);
    case '1111':
      return { kind: 'hang' };
    case '2222':
      return result('BLOCKED', null);
    case '3333':
      return result('NRE', name);
    case '4444':
      return result('CLOSED', null);
    case '5555':
      return callNumber <= FLAKY_FAILURES ? unavailable() : result('VALID', name);
    default:
      return result('VALID', name);
  }
}

function decideForVpa(vpa: string, callNumber: number): SandboxOutcome {
  const at = vpa.indexOf('@');
  const localPart = (at === -1 ? vpa : vpa.slice(0, at)).toLowerCase();
  switch (localPart) {
    case 'invalid':
      return result('INVALID', null);
    case 'timeout':
      return { kind: 'hang' };
    case 'blocked':
      return result('BLOCKED', null);
    case 'flaky':
      return callNumber <= FLAKY_FAILURES ? unavailable() : result('VALID', nameFromVpaLocalPart(localPart));
    default:
      return result('VALID', nameFromVpaLocalPart(localPart));
  }
}

function nameForAccount(accountNumber: string): string {
  const lastDigit = Number.parseInt(accountNumber.slice(-1), 10);
  // Non-digit endings only reach here through direct calls; the server rejects them first.
  return SANDBOX_NAMES[Number.isNaN(lastDigit) ? 0 : lastDigit] ?? SANDBOX_UPI_FALLBACK_NAME;
}

/** `ramesh.kumar99@okaxis` → `RAMESH KUMAR`. */
export function nameFromVpaLocalPart(localPart: string): string {
  const words = localPart
    .split(/[._-]/)
    .map((w) => w.replace(/[0-9]/g, '').toUpperCase())
    .filter((w) => w.length > 0);
  return words.length > 0 ? words.join(' ') : SANDBOX_UPI_FALLBACK_NAME;
}

function result(status: SandboxStatus, nameAtBank: string | null): SandboxOutcome {
  return { kind: 'result', status, nameAtBank };
}

function unavailable(): SandboxOutcome {
  return { kind: 'error', httpStatus: 503 };
}
