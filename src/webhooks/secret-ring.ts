import type { FieldCipher } from '../platform/field-cipher.js';
import { generateWebhookSecret } from './webhook-signature.js';
import type { SecretRing } from './webhook-types.js';

/** AAD binds a secret's ciphertext to its owner, so it cannot be copied onto another endpoint. */
export const endpointSecretAad = (endpointId: string): string => `webhook_endpoints.secret:${endpointId}`;
/** One default secret per mode; the live one keeps the AAD it had before modes existed. */
export const tenantSecretAad = (scope: { tenantId: string; livemode: boolean }): string =>
  `tenant_webhook_secrets.secret:${scope.tenantId}${scope.livemode ? '' : ':test'}`;

export function newSecretRing(cipher: FieldCipher, aad: string): { ring: SecretRing; secret: string } {
  const secret = generateWebhookSecret();
  return { secret, ring: { secretCiphertext: cipher.encrypt(secret, aad), previousSecretCiphertext: null, previousSecretExpiresAt: null } };
}

/**
 * A new secret signs from now on; the current one keeps signing beside it for `overlapMs` so receivers
 * can switch without dropping a delivery. A secret still in an earlier overlap is dropped.
 */
export function rotateSecretRing(cipher: FieldCipher, aad: string, current: SecretRing, overlapMs: number, now = new Date()): { ring: SecretRing; secret: string } {
  const secret = generateWebhookSecret();
  return {
    secret,
    ring: {
      secretCiphertext: cipher.encrypt(secret, aad),
      previousSecretCiphertext: overlapMs > 0 ? current.secretCiphertext : null,
      previousSecretExpiresAt: overlapMs > 0 ? new Date(now.getTime() + overlapMs) : null,
    },
  };
}

/** When the previous secret stops signing, while it still does; null outside a rotation's overlap. */
export function overlapEndsAt(ring: SecretRing, now = new Date()): Date | null {
  const ends = ring.previousSecretExpiresAt;
  return ring.previousSecretCiphertext && ends && ends.getTime() > now.getTime() ? ends : null;
}

/** The secrets that sign a delivery now: the current one first, then the previous one during its overlap. */
export function signingSecrets(cipher: FieldCipher, aad: string, ring: SecretRing, now = new Date()): string[] {
  const secrets = [cipher.decrypt(ring.secretCiphertext, aad)];
  if (overlapEndsAt(ring, now)) secrets.push(cipher.decrypt(ring.previousSecretCiphertext!, aad));
  return secrets;
}
