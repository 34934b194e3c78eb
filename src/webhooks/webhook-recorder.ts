import type { Defer, Trx } from '../platform/db.js';
import type { FieldCipher } from '../platform/field-cipher.js';
import type { Logger } from '../platform/logger.js';
import { newId } from '../platform/ids.js';
import { appendAudit } from '../platform/audit-store.js';
import { enqueueWebhookAttempts, type WebhookQueue } from '../platform/queues.js';
import { lockValidation } from '../validations/validation-store.js';
import { toValidationView } from '../validations/validation-view.js';
import type { Validation, ValidationStatus } from '../validations/validation-types.js';
import { findBatchWithMetadata } from '../batches/batch-store.js';
import { toBatchView } from '../batches/batch-view.js';
import { subscribedEndpoints } from './webhook-endpoint-store.js';
import { insertDeliveries, insertEvent, type NewDelivery } from './webhook-delivery-store.js';
import { sealEventPayload, serializeEvent } from './webhook-payload.js';
import type { EndpointDisabledReason, WebhookEndpoint, WebhookEventType } from './webhook-types.js';

export interface RecordInput {
  tenantId: string;
  /** The mode of the object the event is about: it reaches only endpoints of that mode. */
  livemode: boolean;
  type: WebhookEventType;
  objectId: string;
  /** Built only when somebody will receive the event. */
  data: () => Promise<Record<string, unknown>>;
  oneOffUrl: string | null;
  /** Record the event even when nobody is subscribed (rare operational events worth keeping). */
  always?: boolean;
}

/**
 * Records events in the caller's transaction, the one that makes the object final: the event and its
 * deliveries commit or roll back with the state change, so a crash cannot lose or invent one. The
 * BullMQ jobs are added after commit; if that fails the sweeper finds the pending deliveries.
 */
export function createWebhookRecorder(deps: { queue: WebhookQueue; logger: Logger; cipher: FieldCipher }) {
  const { cipher } = deps;
  // A worker finalises single validations in groups that share one transaction (group-transaction.ts):
  // the subscriptions of a tenant, mode and event type are read once per transaction, not once per
  // validation. A retried transaction is a new Trx, so it reads them again.
  const subscriptionsByTrx = new WeakMap<Trx, Map<string, Promise<Array<{ id: string }>>>>();
  function subscriptions(trx: Trx, e: RecordInput): Promise<Array<{ id: string }>> {
    let memo = subscriptionsByTrx.get(trx);
    if (!memo) subscriptionsByTrx.set(trx, (memo = new Map()));
    const key = `${e.tenantId}|${e.livemode ? 'live' : 'test'}|${e.type}`;
    let found = memo.get(key);
    if (!found) memo.set(key, (found = subscribedEndpoints(trx, e, e.type)));
    return found;
  }

  async function record(trx: Trx, e: RecordInput, defer: Defer): Promise<string | null> {
    const endpoints = await subscriptions(trx, e);
    if (endpoints.length === 0 && !e.oneOffUrl && !e.always) return null;
    const now = new Date();
    const eventId = newId('evt');
    const payload = sealEventPayload(cipher, eventId, serializeEvent(e.type, now, await e.data()));
    await insertEvent(trx, { id: eventId, tenantId: e.tenantId, livemode: e.livemode, type: e.type, objectId: e.objectId, payload, createdAt: now });
    const common = { tenantId: e.tenantId, livemode: e.livemode, eventId, eventType: e.type };
    const deliveries: NewDelivery[] = endpoints.map((ep) => ({ ...common, id: newId('whd'), endpointId: ep.id, url: null }));
    if (e.oneOffUrl) deliveries.push({ ...common, id: newId('whd'), endpointId: null, url: e.oneOffUrl });
    await insertDeliveries(trx, deliveries, now);
    defer(async () => {
      await enqueueWebhookAttempts(deps.queue, deliveries.map((d) => ({ deliveryId: d.id, attempt: 1 }))).catch((err: unknown) =>
        deps.logger.warn({ err, eventId }, 'webhook enqueue failed; the sweeper will deliver it'),
      );
    });
    return eventId;
  }

  /**
   * Status-change hook for single validations. Rows of a batch do not raise per-row events: a
   * million-row upload is reported by one `batch.completed` and its results export.
   */
  async function validationFinal(trx: Trx, v: Validation, _from: ValidationStatus, to: ValidationStatus, defer: Defer): Promise<void> {
    if (v.batchId || (to !== 'completed' && to !== 'failed')) return;
    await record(
      trx,
      {
        tenantId: v.tenantId,
        livemode: v.livemode,
        type: to === 'completed' ? 'validation.completed' : 'validation.failed',
        objectId: v.id,
        oneOffUrl: v.webhookUrl,
        data: async () => toValidationView((await lockValidation(trx, cipher, v.id))!),
      },
      defer,
    );
  }

  /** Called in the transaction whose row update completed the batch. */
  async function batchCompleted(trx: Trx, batchId: string, defer: Defer): Promise<void> {
    const batch = await findBatchWithMetadata(trx, cipher, batchId);
    if (!batch) return;
    await record(
      trx,
      {
        tenantId: batch.tenantId,
        livemode: batch.livemode,
        type: 'batch.completed',
        objectId: batch.id,
        oneOffUrl: batch.webhookUrl,
        // Counts and links only: the rows themselves are at links.results, however many there are.
        data: async () => ({ ...toBatchView(batch, []) }),
      },
      defer,
    );
  }

  async function endpointDisabled(trx: Trx, endpoint: WebhookEndpoint, reason: EndpointDisabledReason, defer: Defer): Promise<void> {
    const now = new Date();
    await appendAudit(trx, { tenantId: endpoint.tenantId, actor: 'system', action: 'webhook_endpoint.disabled', targetType: 'webhook_endpoint', targetId: endpoint.id, details: { reason } });
    await record(
      trx,
      {
        tenantId: endpoint.tenantId,
        livemode: endpoint.livemode,
        type: 'endpoint.disabled',
        objectId: endpoint.id,
        oneOffUrl: null,
        always: true,
        data: async () => ({ id: endpoint.id, object: 'webhook_endpoint', livemode: endpoint.livemode, url: endpoint.url, reason, disabled_at: now.toISOString() }),
      },
      defer,
    );
  }

  return { record, validationFinal, batchCompleted, endpointDisabled };
}

export type WebhookRecorder = ReturnType<typeof createWebhookRecorder>;
