/** Events a client can subscribe an endpoint to. */
export const WEBHOOK_EVENT_TYPES = ['validation.completed', 'validation.failed', 'batch.completed', 'endpoint.disabled'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';
/** What started the current round of attempts. */
export type DeliveryTrigger = 'event' | 'manual' | 'replay';
export type EndpointDisabledReason = 'gone' | 'failing' | 'manual';

/** A signing secret and, during a rotation's overlap, the one it replaced. */
export interface SecretRing {
  secretCiphertext: string;
  previousSecretCiphertext: string | null;
  previousSecretExpiresAt: Date | null;
}

export interface WebhookEndpoint extends SecretRing {
  id: string;
  tenantId: string;
  /** Receives only the events of its own mode. */
  livemode: boolean;
  url: string;
  description: string | null;
  events: WebhookEventType[];
  enabled: boolean;
  disabledReason: EndpointDisabledReason | null;
  disabledAt: Date | null;
  failingSince: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface WebhookEvent {
  id: string;
  tenantId: string;
  livemode: boolean;
  type: WebhookEventType;
  objectId: string;
  /** As stored: sealed (webhook-payload.ts `openEventPayload` gives the bytes sent), or in clear for older events and stubs. */
  payload: string;
  createdAt: Date;
}

export interface WebhookDelivery {
  id: string;
  tenantId: string;
  livemode: boolean;
  eventId: string;
  eventType: WebhookEventType;
  endpointId: string | null;
  url: string | null;
  status: DeliveryStatus;
  attempts: number;
  roundAttempts: number;
  roundTrigger: DeliveryTrigger;
  nextAttemptAt: Date | null;
  leaseUntil: Date | null;
  lastAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
  completedAt: Date | null;
}

export interface WebhookAttempt {
  deliveryId: string;
  attemptNumber: number;
  trigger: DeliveryTrigger;
  url: string;
  startedAt: Date;
  latencyMs: number;
  statusCode: number | null;
  responseBody: string | null;
  error: string | null;
  errorMessage: string | null;
}
