import { dateOrNull as date, parseJsonColumn, type Db, type Trx } from '../platform/db.js';
import { scopeWhere, type ModeScope } from '../platform/mode-scope.js';
import type { EndpointDisabledReason, SecretRing, WebhookEndpoint, WebhookEventType } from './webhook-types.js';

type Row = Record<string, unknown>;

function ringFromRow(r: Row): SecretRing {
  return {
    secretCiphertext: r.secret_ciphertext as string,
    previousSecretCiphertext: (r.previous_secret_ciphertext as string | null) ?? null,
    previousSecretExpiresAt: date(r.previous_secret_expires_at),
  };
}

function fromRow(r: Row): WebhookEndpoint {
  return {
    id: r.id as string,
    tenantId: r.tenant_id as string,
    livemode: Boolean(r.livemode),
    url: r.url as string,
    description: (r.description as string | null) ?? null,
    events: parseJsonColumn<WebhookEventType[]>(r.events) ?? [],
    enabled: Boolean(r.enabled),
    disabledReason: (r.disabled_reason as EndpointDisabledReason | null) ?? null,
    disabledAt: date(r.disabled_at),
    failingSince: date(r.failing_since),
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
    ...ringFromRow(r),
  };
}

export interface NewEndpoint {
  id: string;
  tenantId: string;
  livemode: boolean;
  url: string;
  description: string | null;
  events: WebhookEventType[];
  secretCiphertext: string;
}

export async function insertEndpoint(db: Db | Trx, e: NewEndpoint, now = new Date()): Promise<void> {
  await db('webhook_endpoints').insert({
    id: e.id,
    tenant_id: e.tenantId,
    livemode: e.livemode,
    url: e.url,
    description: e.description,
    events: JSON.stringify(e.events),
    enabled: true,
    secret_ciphertext: e.secretCiphertext,
    created_at: now,
    updated_at: now,
  });
}

/** Per mode: test endpoints never use up the live allowance. */
export async function countEndpoints(db: Db | Trx, scope: ModeScope): Promise<number> {
  const [row] = await db('webhook_endpoints').where(scopeWhere(scope)).count({ n: '*' });
  return Number(row?.n ?? 0);
}

/** Scoped: another tenant's endpoint, or another mode's, does not exist. */
export async function findEndpoint(db: Db | Trx, scope: ModeScope, id: string, forUpdate = false): Promise<WebhookEndpoint | undefined> {
  const q = db('webhook_endpoints').where({ id, ...scopeWhere(scope) });
  if (forUpdate) q.forUpdate();
  const row = await q.first();
  return row ? fromRow(row) : undefined;
}

export async function listEndpoints(db: Db, q: { scope: ModeScope; beforeId?: string; limit: number }): Promise<WebhookEndpoint[]> {
  const query = db('webhook_endpoints').where(scopeWhere(q.scope));
  if (q.beforeId) query.where('id', '<', q.beforeId);
  return (await query.orderBy('id', 'desc').limit(q.limit)).map(fromRow);
}

/**
 * Enabled endpoints of the event's tenant and mode subscribed to `type` (a test event never reaches a
 * live endpoint); read inside the transaction that records the event.
 */
export async function subscribedEndpoints(trx: Trx, scope: ModeScope, type: WebhookEventType): Promise<Array<{ id: string }>> {
  const rows = await trx('webhook_endpoints').where({ ...scopeWhere(scope), enabled: true }).select('id', 'events');
  return rows.filter((r) => (parseJsonColumn<string[]>(r.events) ?? []).includes(type)).map((r) => ({ id: r.id as string }));
}

export interface EndpointPatch {
  url?: string;
  description?: string | null;
  events?: WebhookEventType[];
  enabled?: boolean;
}

export async function updateEndpoint(db: Db | Trx, id: string, patch: EndpointPatch, now = new Date()): Promise<void> {
  const update: Record<string, unknown> = { updated_at: now };
  if (patch.url !== undefined) update.url = patch.url;
  if (patch.description !== undefined) update.description = patch.description;
  if (patch.events !== undefined) update.events = JSON.stringify(patch.events);
  if (patch.enabled === true) Object.assign(update, { enabled: true, disabled_reason: null, disabled_at: null, failing_since: null });
  if (patch.enabled === false) Object.assign(update, { enabled: false, disabled_reason: 'manual', disabled_at: now });
  await db('webhook_endpoints').where({ id }).update(update);
}

export async function deleteEndpoint(db: Db | Trx, scope: ModeScope, id: string): Promise<boolean> {
  return (await db('webhook_endpoints').where({ id, ...scopeWhere(scope) }).delete()) === 1;
}

/** The new secret signs from now on; the old one keeps signing alongside it until `previousExpiresAt`. */
export async function rotateEndpointSecret(db: Db | Trx, id: string, ring: SecretRing, now = new Date()): Promise<void> {
  await db('webhook_endpoints').where({ id }).update({
    secret_ciphertext: ring.secretCiphertext,
    previous_secret_ciphertext: ring.previousSecretCiphertext,
    previous_secret_expires_at: ring.previousSecretExpiresAt,
    updated_at: now,
  });
}

/** Any successful delivery ends a run of failures. */
export async function markEndpointHealthy(db: Db | Trx, id: string): Promise<void> {
  await db('webhook_endpoints').where({ id }).whereNotNull('failing_since').update({ failing_since: null });
}

/** Starts the failure clock if it is not running; returns when the current run of failures began. */
export async function markEndpointFailing(trx: Trx, id: string, now: Date): Promise<Date | null> {
  await trx('webhook_endpoints').where({ id }).whereNull('failing_since').update({ failing_since: now });
  const row = await trx('webhook_endpoints').where({ id }).first('failing_since');
  return row ? date(row.failing_since) : null;
}

/** Disables an enabled endpoint; true when this call did it (so its `endpoint.disabled` event is recorded once). */
export async function disableEndpoint(trx: Trx, id: string, reason: EndpointDisabledReason, now = new Date()): Promise<boolean> {
  const n = await trx('webhook_endpoints').where({ id, enabled: true }).update({ enabled: false, disabled_reason: reason, disabled_at: now, updated_at: now });
  return n === 1;
}

export async function findEndpointById(db: Db | Trx, id: string): Promise<WebhookEndpoint | undefined> {
  const row = await db('webhook_endpoints').where({ id }).first();
  return row ? fromRow(row) : undefined;
}

/** The tenant's default secret of one mode (each mode has its own, like Stripe's). */
export async function findTenantSecret(db: Db | Trx, scope: ModeScope, forUpdate = false): Promise<(SecretRing & { createdAt: Date; updatedAt: Date }) | undefined> {
  const q = db('tenant_webhook_secrets').where(scopeWhere(scope));
  if (forUpdate) q.forUpdate();
  const row = await q.first();
  return row ? { ...ringFromRow(row), createdAt: row.created_at as Date, updatedAt: row.updated_at as Date } : undefined;
}

export async function saveTenantSecret(trx: Trx, scope: ModeScope, ring: SecretRing, exists: boolean, now = new Date()): Promise<void> {
  const values = {
    secret_ciphertext: ring.secretCiphertext,
    previous_secret_ciphertext: ring.previousSecretCiphertext,
    previous_secret_expires_at: ring.previousSecretExpiresAt,
    updated_at: now,
  };
  if (exists) await trx('tenant_webhook_secrets').where(scopeWhere(scope)).update(values);
  else await trx('tenant_webhook_secrets').insert({ ...scopeWhere(scope), ...values, created_at: now });
}
