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
