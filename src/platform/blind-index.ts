import { createHmac } from 'node:crypto';

// Unit separator: cannot appear in the normalised values being indexed, so ['ab','c'] and
// ['a','bc'] never collide.
const SEPARATOR = '\u001f';

export function createBlindIndexer(key: Buffer): (parts: readonly string[]) => string {
  if (key.length < 32) throw new Error('blind index key must be at least 32 bytes');
  const secret = Buffer.from(key);
  return (parts) => createHmac('sha256', secret).update(parts.join(SEPARATOR), 'utf8').digest('hex');
}
