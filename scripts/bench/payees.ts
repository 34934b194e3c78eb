// Distinct, valid single-validation bodies for load: 90 % bank accounts (IMPS/NEFT, IFSCs the offline
// directory knows), 10 % VPAs. Every payee is new (no answer reuse, no single-flight sharing) and
// avoids the sandbox's magic endings, so each one is one plain partner call answered VALID.
import { randomInt } from 'node:crypto';
import { SANDBOX_NAMES } from '../../src/partners/sandbox/sandbox-rules.js';
import { benchIfscs } from './csv-generator.js';

export interface PayeeBody {
  type: 'bank_account' | 'vpa';
  bank_account?: { account_number: string; ifsc: string };
  vpa?: string;
  rail: 'IMPS' | 'NEFT' | 'UPI';
  name: string;
  reference_id?: string;
}

const title = (s: string) => s.toLowerCase().replace(/\b[a-z]/g, (c) => c.toUpperCase());

/** `next()` returns a new payee each call; `prefix` keeps two factories (or two runs) apart. */
export function payeeFactory(prefix = randomInt(10_000, 99_999)): { next(): PayeeBody } {
  const ifscs = benchIfscs();
  let seq = 0;
  return {
    next() {
      seq++;
      // The last digit picks the sandbox's name for the account; 6–9 never form a magic 0000…5555 ending.
      const last = 6 + (seq % 4);
      if (seq % 10 === 0) {
        return { type: 'vpa', vpa: `payee.${prefix}.${seq}@okaxis`, rail: 'UPI', name: `Payee ${prefix} ${seq}` };
      }
      return {
        type: 'bank_account',
        bank_account: { account_number: `${prefix}${String(seq).padStart(7, '0')}${last}`, ifsc: ifscs[seq % ifscs.length]! },
        rail: seq % 3 ? 'IMPS' : 'NEFT',
        name: title(SANDBOX_NAMES[last]!),
        reference_id: `BENCH-${prefix}-${seq}`,
      };
    },
  };
}
