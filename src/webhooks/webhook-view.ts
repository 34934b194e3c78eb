import type { WebhookAttempt, WebhookDelivery, WebhookEndpoint } from './webhook-types.js';

const iso = (d: Date | null): string | null => (d ? new Date(d).toISOString() : null);

/** openapi.yaml `WebhookEndpoint`; the secret appears only in the create and rotate answers. */
export function toEndpointView(e: WebhookEndpoint, secret?: string) {
  const overlap = e.previousSecretCiphertext && e.previousSecretExpiresAt && e.previousSecretExpiresAt.getTime() > Date.now() ? e.previousSecretExpiresAt : null;
  return {
    id: e.id,
    object: 'webhook_endpoint' as const,
    url: e.url,
    description: e.description,
    events: e.events,
    enabled: e.enabled,
    disabled_reason: e.disabledReason,
    disabled_at: iso(e.disabledAt),
    failing_since: iso(e.failingSince),
    previous_secret_expires_at: iso(overlap),
    created_at: iso(e.createdAt),
    updated_at: iso(e.updatedAt),
    ...(secret ? { secret } : {}),
  };
}

export function toDeliveryView(d: WebhookDelivery) {
  return {
    id: d.id,
    object: 'webhook_delivery' as const,
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
