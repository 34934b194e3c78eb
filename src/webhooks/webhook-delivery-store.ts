import { dateOrNull as date, type Db, type Trx } from '../platform/db.js';
import { scopeWhere, type ModeScope } from '../platform/mode-scope.js';
import type { DeliveryStatus, DeliveryTrigger, WebhookAttempt, WebhookDelivery, WebhookEvent, WebhookEventType } from './webhook-types.js';

type Row = Record<string, unknown>;
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function deliveryFromRow(r: Row): WebhookDelivery {
  return {
    id: r.id as string,
    tenantId: r.tenant_id as string,
    livemode: Boolean(r.livemode),
    eventId: r.event_id as string,
    eventType: r.event_type as WebhookEventType,
    endpointId: (r.endpoint_id as string | null) ?? null,
    url: (r.url as string | null) ?? null,
    status: r.status as DeliveryStatus,
    attempts: Number(r.attempts),
    roundAttempts: Number(r.round_attempts),
    roundTrigger: r.round_trigger as DeliveryTrigger,
    nextAttemptAt: date(r.next_attempt_at),
    leaseUntil: date(r.lease_until),
    lastAttemptAt: date(r.last_attempt_at),
    lastStatusCode: numOrNull(r.last_status_code),
    lastError: (r.last_error as string | null) ?? null,
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
    completedAt: date(r.completed_at),
  };
}

function eventFromRow(r: Row): WebhookEvent {
  return {
    id: r.id as string,
    tenantId: r.tenant_id as string,
    livemode: Boolean(r.livemode),
    type: r.type as WebhookEventType,
    objectId: r.object_id as string,
    payload: r.payload as string,
    createdAt: r.created_at as Date,
  };
}

function attemptFromRow(r: Row): WebhookAttempt {
  return {
    deliveryId: r.delivery_id as string,
    attemptNumber: Number(r.attempt_number),
    trigger: r.trigger as DeliveryTrigger,
    url: r.url as string,
    startedAt: r.started_at as Date,
    latencyMs: Number(r.latency_ms),
    statusCode: numOrNull(r.status_code),
    responseBody: (r.response_body as string | null) ?? null,
    error: (r.error as string | null) ?? null,
    errorMessage: (r.error_message as string | null) ?? null,
  };
}

export async function insertEvent(trx: Trx, e: WebhookEvent): Promise<void> {
  await trx('webhook_events').insert({ id: e.id, tenant_id: e.tenantId, livemode: e.livemode, type: e.type, object_id: e.objectId, payload: e.payload, created_at: e.createdAt });
}

export type NewDelivery = Pick<WebhookDelivery, 'id' | 'tenantId' | 'livemode' | 'eventId' | 'eventType' | 'endpointId' | 'url'>;

export async function insertDeliveries(trx: Trx, rows: readonly NewDelivery[], now = new Date()): Promise<void> {
  if (rows.length === 0) return;
  await trx('webhook_deliveries').insert(
    rows.map((d) => ({
      id: d.id,
      tenant_id: d.tenantId,
      livemode: d.livemode,
      event_id: d.eventId,
      event_type: d.eventType,
      endpoint_id: d.endpointId,
      url: d.url,
      status: 'pending',
      attempts: 0,
      round_attempts: 0,
      round_trigger: 'event',
      next_attempt_at: now,
      created_at: now,
      updated_at: now,
    })),
  );
}

export async function findEvent(db: Db | Trx, id: string): Promise<WebhookEvent | undefined> {
  const row = await db('webhook_events').where({ id }).first();
  return row ? eventFromRow(row) : undefined;
}

export async function findDeliveryById(db: Db | Trx, id: string, forUpdate = false): Promise<WebhookDelivery | undefined> {
  const q = db('webhook_deliveries').where({ id });
  if (forUpdate) q.forUpdate();
  const row = await q.first();
  return row ? deliveryFromRow(row) : undefined;
}

/** Scoped: another tenant's delivery, or another mode's, does not exist. */
export async function findDelivery(db: Db | Trx, scope: ModeScope, id: string): Promise<WebhookDelivery | undefined> {
  const row = await db('webhook_deliveries').where({ id, ...scopeWhere(scope) }).first();
  return row ? deliveryFromRow(row) : undefined;
}

/**
 * Takes the delivery for attempt `attemptNumber` if it is due, nobody else holds it and that attempt
 * has not been made: the one guard against two workers (a duplicate or stale job) sending it twice.
 */
export async function claimDelivery(db: Db, id: string, attemptNumber: number, leaseMs: number, now = new Date()): Promise<boolean> {
  const n = await db('webhook_deliveries')
    .where({ id, status: 'pending', attempts: attemptNumber - 1 })
    .where('next_attempt_at', '<=', new Date(now.getTime() + 1000))
    .where((w) => w.whereNull('lease_until').orWhere('lease_until', '<', now))
    .update({ lease_until: new Date(now.getTime() + leaseMs), updated_at: now });
  return n === 1;
}

export async function releaseLease(db: Db | Trx, id: string): Promise<void> {
  await db('webhook_deliveries').where({ id }).update({ lease_until: null });
}

export async function insertAttempt(trx: Trx, a: WebhookAttempt): Promise<void> {
  await trx('webhook_attempts').insert({
    delivery_id: a.deliveryId,
    attempt_number: a.attemptNumber,
    trigger: a.trigger,
    url: a.url,
    started_at: a.startedAt,
    latency_ms: a.latencyMs,
    status_code: a.statusCode,
    response_body: a.responseBody,
    error: a.error,
    error_message: a.errorMessage?.slice(0, 255) ?? null,
  });
}

