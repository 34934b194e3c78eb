import { Counter, type Registry } from 'prom-client';
import type { FieldCipher } from './field-cipher.js';

/** The field a ciphertext belongs to, from its AAD's fixed prefix (`validations.account_number:<id>`). */
export function fieldOfAad(aad: string): string {
  const colon = aad.indexOf(':');
  const field = colon > 0 ? aad.slice(0, colon) : '';
  return /^[a-z][a-z0-9_.-]{0,63}$/.test(field) ? field : 'other';
}

/**
 * Counts decryptions that fail, by field and by whether the ciphertext's key is configured at all:
 * `key="missing"` right after a key left ENCRYPTION_KEYS means it was retired too early. The error
 * itself stays the cipher's opaque one.
 */
export function countDecryptionFailures(cipher: FieldCipher, registry: Registry, configuredKeyIds: readonly string[]): FieldCipher {
  const failures = new Counter({
    name: 'payval_field_decryption_failures_total',
    help: 'Field-cipher decryptions that failed, by field and whether the ciphertext names a configured key',
    labelNames: ['field', 'key'],
    registers: [registry],
  });
  const configured = new Set(configuredKeyIds);
  return {
    activeKeyId: cipher.activeKeyId,
    encrypt: (plain, aad) => cipher.encrypt(plain, aad),
    decrypt(stored, aad) {
      try {
        return cipher.decrypt(stored, aad);
      } catch (err) {
        const keyId = stored.split('.', 2)[1];
        failures.inc({ field: fieldOfAad(aad), key: keyId !== undefined && configured.has(keyId) ? 'configured' : 'missing' });
        throw err;
      }
    },
  };
}
