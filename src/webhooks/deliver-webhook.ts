import { createHash } from 'node:crypto';
import { Counter, Histogram, type Registry } from 'prom-client';
import { withTransactionThen, type Db } from '../platform/db.js';
import type { FieldCipher } from '../platform/field-cipher.js';
import type { Logger } from '../platform/logger.js';
import { enqueueWebhookAttempts, type WebhookQueue } from '../platform/queues.js';
import { abandonDelivery, claimDelivery, findDeliveryById, findEvent, finishAttempt, insertAttempt, releaseLease } from './webhook-delivery-store.js';
import { disableEndpoint, findEndpointById, findTenantSecret, markEndpointFailing, markEndpointHealthy } from './webhook-endpoint-store.js';
import { endpointSecretAad, signingSecrets, tenantSecretAad } from './secret-ring.js';
import { nextRetryDelayMs, type RetrySchedule } from './retry-schedule.js';
import { webhookHeaders } from './webhook-signature.js';
import { openEventPayload } from './webhook-payload.js';
import type { WebhookSender, SendResult } from './webhook-sender.js';
import type { EndpointSlots } from './endpoint-slots.js';
import type { WebhookRecorder } from './webhook-recorder.js';
import type { WebhookDelivery, WebhookEndpoint } from './webhook-types.js';

export type DeliverOutcome = { kind: 'succeeded' | 'retrying' | 'failed' | 'stale' } | { kind: 'wait'; delayMs: number };

export interface DeliverDeps {
  db: Db;
  cipher: FieldCipher;
  queue: WebhookQueue;
  sender: WebhookSender;
  slots: EndpointSlots;
  recorder: WebhookRecorder;
  logger: Logger;
  schedule: RetrySchedule;
  timeoutMs: number;
  /** An endpoint failing without a single success for this long is disabled. */
  disableAfterMs: number;
  metrics?: Registry;
}

export const leaseMsFor = (timeoutMs: number): number => timeoutMs * 2 + 1000;

// Failures that no retry can fix: the URL itself is refused.
const PERMANENT_ERRORS = new Set(['blocked_address', 'invalid_url']);