/**
 * Books one finished attempt and what comes next (success, another try at `nextAttemptAt`, or given
 * up). Returns false when the delivery was ended meanwhile (its endpoint deleted): the attempt is
 * still counted, but the delivery stays ended and nothing more is scheduled.
 */
export async function finishAttempt(
  trx: Trx,
  id: string,
  r: { status: DeliveryStatus; nextAttemptAt: Date | null; statusCode: number | null; error: string | null; at: Date },
): Promise<boolean> {
  const common = {
    attempts: trx.raw('attempts + 1'),
    round_attempts: trx.raw('round_attempts + 1'),
    lease_until: null,
    last_attempt_at: r.at,
    last_status_code: r.statusCode,
    updated_at: r.at,
  };
  const n = await trx('webhook_deliveries')
    .where({ id, status: 'pending' })
    .update({ ...common, status: r.status, next_attempt_at: r.nextAttemptAt, last_error: r.error, completed_at: r.status === 'pending' ? null : r.at });
  if (n === 1) return true;
  await trx('webhook_deliveries').where({ id }).update(common);
  return false;
}

/** Gives up on a delivery without sending (its endpoint was disabled or deleted meanwhile). */
export async function abandonDelivery(db: Db | Trx, id: string, error: string, now = new Date()): Promise<void> {
  await db('webhook_deliveries')
    .where({ id, status: 'pending' })
    .update({ status: 'failed', last_error: error, lease_until: null, next_attempt_at: null, completed_at: now, updated_at: now });
}

/** Every pending delivery to an endpoint that is going away ends here; the log keeps them. */
export async function abandonEndpointDeliveries(trx: Trx, endpointId: string, error: string, now = new Date()): Promise<number> {
  return trx('webhook_deliveries')
    .where({ endpoint_id: endpointId, status: 'pending' })
    .update({ status: 'failed', last_error: error, lease_until: null, next_attempt_at: null, completed_at: now, updated_at: now });
}

/** Starts a new round now (manual retry or replay); the schedule starts over, the webhook-id stays. */
export async function restartDelivery(db: Db | Trx, id: string, trigger: DeliveryTrigger, now = new Date()): Promise<void> {
  await db('webhook_deliveries').where({ id }).update({
    status: 'pending',
    round_attempts: 0,
    round_trigger: trigger,
    next_attempt_at: now,
    completed_at: null,
    updated_at: now,
  });
}

export interface DeliveryListQuery {
  scope: ModeScope;
  endpointId?: string;
  eventType?: WebhookEventType;
  status?: DeliveryStatus;
  beforeId?: string;
  limit: number;
}

export async function listDeliveries(db: Db, q: DeliveryListQuery): Promise<WebhookDelivery[]> {
  const query = db('webhook_deliveries').where(scopeWhere(q.scope));
  if (q.endpointId) query.where('endpoint_id', q.endpointId);
  if (q.eventType) query.where('event_type', q.eventType);
  if (q.status) query.where('status', q.status);
  if (q.beforeId) query.where('id', '<', q.beforeId);
  return (await query.orderBy('id', 'desc').limit(q.limit)).map(deliveryFromRow);
}

export async function listAttempts(db: Db, deliveryId: string, limit = 100): Promise<WebhookAttempt[]> {
  const rows = await db('webhook_attempts').where({ delivery_id: deliveryId }).orderBy('attempt_number', 'desc').limit(limit);
  return rows.map(attemptFromRow);
}

/** Pending deliveries well past their time with nobody holding them: their job was lost (Redis, crashes). */
export async function findOverdueDeliveries(db: Db, cutoff: Date, limit: number): Promise<Array<{ id: string; attempts: number }>> {
  const rows = await db('webhook_deliveries')
    .where('status', 'pending')
    .where('next_attempt_at', '<', cutoff)
    .where((w) => w.whereNull('lease_until').orWhere('lease_until', '<', new Date()))
    .orderBy('next_attempt_at')
    .limit(limit)
    .select('id', 'attempts');
  return rows.map((r) => ({ id: r.id as string, attempts: Number(r.attempts) }));
}

/** Events of the given types recorded at or after `since`, oldest first, for a replay. */
export async function eventsSince(db: Db, scope: ModeScope, since: Date, types: readonly WebhookEventType[], limit: number): Promise<Array<{ id: string; type: WebhookEventType }>> {
  if (types.length === 0) return [];
  const rows = await db('webhook_events')
    .where(scopeWhere(scope))
    .where('created_at', '>=', since)
    .whereIn('type', types)
    .orderBy([{ column: 'created_at' }, { column: 'id' }])
    .limit(limit)
    .select('id', 'type');
  return rows.map((r) => ({ id: r.id as string, type: r.type as WebhookEventType }));
}

/** Deliveries of these events to one endpoint, by event id. */
export async function deliveriesForEndpoint(db: Db, endpointId: string, eventIds: readonly string[]): Promise<Map<string, { id: string; status: DeliveryStatus; attempts: number }>> {
  const out = new Map<string, { id: string; status: DeliveryStatus; attempts: number }>();
  if (eventIds.length === 0) return out;
  const rows = await db('webhook_deliveries').where('endpoint_id', endpointId).whereIn('event_id', eventIds).select('id', 'event_id', 'status', 'attempts');
  for (const r of rows) out.set(r.event_id as string, { id: r.id as string, status: r.status as DeliveryStatus, attempts: Number(r.attempts) });
  return out;
}
