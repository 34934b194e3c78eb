import { withTransaction } from '../platform/db.js';
import type { AuthContext } from '../platform/http-context.js';
import { scopeOf, type ModeScope } from '../platform/mode-scope.js';
import { AppError } from '../platform/app-error.js';
import { appendAudit } from '../platform/audit-store.js';
import { newId } from '../platform/ids.js';
import { decodeIdCursor, toPage } from '../platform/pagination.js';
import { enqueueWebhookAttemptNow, enqueueWebhookAttempts } from '../platform/queues.js';
import { findEndpoint } from './webhook-endpoint-store.js';
import {
  deliveriesForEndpoint,
  eventsSince,
  findDelivery,
  findDeliveryById,
  findEvent,
  insertDeliveries,
  listAttempts,
  listDeliveries,
  restartDelivery,
  type DeliveryListQuery,
  type NewDelivery,
} from './webhook-delivery-store.js';
import type { WebhookEndpoint } from './webhook-types.js';
import type { WebhookServiceDeps } from './webhook-service.js';
import { openEventPayload } from './webhook-payload.js';

const REPLAY_LIMIT = 10_000;
export const webhookActor = (auth: AuthContext) => auth.actor;
const actor = webhookActor;

/** The delivery log and the ways to send again: list, read, retry one delivery, replay an endpoint. */
export function createWebhookDeliveryService(deps: Pick<WebhookServiceDeps, 'db' | 'cipher' | 'queue' | 'logger'>, endpoint: (scope: ModeScope, id: string) => Promise<WebhookEndpoint>) {
  const { db, cipher, queue, logger } = deps;

  async function deliveries(q: Omit<DeliveryListQuery, 'beforeId' | 'limit'> & { cursor?: string; limit: number }) {
    const beforeId = q.cursor ? decodeIdCursor(q.cursor, 'whd') : undefined;
    const rows = await listDeliveries(db, { ...q, ...(beforeId ? { beforeId } : {}), limit: q.limit + 1 });
    return toPage(rows, q.limit, (d) => d.id);
  }

  async function delivery(scope: ModeScope, id: string) {
    const d = await findDelivery(db, scope, id);
    if (!d) throw new AppError('webhook.delivery_not_found', 'No webhook delivery with this id exists for this tenant.');
    const event = await findEvent(db, d.eventId);
    const payload = event ? (JSON.parse(openEventPayload(cipher, event.id, event.payload)) as unknown) : null;
    return { delivery: d, payload, attempts: await listAttempts(db, d.id) };
  }

  async function ensureEnabled(scope: ModeScope, endpointId: string | null): Promise<void> {
    if (!endpointId) return;
    const e = await findEndpoint(db, scope, endpointId);
    if (!e || !e.enabled) {
      throw new AppError('webhook.endpoint_disabled', e ? 'The endpoint is disabled; enable it (PATCH enabled=true) first.' : 'The endpoint was deleted.');
    }
  }

  /** A new round of attempts now. A delivery being sent this moment is left to finish. */
  async function retry(auth: AuthContext, id: string, requestId: string) {
    const scope = scopeOf(auth);
    const d = await findDelivery(db, scope, id);
    if (!d) throw new AppError('webhook.delivery_not_found', 'No webhook delivery with this id exists for this tenant.');
    await ensureEnabled(scope, d.endpointId);
    const restarted = await withTransaction(db, async (trx) => {
      const locked = (await findDeliveryById(trx, id, true))!;
      if (locked.leaseUntil && locked.leaseUntil.getTime() > Date.now()) return null;
      await restartDelivery(trx, id, 'manual');
      await appendAudit(trx, { tenantId: auth.tenantId, actor: actor(auth), action: 'webhook_delivery.retried', targetType: 'webhook_delivery', targetId: id, requestId });
      return locked.attempts + 1;
    });
    if (restarted !== null) await enqueueWebhookAttemptNow(queue, id, restarted);
    return (await findDelivery(db, scope, id))!;
  }

  /** Redelivers every event of a subscribed type since `since` to this endpoint (bounded per call). */
  async function replay(auth: AuthContext, endpointId: string, since: Date, requestId: string) {
    const e = await endpoint(scopeOf(auth), endpointId);
    if (!e.enabled) throw new AppError('webhook.endpoint_disabled', 'The endpoint is disabled; enable it (PATCH enabled=true) first.');
    const events = await eventsSince(db, e, since, e.events, REPLAY_LIMIT + 1);
    const truncated = events.length > REPLAY_LIMIT;
    const chosen = events.slice(0, REPLAY_LIMIT);
    let created = 0;
    let restarted = 0;
    let alreadyPending = 0;
    for (let i = 0; i < chosen.length; i += 500) {
      const chunk = chosen.slice(i, i + 500);
      const existing = await deliveriesForEndpoint(db, endpointId, chunk.map((ev) => ev.id));
      const fresh: NewDelivery[] = [];
      const again: Array<{ id: string; attempt: number }> = [];
      for (const ev of chunk) {
        const d = existing.get(ev.id);
        if (!d) fresh.push({ id: newId('whd'), tenantId: e.tenantId, livemode: e.livemode, eventId: ev.id, eventType: ev.type, endpointId, url: null });
        else if (d.status === 'pending') alreadyPending++;
        else again.push({ id: d.id, attempt: d.attempts + 1 });
      }
      await withTransaction(db, async (trx) => {
        await insertDeliveries(trx, fresh);
        for (const d of again) await restartDelivery(trx, d.id, 'replay');
      });
      // Fresh deliveries start at attempt 1; restarted ones at their next attempt number.
      await enqueueWebhookAttempts(queue, fresh.map((d) => ({ deliveryId: d.id, attempt: 1 }))).catch((err: unknown) => logger.warn({ err }, 'replay enqueue failed; the sweeper will deliver'));
      for (const d of again) await enqueueWebhookAttemptNow(queue, d.id, d.attempt).catch((err: unknown) => logger.warn({ err }, 'replay enqueue failed; the sweeper will deliver'));
      created += fresh.length;
      restarted += again.length;
    }
    await appendAudit(db, {
      tenantId: auth.tenantId,
      actor: actor(auth),
      action: 'webhook_endpoint.replayed',
      targetType: 'webhook_endpoint',
      targetId: endpointId,
      requestId,
      details: { events: chosen.length, created, restarted },
    });
    return { events: chosen.length, created, restarted, alreadyPending, truncated };
  }

  return { deliveries, delivery, retry, replay };
}
