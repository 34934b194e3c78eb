import { createHmac } from 'node:crypto';

// Checks secret key material for what it is, not for how it is written: the development keys are
// refused by their bytes (under any key id, with any spacing, padding or position in the keyring),
// and keys that cannot have come from a random generator are refused in production.

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Strict base64 (or base64url) decoding. Node's decoder skips characters it does not know, so a typo or
 * a stray character would otherwise silently become a different key.
 */
export function decodeKeyText(text: string): Buffer | null {
  const t = text.trim();
  if (t === '' || !(BASE64.test(t) || BASE64URL.test(t))) return null;
  return Buffer.from(t, t.includes('-') || t.includes('_') ? 'base64url' : 'base64');
}

/**
 * Why a key cannot be a random secret, or null if it looks like one. Thresholds are far outside what
 * 32 random bytes produce (they have ~30 distinct values; all-printable-ASCII has odds near 1e-14), so
 * only keys a person typed or a placeholder trip them.
 */
export function keyWeakness(key: Buffer): string | null {
  if (key.every((b) => b === 0)) return 'is all zero bytes';
  const distinct = new Set(key).size;
  if (distinct < Math.min(16, Math.ceil(key.length / 2))) return `has only ${distinct} distinct byte values, so it is not random`;
  if (key.every((b) => b >= 0x20 && b <= 0x7e)) return 'is printable text (a passphrase), not random bytes; generate one with `openssl rand -base64 32`';
  for (const period of [1, 2, 4, 8, 16]) {
    if (period < key.length && key.every((b, i) => b === key[i % period])) return 'is a repeating pattern';
  }
  return null;
}

/** True when `key` holds the same bytes as any of `others` (or one contains the other as a prefix). */
export function sharesBytes(key: Buffer, others: readonly Buffer[]): boolean {
  return others.some((o) => {
    const n = Math.min(o.length, key.length);
    return n > 0 && key.subarray(0, n).equals(o.subarray(0, n));
  });
}

/** A key for one purpose derived from a configured secret, so one secret serves several uses without reuse. */
export const derivedKey = (secret: Buffer, purpose: string): Buffer => createHmac('sha256', secret).update(purpose).digest();
