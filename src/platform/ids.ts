import { randomBytesPooled } from './random-pool.js';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const BODY = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

// 128 bits → 26 base32 chars; the leading 2 spare bits are zero, so the first char is 0-7. Five bits
// at a time from the front, with small integers only (no BigInt, no intermediate strings per digit).
function encodeBase32(bytes: Buffer): string {
  let out = '';
  let acc = 0;
  let bits = 2;
  for (let i = 0; i < bytes.length; i++) {
    acc = (acc << 8) | bytes[i]!;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += CROCKFORD[(acc >> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  return out;
}

// ULID layout (48-bit ms timestamp, then 80 random bits) so ids sort by creation time.
export function newId(prefix: string): string {
  const bytes = Buffer.alloc(16);
  bytes.writeUIntBE(Date.now(), 0, 6);
  randomBytesPooled(10).copy(bytes, 6);
  return `${prefix}_${encodeBase32(bytes)}`;
}

/**
 * The smallest id a `prefix` object created at `at` can have (timestamp, then zero bits): `id >= idAtTime(t)`
 * holds exactly for ids created at or after `t`, so a time range is a keyset range on any (…, id) index.
 */
export function idAtTime(prefix: string, at: Date): string {
  const bytes = Buffer.alloc(16);
  bytes.writeUIntBE(Math.min(Math.max(0, at.getTime()), 2 ** 48 - 1), 0, 6);
  return `${prefix}_${encodeBase32(bytes)}`;
}

export function isId(prefix: string, value: string): boolean {
  return value.startsWith(`${prefix}_`) && BODY.test(value.slice(prefix.length + 1));
}
