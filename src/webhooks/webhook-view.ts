import type { SecretRing, WebhookAttempt, WebhookDelivery, WebhookEndpoint } from './webhook-types.js';
import { overlapEndsAt } from './secret-ring.js';

import { isoOrNull as iso } from '../platform/iso-date.js';

/** openapi.yaml `WebhookEndpoint`; the secret appears only in the create and rotate answers. */
export function toEndpointView(e: WebhookEndpoint, secret?: string) {
  return {
    id: e.id,
    object: 'webhook_endpoint' as const,
    livemode: e.livemode,
    url: e.url,
    description: e.description,
    events: e.events,
    enabled: e.enabled,
    disabled_reason: e.disabledReason,
    disabled_at: iso(e.disabledAt),
    failing_since: iso(e.failingSince),
    previous_secret_expires_at: iso(overlapEndsAt(e)),
    created_at: iso(e.createdAt),
    updated_at: iso(e.updatedAt),
    ...(secret ? { secret } : {}),
  };
}

export function toDeliveryView(d: WebhookDelivery) {
  return {
    id: d.id,
    object: 'webhook_delivery' as const,
    livemode: d.livemode,
    event_id: d.eventId,
    event_type: d.eventType,
    endpoint_id: d.endpointId,
    url: d.url,
    status: d.status,
    attempts: d.attempts,
    next_attempt_at: d.status === 'pending' ? iso(d.nextAttemptAt) : null,
    last_attempt_at: iso(d.lastAttemptAt),
    last_status_code: d.lastStatusCode,
    last_error: d.lastError,
    created_at: iso(d.createdAt),
    updated_at: iso(d.updatedAt),
    completed_at: iso(d.completedAt),
  };
}

export function toAttemptView(a: WebhookAttempt) {
  return {
    attempt_number: a.attemptNumber,
    trigger: a.trigger,
    started_at: iso(a.startedAt),
    latency_ms: a.latencyMs,
    status_code: a.statusCode,
    response_body: a.responseBody,
    error: a.error,
    error_message: a.errorMessage,
  };
}

/** openapi.yaml `DefaultWebhookSecret`; the secret itself only in the answer to a rotation. */
export function toDefaultSecretView(livemode: boolean, ring: (SecretRing & { createdAt: Date; updatedAt: Date }) | null, secret: string | null) {
  return {
    object: 'webhook_secret' as const,
    livemode,
    exists: ring !== null,
    secret,
    previous_secret_expires_at: iso(ring ? overlapEndsAt(ring) : null),
    created_at: iso(ring?.createdAt),
    updated_at: iso(ring?.updatedAt),
  };
}
