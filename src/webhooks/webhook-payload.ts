import type { FieldCipher } from '../platform/field-cipher.js';
import type { WebhookEventType } from './webhook-types.js';

/** Standard Webhooks advises payloads under 20 kB; receivers fetch the object for anything more. */
export const MAX_PAYLOAD_BYTES = 20_000;

/**
 * The exact body of an event, fixed when the event is recorded so every attempt signs the same bytes.
 * `metadata` (client-supplied, up to 20 × 500 characters) is the only part that can push a payload
 * past the limit; it is dropped then, and the object's own endpoint still has it.
 */
export function serializeEvent(type: WebhookEventType, at: Date, data: Record<string, unknown>): string {
  const body = JSON.stringify({ type, timestamp: at.toISOString(), data });
  if (Buffer.byteLength(body) <= MAX_PAYLOAD_BYTES || !('metadata' in data)) return body;
  return JSON.stringify({ type, timestamp: at.toISOString(), data: { ...data, metadata: null } });
}

/** AAD of a stored event body: bound to its event, like every field-cipher ciphertext to its row. */
export const eventPayloadAad = (eventId: string): string => `webhook_events.payload:${eventId}`;

/** An event body carries the object's VPA, names and metadata, so it is stored sealed (decision 0039). */
export const sealEventPayload = (cipher: FieldCipher, eventId: string, body: string): string => cipher.encrypt(body, eventPayloadAad(eventId));

/**
 * The exact bytes an event is signed and sent with: the stored ciphertext opened, or the body as
 * stored in clear (events recorded before encryption, and purged events' stubs, which name ids only).
 * Told apart by prefix: a JSON body starts with `{`, a ciphertext with `v1.`. Every attempt opens the
 * same ciphertext to the same bytes.
 */
export function openEventPayload(cipher: FieldCipher, eventId: string, stored: string): string {
  return stored.startsWith('v1.') ? cipher.decrypt(stored, eventPayloadAad(eventId)) : stored;
}
