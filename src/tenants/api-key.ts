import { createHash, randomBytes } from 'node:crypto';

export type KeyMode = 'test' | 'live';

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const SECRET_LENGTH = 40;
// Largest multiple of 62 that fits in a byte; bytes at or above it are discarded to avoid modulo bias.
const BYTE_LIMIT = 256 - (256 % 62);
const API_KEY = /^pv_(test|live)_[A-Za-z0-9]{40}$/;

function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length)) {
      if (byte < BYTE_LIMIT && out.length < length) out += BASE62.charAt(byte % 62);
    }
  }
  return out;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function generateApiKey(mode: KeyMode): { key: string; hash: string; displayPrefix: string } {
  const key = `pv_${mode}_${randomBase62(SECRET_LENGTH)}`;
  return { key, hash: hashApiKey(key), displayPrefix: key.slice(0, 12) };
}

export function parseApiKey(key: string): { mode: KeyMode } | null {
  const match = API_KEY.exec(key);
  return match ? { mode: match[1] as KeyMode } : null;
}
