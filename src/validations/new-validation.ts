import type { FieldCipher } from '../platform/field-cipher.js';
import { last4 } from '../bank-data/account-number.js';
import type { NormalizedPayee } from './payee-precheck.js';
import type { NewValidation } from './validation-store.js';
import { sealNewFields } from './personal-fields.js';

/** AAD binds each ciphertext to its row, so a ciphertext copied onto another row will not decrypt. */
export const accountAad = (validationId: string): string => `validations.account_number:${validationId}`;

export type BlindIndexer = (parts: readonly string[]) => string;

/** What a payee's blind index is computed from. */
export type IndexedPayee =
  | Pick<Extract<NormalizedPayee, { type: 'bank_account' }>, 'type' | 'ifsc' | 'accountNumber'>
  | Pick<Extract<NormalizedPayee, { type: 'vpa' }>, 'type' | 'vpa'>;

/** Per tenant, so two tenants' rows for the same account cannot be correlated. */
export function payeeBlindIndex(blindIndex: BlindIndexer, tenantId: string, payee: IndexedPayee): string {
  return payee.type === 'bank_account'
    ? blindIndex(['bank_account', tenantId, payee.ifsc, payee.accountNumber])
    : blindIndex(['vpa', tenantId, payee.vpa]);
}

/**
 * The row for a checked payee: the account number leaves this function only as ciphertext, blind
 * index and last four digits; the VPA, name and metadata are stored only as ciphertexts (kept in clear
 * here for the answer the client gets at once). Shared by single validations and every batch row.
 */
export function buildNewValidation(
  payee: NormalizedPayee,
  ids: { id: string; tenantId: string; livemode: boolean; referenceId: string | null; metadata: Record<string, string> | null },
  cipher: FieldCipher,
  blindIndex: BlindIndexer,
): NewValidation {
  const bank = payee.type === 'bank_account' ? payee : null;
  const vpa = payee.type === 'vpa' ? payee.vpa : null;
  return {
    id: ids.id,
    tenantId: ids.tenantId,
    livemode: ids.livemode,
    type: payee.type,
    rail: payee.rail,
    accountCiphertext: bank ? cipher.encrypt(bank.accountNumber, accountAad(ids.id)) : null,
    accountBlindIndex: payeeBlindIndex(blindIndex, ids.tenantId, payee),
    accountLast4: bank ? last4(bank.accountNumber) : null,
    ifsc: bank ? bank.ifsc : null,
    bankName: bank ? bank.bankName : null,
    vpa,
    expectedName: payee.expectedName,
    referenceId: ids.referenceId,
    metadata: ids.metadata,
    sealed: sealNewFields(cipher, ids.id, { vpa, expectedName: payee.expectedName, metadata: ids.metadata }),
  };
}
