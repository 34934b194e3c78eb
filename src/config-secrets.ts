import { DEV_BLIND_INDEX_KEY, DEV_ENCRYPTION_KEYS } from './config-env.js';
import { decodeKeyText, keyWeakness, sharesBytes } from './platform/key-material.js';

/** The development key bytes, recognised however they are written or labelled. */
const DEV_KEY_BYTES: readonly Buffer[] = [Buffer.from(DEV_ENCRYPTION_KEYS.split(':')[1]!, 'base64'), Buffer.from(DEV_BLIND_INDEX_KEY, 'base64')];

export function parseKeyring(raw: string): { keys: Record<string, Buffer>; firstId: string } {
  const keys: Record<string, Buffer> = {};
  let firstId = '';
  for (const entry of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const sep = entry.indexOf(':');
    const id = entry.slice(0, sep).trim();
    if (sep < 1 || !/^[A-Za-z0-9_-]{1,32}$/.test(id)) throw new Error('each entry must be KEY_ID:BASE64_KEY');
    if (keys[id]) throw new Error(`key id "${id}" appears twice`);
    const key = decodeKeyText(entry.slice(sep + 1));
    if (!key) throw new Error(`key "${id}" is not valid base64`);
    if (key.length !== 32) throw new Error(`key "${id}" must decode to 32 bytes`);
    keys[id] = key;
    firstId ||= id;
  }
  if (!firstId) throw new Error('at least one key is required');
  return { keys, firstId };
}

/**
 * What is wrong with the secrets as a set: the same bytes for encryption and the blind index (one leak
 * would expose both), the same key twice in the keyring, and — in production — the development keys or
 * keys that cannot be random, judged by their bytes.
 */
export function secretProblems(keyring: Record<string, Buffer>, blindIndexKey: Buffer, production: boolean): string[] {
  const problems: string[] = [];
  const entries = Object.entries(keyring);
  if (entries.some(([, key]) => sharesBytes(key, [blindIndexKey]))) {
    problems.push('BLIND_INDEX_KEY: must differ from every ENCRYPTION_KEYS key');
  }
  entries.forEach(([id, key], i) => {
    if (entries.slice(0, i).some(([, other]) => other.equals(key))) problems.push(`ENCRYPTION_KEYS: key "${id}" repeats another key's bytes`);
  });
  if (!production) return problems;
  for (const [id, key] of entries) {
    if (sharesBytes(key, DEV_KEY_BYTES)) problems.push(`ENCRYPTION_KEYS: key "${id}" is the development key, which cannot be used in production`);
    else {
      const weak = keyWeakness(key);
      if (weak) problems.push(`ENCRYPTION_KEYS: key "${id}" ${weak}`);
    }
  }
  if (sharesBytes(blindIndexKey, DEV_KEY_BYTES)) problems.push('BLIND_INDEX_KEY: the development key cannot be used in production');
  else {
    const weak = keyWeakness(blindIndexKey);
    if (weak) problems.push(`BLIND_INDEX_KEY: ${weak}`);
  }
  return problems;
}


/**
 * The blind-index key being replaced (`payval keys reindex`): its own key, not the current one and not
 * an encryption key. It is on its way out, so it is not judged for strength.
 */
export function previousBlindKeyProblems(previous: Buffer | null, keyring: Record<string, Buffer>, blindIndexKey: Buffer): string[] {
  if (previous === null || previous.length < 32) return ['BLIND_INDEX_PREVIOUS_KEY: must be base64 that decodes to at least 32 bytes'];
  if (sharesBytes(previous, [blindIndexKey])) return ['BLIND_INDEX_PREVIOUS_KEY: must differ from BLIND_INDEX_KEY'];
  if (Object.values(keyring).some((key) => sharesBytes(key, [previous]))) return ['BLIND_INDEX_PREVIOUS_KEY: must differ from every ENCRYPTION_KEYS key'];
  return [];
}
