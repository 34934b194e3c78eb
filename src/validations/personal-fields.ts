// The payee's VPA, names and metadata on a `validations` row are under the field cipher like its account
// number (docs/decisions/0039): each in a `*_ciphertext` column of its own, bound to the row by its AAD,
// so a ciphertext copied onto another row does not open. New rows leave the plaintext columns NULL.
// Rows written before keep their plaintext until `payval keys encrypt-personal` moves it over; readers
// take the ciphertext when there is one and the plaintext column otherwise.
import type { FieldCipher } from '../platform/field-cipher.js';
import { parseJsonColumn } from '../platform/db.js';

export const vpaAad = (validationId: string): string => `validations.vpa:${validationId}`;
export const expectedNameAad = (validationId: string): string => `validations.expected_name:${validationId}`;
export const registeredNameAad = (validationId: string): string => `validations.registered_name:${validationId}`;
export const metadataAad = (validationId: string): string => `validations.metadata:${validationId}`;

export interface PersonalFields {
  vpa: string | null;
  expectedName: string | null;
  registeredName: string | null;
  metadata: Record<string, string> | null;
}

/** Each encrypted field: its plaintext column (NULL on new rows), its ciphertext column and its AAD. */
export const PERSONAL_COLUMNS = [
  { plain: 'vpa', sealed: 'vpa_ciphertext', aad: vpaAad },
  { plain: 'expected_name', sealed: 'expected_name_ciphertext', aad: expectedNameAad },
  { plain: 'registered_name', sealed: 'registered_name_ciphertext', aad: registeredNameAad },
  { plain: 'metadata', sealed: 'metadata_ciphertext', aad: metadataAad },
] as const;

/** A JSON column's text: MySQL 8 hands JSON columns back parsed, MariaDB as text. */
export function jsonText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const seal = (cipher: FieldCipher, plain: string | null, aad: string): string | null => (plain === null ? null : cipher.encrypt(plain, aad));

/** The stored text of a field: its ciphertext opened, or the plaintext column of a row written before. */
function opened(cipher: FieldCipher, sealed: unknown, plain: unknown, aad: string): string | null {
  if (typeof sealed === 'string') return cipher.decrypt(sealed, aad);
  return plain === null || plain === undefined ? null : String(plain);
}

/** The personal fields of a stored `validations` row (its `id` and both columns of each field). */
export function openPersonalFields(cipher: FieldCipher, row: Record<string, unknown>): PersonalFields {
  const id = String(row.id);
  const metadata = typeof row.metadata_ciphertext === 'string' ? cipher.decrypt(row.metadata_ciphertext, metadataAad(id)) : row.metadata;
  return {
    vpa: opened(cipher, row.vpa_ciphertext, row.vpa, vpaAad(id)),
    expectedName: opened(cipher, row.expected_name_ciphertext, row.expected_name, expectedNameAad(id)),
    registeredName: opened(cipher, row.registered_name_ciphertext, row.registered_name, registeredNameAad(id)),
    metadata: parseJsonColumn<Record<string, string>>(metadata),
  };
}

/** What a new row stores of the fields a client gave: ciphertexts only. */
export interface SealedNewFields {
  vpaCiphertext: string | null;
  expectedNameCiphertext: string | null;
  metadataCiphertext: string | null;
}

export function sealNewFields(cipher: FieldCipher, validationId: string, f: Pick<PersonalFields, 'vpa' | 'expectedName' | 'metadata'>): SealedNewFields {
  return {
    vpaCiphertext: seal(cipher, f.vpa, vpaAad(validationId)),
    expectedNameCiphertext: seal(cipher, f.expectedName, expectedNameAad(validationId)),
    metadataCiphertext: seal(cipher, f.metadata ? JSON.stringify(f.metadata) : null, metadataAad(validationId)),
  };
}

/** The partner's holder name as the completing row stores it (a reused answer's name is sealed again for this row). */
export const sealRegisteredName = (cipher: FieldCipher, validationId: string, name: string | null): string | null =>
  seal(cipher, name, registeredNameAad(validationId));
