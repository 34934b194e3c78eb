// The Cashfree simulator's outcomes as pure functions of the input, so tests and demos can pick one
// by choosing an account number or VPA: the sandbox's magic values (sandbox-rules.ts) in Cashfree's
// vocabulary, plus Cashfree's own documented sandbox test data.

import { nameFromVpaLocalPart, SANDBOX_NAMES, SANDBOX_UPI_FALLBACK_NAME } from '../../sandbox/sandbox-rules.js';
import type { CashfreeAccountStatus, CashfreeAccountStatusCode, CashfreeUpiStatus } from '../../cashfree/cashfree-types.js';

export type CashfreeBavOutcome =
  | { kind: 'hang' }
  | { kind: 'insufficient_balance' }
  /** `billed`: Cashfree verified something. `receivedFirst`: the async call answers RECEIVED. */
  | { kind: 'answer'; status: CashfreeAccountStatus; code: CashfreeAccountStatusCode; name: string | null; billed: boolean; receivedFirst: boolean };

export type CashfreeUpiOutcome =
  | { kind: 'hang' }
  | { kind: 'insufficient_balance' }
  | { kind: 'unavailable' }
  | { kind: 'answer'; status: CashfreeUpiStatus; name: string | null };

/** How many leading verification requests per id fail for the "flaky" magic values. */
const FLAKY_FAILURES = 2;

const answer = (status: CashfreeAccountStatus, code: CashfreeAccountStatusCode, name: string | null = null, billed = true, receivedFirst = false): CashfreeBavOutcome => ({
  kind: 'answer', status, code, name, billed, receivedFirst,
});
const bankFailure = (code: CashfreeAccountStatusCode): CashfreeBavOutcome => answer('FAILED', code, null, false);

// Cashfree's sandbox test data (sample-responses-from-bank): whole account numbers.
const DOCUMENTED_ACCOUNTS: Readonly<Record<string, CashfreeBavOutcome>> = {
  '7766666585146': answer('INVALID', 'INVALID_ACCOUNT_FAIL'),
  '7766667287515': answer('INVALID', 'INVALID_IFSC_FAIL'),
  '7766667989884': answer('INVALID', 'ACCOUNT_BLOCKED'),
  '7766667755761': answer('INVALID', 'NRE_ACCOUNT_FAIL', 'SANDBOX NRE HOLDER'),
  '50101329442375': { kind: 'insufficient_balance' },
  '7766674831270': bankFailure('SOURCE_BANK_DECLINED'),
  '7766668692253': bankFailure('BENEFICIARY_BANK_OFFLINE'),
};

/** @param attempt 1 for the first verification request under this id, 2 for the next, … */
export function decideCashfreeBav(accountNumber: string, attempt: number): CashfreeBavOutcome {
  const documented = DOCUMENTED_ACCOUNTS[accountNumber];
  if (documented) return documented;
  const name = SANDBOX_NAMES[Number.parseInt(accountNumber.slice(-1), 10)] ?? SANDBOX_UPI_FALLBACK_NAME;
  switch (accountNumber.slice(-4)) {
    case '0000':
      return answer('INVALID', 'INVALID_ACCOUNT_FAIL');
    case '1111':
      return { kind: 'hang' };
    case '2222':
      return answer('INVALID', 'ACCOUNT_BLOCKED');
    case '3333':
      return answer('INVALID', 'NRE_ACCOUNT_FAIL', name);
    case '4444': // BAV has no "closed" code: a closed account fails the penny credit like a missing one.
      return answer('INVALID', 'INVALID_ACCOUNT_FAIL');
    case '5555':
      return attempt <= FLAKY_FAILURES ? bankFailure('BENEFICIARY_BANK_OFFLINE') : answer('VALID', 'ACCOUNT_IS_VALID', name);
    case '6666':
      return answer('VALID', 'ACCOUNT_IS_VALID', name, true, true);
    case '7777':
      return answer('REJECTED', 'FRAUD_ACCOUNT');
    case '8888':
      return answer('REJECTED', 'BAV_BLOCKED', null, false);
    case '9999':
      return bankFailure('IMPS_MODE_FAIL');
    default:
      return answer('VALID', 'ACCOUNT_IS_VALID', name);
  }
}

export function decideCashfreeUpi(vpa: string, attempt: number): CashfreeUpiOutcome {
  const at = vpa.indexOf('@');
  const local = (at === -1 ? vpa : vpa.slice(0, at)).toLowerCase();
  const valid = (): CashfreeUpiOutcome => ({ kind: 'answer', status: 'VALID', name: nameFromVpaLocalPart(local) });
  switch (local) {
    case 'invalid':
    case 'incorrect': // Cashfree's documented failing test VPAs: invalid@upi, incorrect@upi.
    case 'blocked': // UPI v2 has no "blocked" status; INVALID is the nearest.
      return { kind: 'answer', status: 'INVALID', name: null };
    case 'expired':
      return { kind: 'answer', status: 'EXPIRED', name: null };
    case 'nameincorrect':
      return { kind: 'answer', status: 'NPCI_NAME_INCORRECT', name: 'XXXXX' };
    case 'timeout':
      return { kind: 'hang' };
    case 'nobalance':
      return { kind: 'insufficient_balance' };
    case 'flaky':
      return attempt <= FLAKY_FAILURES ? { kind: 'unavailable' } : valid();
    default: // `pending@` too: UPI v2 is synchronous and has no pending state.
      return valid();
  }
}