function deliveryMetrics(registry: Registry | undefined) {
  if (!registry) return { attempt: (_o: string, _s: number) => undefined, disabled: (_r: string) => undefined };
  const attempts = new Counter({ name: 'payval_webhook_attempts_total', help: 'Webhook delivery attempts by outcome', labelNames: ['outcome'], registers: [registry] });
  const latency = new Histogram({
    name: 'payval_webhook_attempt_duration_seconds',
    help: 'Webhook delivery attempt latency',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const disabled = new Counter({ name: 'payval_webhook_endpoints_disabled_total', help: 'Endpoints disabled by payval, by reason', labelNames: ['reason'], registers: [registry] });
  return {
    attempt: (outcome: string, seconds: number) => {
      attempts.inc({ outcome });
      latency.observe(seconds);
    },
    disabled: (reason: string) => disabled.inc({ reason }),
  };
}

/**
 * One attempt of one delivery. The delivery row is claimed with a lease (so a duplicate or stale job
 * does nothing, and a killed worker's claim expires), the event's stored body is signed afresh with a
 * new timestamp and the same `webhook-id`, and the attempt plus what comes next (success, a retry at
 * a scheduled time, or giving up) is written in one transaction.
 */
export function createWebhookDeliverer(deps: DeliverDeps) {
  const { db, logger } = deps;
  const metrics = deliveryMetrics(deps.metrics);
  // Longer than any attempt can take (the request deadline plus the bookkeeping around it), so a live
  // sender never loses its lease; short enough that a killed worker's delivery resumes soon.
  const leaseMs = leaseMsFor(deps.timeoutMs);

  async function target(d: WebhookDelivery): Promise<{ url: string; secrets: string[]; endpoint: WebhookEndpoint | null } | { abandon: string }> {
    if (d.endpointId) {
      const endpoint = await findEndpointById(db, d.endpointId);
      if (!endpoint) return { abandon: 'endpoint_deleted' };
      if (!endpoint.enabled) return { abandon: 'endpoint_disabled' };
      return { url: endpoint.url, secrets: signingSecrets(deps.cipher, endpointSecretAad(endpoint.id), endpoint), endpoint };
    }
    // The default secret of the delivery's own mode: a test secret never signs a live event.
    const ring = await findTenantSecret(db, d);
    if (!ring || !d.url) return { abandon: 'no_default_secret' };
    return { url: d.url, secrets: signingSecrets(deps.cipher, tenantSecretAad(d), ring), endpoint: null };
  }

  async function deliver(deliveryId: string, attempt: number): Promise<DeliverOutcome> {
    if (!(await claimDelivery(db, deliveryId, attempt, leaseMs))) {
      const d = await findDeliveryById(db, deliveryId);
      if (!d || d.status !== 'pending' || d.attempts !== attempt - 1) return { kind: 'stale' };
      const now = Date.now();
      if (d.leaseUntil && d.leaseUntil.getTime() >= now) return { kind: 'wait', delayMs: d.leaseUntil.getTime() - now + 100 };
      if (d.nextAttemptAt && d.nextAttemptAt.getTime() > now) return { kind: 'wait', delayMs: d.nextAttemptAt.getTime() - now };
      return { kind: 'stale' };
    }
    const d = (await findDeliveryById(db, deliveryId))!;
    const t = await target(d);
    if ('abandon' in t) {
      await abandonDelivery(db, d.id, t.abandon);
      logger.info({ deliveryId, reason: t.abandon }, 'webhook delivery abandoned');
      return { kind: 'failed' };
    }
    const slotKey = t.endpoint ? t.endpoint.id : createHash('sha256').update(new URL(t.url).origin).digest('hex').slice(0, 32);
    if (!(await deps.slots.acquire(slotKey, d.id))) {
      await releaseLease(db, d.id);
      return { kind: 'wait', delayMs: 500 + Math.round(Math.random() * 1000) };
    }
    try {
      const event = await findEvent(db, d.eventId);
      if (!event) {
        await abandonDelivery(db, d.id, 'event_missing');
        return { kind: 'failed' };
      }
      // Signed and sent in clear, the same bytes every attempt; stored sealed.
      const body = openEventPayload(deps.cipher, event.id, event.payload);
      const startedAt = new Date();
      const headers = webhookHeaders(event.id, Math.floor(startedAt.getTime() / 1000), body, t.secrets);
      const result = await deps.sender.send(t.url, headers, body);
      metrics.attempt(result.ok ? 'succeeded' : (result.error ?? 'failed'), result.latencyMs / 1000);
      return await settle(d, t.url, t.endpoint, startedAt, result);
    } finally {
      await deps.slots.release(slotKey, d.id).catch(() => undefined);
    }
  }

  /** Books the attempt and decides what is next, in one transaction; enqueues the retry after commit. */
  async function settle(d: WebhookDelivery, url: string, endpoint: WebhookEndpoint | null, startedAt: Date, r: SendResult): Promise<DeliverOutcome> {
    const attemptNumber = d.attempts + 1;
    const outcome = await withTransactionThen(db, async (trx, defer) => {
      const now = new Date();
      // A purge (retention, erasure) that ran while this attempt was in flight nulled the receivers'
      // echoes: this one is not kept either. The share lock waits for a purge in progress.
      const event = await trx('webhook_events').where({ id: d.eventId }).forShare().first('purged_at');
      const purged = !event || event.purged_at !== null;
      await insertAttempt(trx, {
        deliveryId: d.id,
        attemptNumber,
        trigger: d.roundTrigger,
        url,
        startedAt,
        latencyMs: r.latencyMs,
        statusCode: r.statusCode,
        responseBody: purged ? null : r.body,
        error: r.error,
        errorMessage: r.errorMessage,
      });
      const book = (status: 'succeeded' | 'pending' | 'failed', nextAttemptAt: Date | null) =>
        finishAttempt(trx, d.id, { status, nextAttemptAt, statusCode: r.statusCode, error: r.error, at: now });

      if (r.ok) {
        await book('succeeded', null);
        if (endpoint?.failingSince) await markEndpointHealthy(trx, endpoint.id);
        return 'succeeded' as const;
      }
      if (endpoint && r.statusCode === 410) {
        // The receiver says this URL is gone for good: stop sending anything to it.
        await book('failed', null);
        if (await disableEndpoint(trx, endpoint.id, 'gone', now)) {
          metrics.disabled('gone');
          logger.warn({ endpointId: endpoint.id, tenantId: endpoint.tenantId }, 'webhook endpoint answered 410 Gone; disabled');
          await deps.recorder.endpointDisabled(trx, endpoint, 'gone', defer);
        }
        return 'failed' as const;
      }
      if (endpoint) {
        const since = await markEndpointFailing(trx, endpoint.id, now);
        if (since && now.getTime() - since.getTime() >= deps.disableAfterMs) {
          await book('failed', null);
          if (await disableEndpoint(trx, endpoint.id, 'failing', now)) {
            metrics.disabled('failing');
            logger.warn({ endpointId: endpoint.id, tenantId: endpoint.tenantId, failingSince: since }, 'webhook endpoint failing for too long; disabled');
            await deps.recorder.endpointDisabled(trx, endpoint, 'failing', defer);
          }
          return 'failed' as const;
        }
      }
      const delay = r.error && PERMANENT_ERRORS.has(r.error) ? null : nextRetryDelayMs(deps.schedule, d.roundAttempts + 1, { retryAfterMs: r.retryAfterMs });
      if (delay === null) {
        await book('failed', null);
        return 'failed' as const;
      }
      if (!(await book('pending', new Date(now.getTime() + delay)))) return 'failed' as const;
      defer(() => enqueueWebhookAttempts(deps.queue, [{ deliveryId: d.id, attempt: attemptNumber + 1, delayMs: delay }]));
      return 'retrying' as const;
    }, (err) => logger.warn({ err, deliveryId: d.id }, 'after-commit task failed (enqueueing the next attempt); the sweeper will'));
    const level = outcome === 'succeeded' ? 'debug' : 'info';
    logger[level]({ deliveryId: d.id, eventId: d.eventId, attempt: attemptNumber, status: r.statusCode, error: r.error, outcome }, 'webhook attempt');
    return { kind: outcome };
  }

  return { deliver };
}

export type WebhookDeliverer = ReturnType<typeof createWebhookDeliverer>;
