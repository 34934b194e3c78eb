// Standard Webhooks signing (https://www.standardwebhooks.com): receivers verify us with any
// off-the-shelf library, so the wire format here must match theirs byte for byte.

import { createHmac, randomBytes } from 'node:crypto';

export const WEBHOOK_SECRET_PREFIX = 'whsec_';

// The spec asks for keys of 24 to 64 bytes; shorter keys are weak and longer ones gain nothing.
const MIN_KEY_BYTES = 24;
const MAX_KEY_BYTES = 64;
const GENERATED_KEY_BYTES = 32;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
// The id ends up in a header and in the signed content, where a space or a control character would
// break either the header or a receiver's parsing of it.
const MSG_ID = /^[\x21-\x7e]{1,255}$/;

/** A fresh secret: `whsec_` and standard base64 of 32 random bytes. */
export function generateWebhookSecret(): string {
  return WEBHOOK_SECRET_PREFIX + randomBytes(GENERATED_KEY_BYTES).toString('base64');
}

export function isWebhookSecret(s: string): boolean {
  return decodeSecret(s) !== null;
}

/**
 * The `webhook-signature` header value: one `v1,<sig>` per secret, in the order given, separated by
 * single spaces. Several secrets are how rotation works: a receiver holding either the old or the
 * new one verifies.
 */
export function signWebhook(msgId: string, timestampSeconds: number, body: string, secrets: readonly string[]): string {
  if (secrets.length === 0) throw new Error('signWebhook needs at least one secret');
  if (!MSG_ID.test(msgId)) throw new Error('Webhook message id must be 1-255 printable ASCII characters without spaces');
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) {
    throw new Error('Webhook timestamp must be a non-negative integer number of seconds');
  }
  const content = `${msgId}.${timestampSeconds}.${body}`;
  return secrets
    .map((secret, i) => {
      const key = decodeSecret(secret);
      // Position only: the secret itself must never reach an error message or a log.
      if (key === null) throw new Error(`Webhook secret #${i + 1} is malformed`);
      return `v1,${createHmac('sha256', key).update(content, 'utf8').digest('base64')}`;
    })
    .join(' ');
}

export function webhookHeaders(
  msgId: string,
  timestampSeconds: number,
  body: string,
  secrets: readonly string[],
): Record<string, string> {
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': signWebhook(msgId, timestampSeconds, body, secrets),
  };
}

function decodeSecret(s: string): Buffer | null {
  if (!s.startsWith(WEBHOOK_SECRET_PREFIX)) return null;
  const b64 = s.slice(WEBHOOK_SECRET_PREFIX.length);
  if (b64.length % 4 !== 0 || !BASE64.test(b64)) return null;
  const key = Buffer.from(b64, 'base64');
  // Buffer.from ignores stray trailing bits that stricter decoders reject; accepting only the
  // canonical spelling keeps us and every receiver's library agreeing on the key.
  if (key.toString('base64') !== b64) return null;
  if (key.length < MIN_KEY_BYTES || key.length > MAX_KEY_BYTES) return null;
  return key;
}
