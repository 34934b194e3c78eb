import { randomBytesPooled } from './random-pool.js';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const BODY = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

// 128 bits → 26 base32 chars; the leading 2 spare bits are zero, so the first char is 0-7.
function encodeBase32(bytes: Buffer): string {
  let value = BigInt('0x' + bytes.toString('hex'));
  let out = '';
  for (let i = 0; i < 26; i++) {
    out = CROCKFORD.charAt(Number(value & 31n)) + out;
    value >>= 5n;
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

export function isId(prefix: string, value: string): boolean {
  return value.startsWith(`${prefix}_`) && BODY.test(value.slice(prefix.length + 1));
}
