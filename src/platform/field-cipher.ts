import { createCipheriv, createDecipheriv } from 'node:crypto';
import { randomBytesPooled } from './random-pool.js';

export interface FieldCipher {
  encrypt(plain: string, aad: string): string;
  decrypt(stored: string, aad: string): string;
  readonly activeKeyId: string;
}

const VERSION = 'v1';
const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

export function createFieldCipher(opts: { keys: Record<string, Buffer>; activeKeyId: string }): FieldCipher {
  const keys = new Map<string, Buffer>();
  for (const [id, key] of Object.entries(opts.keys)) {
    if (!KEY_ID.test(id)) throw new Error(`field cipher key id '${id}' must match ${KEY_ID.source}`);
    if (key.length !== 32) throw new Error(`field cipher key '${id}' must be 32 bytes`);
    keys.set(id, Buffer.from(key));
  }
  const activeKeyId = opts.activeKeyId;
  const activeKey = keys.get(activeKeyId);
  if (!activeKey) throw new Error(`field cipher active key '${activeKeyId}' is not among the configured keys`);

  function encrypt(plain: string, aad: string): string {
    const iv = randomBytesPooled(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, activeKey as Buffer, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, activeKeyId, iv.toString('base64url'), ciphertext.toString('base64url'), tag.toString('base64url')].join('.');
  }

  function decryptOrThrow(stored: string, aad: string): string {
    const parts = stored.split('.');
    const [version, keyId, ivText, ctText, tagText] = parts;
    if (parts.length !== 5 || version !== VERSION || keyId === undefined) throw new Error();
    if (![ivText, ctText, tagText].every((p) => p !== undefined && BASE64URL.test(p))) throw new Error();
    const key = keys.get(keyId);
    const iv = Buffer.from(ivText as string, 'base64url');
    const tag = Buffer.from(tagText as string, 'base64url');
    if (!key || iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new Error();
    const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(ctText as string, 'base64url')), decipher.final()]).toString('utf8');
  }

  // One opaque error for every failure, so callers and logs learn nothing about why.
  function decrypt(stored: string, aad: string): string {
    try {
      return decryptOrThrow(stored, aad);
    } catch {
      throw new Error('field decryption failed');
    }
  }

  return { encrypt, decrypt, activeKeyId };
}
