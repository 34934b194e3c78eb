import type { Db, Trx } from '../platform/db.js';
import { withTransaction } from '../platform/db.js';
import type { IdempotencyStore } from '../platform/idempotency.js';
import type { FieldCipher } from '../platform/field-cipher.js';
import type { Logger } from '../platform/logger.js';
import type { AuthContext } from '../platform/http-context.js';
import { scopeOf, type ModeScope } from '../platform/mode-scope.js';
import { AppError } from '../platform/app-error.js';
import { appendAudit } from '../platform/audit-store.js';
import { newId } from '../platform/ids.js';
import { decodeIdCursor, toPage } from '../platform/pagination.js';
import { lockTenant } from '../tenants/tenant-store.js';
import type { WebhookQueue } from '../platform/queues.js';
import type { UrlGuard } from './url-guard.js';
import { endpointSecretAad, newSecretRing, rotateSecretRing, tenantSecretAad } from './secret-ring.js';
import {
  countEndpoints,
  deleteEndpoint,
  findEndpoint,
  findTenantSecret,
  insertEndpoint,
  listEndpoints,
  rotateEndpointSecret,
  saveTenantSecret,
  updateEndpoint,
  type EndpointPatch,
} from './webhook-endpoint-store.js';
import { abandonEndpointDeliveries } from './webhook-delivery-store.js';
import type { SecretRing, WebhookEndpoint, WebhookEventType } from './webhook-types.js';
import { createWebhookIdempotency } from './webhook-idempotency.js';
import { createWebhookDeliveryService, webhookActor as actor } from './webhook-delivery-service.js';

export interface WebhookServiceDeps {
  db: Db;
  cipher: FieldCipher;
  guard: UrlGuard;
  queue: WebhookQueue;
  logger: Logger;
  secretOverlapMs: number;
  maxEndpoints: number;
  idempotency: IdempotencyStore;
}

/** Called inside the transaction that made the change, so an Idempotency-Key's answer commits with it. */
type WithEndpoint = (trx: Trx, endpoint: WebhookEndpoint, secret: string) => Promise<void>;
type WithRing = (trx: Trx, ring: SecretRing & { createdAt: Date; updatedAt: Date }, secret: string) => Promise<void>;


/** Endpoint management, the default secret, the delivery log, manual retries and replays. */
export function createWebhookService(deps: WebhookServiceDeps) {
  const { db, cipher, guard } = deps;

  async function endpoint(scope: ModeScope, id: string) {
    const e = await findEndpoint(db, scope, id);
    if (!e) throw new AppError('webhook.endpoint_not_found', 'No webhook endpoint with this id exists for this tenant.');
    return e;
  }

  async function create(auth: AuthContext, input: { url: string; events: WebhookEventType[]; description?: string | null }, requestId: string, recordAnswer?: WithEndpoint) {
    const url = (await guard.check(input.url)).href;
    const id = newId('whe');
    const { ring, secret } = newSecretRing(cipher, endpointSecretAad(id));
    const scope = scopeOf(auth);
    await withTransaction(db, async (trx) => {
      // The tenant row lock serialises concurrent creates, so the count cannot be raced past the limit.
      await lockTenant(trx, auth.tenantId);
      if ((await countEndpoints(trx, scope)) >= deps.maxEndpoints) {
        throw new AppError('webhook.too_many_endpoints', `A tenant may have at most ${deps.maxEndpoints} webhook endpoints in each mode.`);
      }
      await insertEndpoint(trx, { id, ...scope, url, description: input.description ?? null, events: input.events, secretCiphertext: ring.secretCiphertext });
      await appendAudit(trx, { tenantId: auth.tenantId, actor: actor(auth), action: 'webhook_endpoint.created', targetType: 'webhook_endpoint', targetId: id, requestId });
      if (recordAnswer) await recordAnswer(trx, (await findEndpoint(trx, scope, id))!, secret);
    });
    return { endpoint: await endpoint(scope, id), secret };
  }

  async function update(auth: AuthContext, id: string, input: { url?: string; events?: WebhookEventType[]; description?: string | null; enabled?: boolean }, requestId: string) {
    const scope = scopeOf(auth);
    const current = await endpoint(scope, id);
    const patch: EndpointPatch = {};
    if (input.url !== undefined) patch.url = (await guard.check(input.url)).href;
    if (input.events !== undefined) patch.events = input.events;
    if (input.description !== undefined) patch.description = input.description;
    // Only a change of state counts: re-sending enabled=true must not reset a failing endpoint's clock.
    if (input.enabled !== undefined && input.enabled !== current.enabled) patch.enabled = input.enabled;
    await db.transaction(async (trx) => {
      await updateEndpoint(trx, id, patch);
      await appendAudit(trx, {
        tenantId: auth.tenantId,
        actor: actor(auth),
        action: 'webhook_endpoint.updated',
        targetType: 'webhook_endpoint',
        targetId: id,
        requestId,
        details: { url_changed: patch.url !== undefined, enabled: patch.enabled ?? null },
      });
    });
    return endpoint(scope, id);
  }

  async function remove(auth: AuthContext, id: string, requestId: string): Promise<void> {
    await db.transaction(async (trx) => {
      if (!(await deleteEndpoint(trx, scopeOf(auth), id))) throw new AppError('webhook.endpoint_not_found', 'No webhook endpoint with this id exists for this tenant.');
      await abandonEndpointDeliveries(trx, id, 'endpoint_deleted');
      await appendAudit(trx, { tenantId: auth.tenantId, actor: actor(auth), action: 'webhook_endpoint.deleted', targetType: 'webhook_endpoint', targetId: id, requestId });
    });
  }

  const overlapOf = (seconds: number | undefined) => (seconds === undefined ? deps.secretOverlapMs : seconds * 1000);

  async function rotate(auth: AuthContext, id: string, overlapSeconds: number | undefined, requestId: string, recordAnswer?: WithEndpoint) {
    const scope = scopeOf(auth);
    const secret = await withTransaction(db, async (trx) => {
      const current = await findEndpoint(trx, scope, id, true);
      if (!current) throw new AppError('webhook.endpoint_not_found', 'No webhook endpoint with this id exists for this tenant.');
      const next = rotateSecretRing(cipher, endpointSecretAad(id), current, overlapOf(overlapSeconds));
      await rotateEndpointSecret(trx, id, next.ring);
      await appendAudit(trx, { tenantId: auth.tenantId, actor: actor(auth), action: 'webhook_endpoint.secret_rotated', targetType: 'webhook_endpoint', targetId: id, requestId });
      if (recordAnswer) await recordAnswer(trx, (await findEndpoint(trx, scope, id))!, next.secret);
      return next.secret;
    });
    return { endpoint: await endpoint(scope, id), secret };
  }

  async function defaultSecret(scope: ModeScope) {
    return findTenantSecret(db, scope);
  }

  async function rotateDefaultSecret(auth: AuthContext, overlapSeconds: number | undefined, requestId: string, recordAnswer?: WithRing) {
    const scope = scopeOf(auth);
    const secret = await withTransaction(db, async (trx) => {
      const current = await findTenantSecret(trx, scope, true);
      const aad = tenantSecretAad(scope);
      const next = current ? rotateSecretRing(cipher, aad, current, overlapOf(overlapSeconds)) : newSecretRing(cipher, aad);
      await saveTenantSecret(trx, scope, next.ring, current !== undefined);
      await appendAudit(trx, { tenantId: auth.tenantId, actor: actor(auth), action: 'webhook_secret.rotated', targetType: 'tenant', targetId: auth.tenantId, requestId, details: { livemode: scope.livemode } });
      if (recordAnswer) await recordAnswer(trx, (await findTenantSecret(trx, scope))!, next.secret);
      return next.secret;
    });
    return { ring: (await findTenantSecret(db, scope))!, secret };
  }

  /**
   * A one-off `webhook_url` on a validation or batch: the same SSRF rules as an endpoint, and the
   * tenant needs a default secret of the key's mode to sign with. Returns the normalised URL.
   */
  async function checkOneOffUrl(scope: ModeScope, raw: string): Promise<string> {
    const url = (await guard.check(raw)).href;
    if (!(await findTenantSecret(db, scope))) {
      throw new AppError('webhook.default_secret_missing', 'A webhook_url is signed with the tenant default secret; create it first with POST /v1/webhook-secret/rotate.', {
        details: { field: 'webhook_url' },
      });
    }
    return url;
  }

  async function endpoints(scope: ModeScope, cursor: string | undefined, limit: number) {
    const beforeId = cursor ? decodeIdCursor(cursor, 'whe') : undefined;
    return toPage(await listEndpoints(db, { scope, ...(beforeId ? { beforeId } : {}), limit: limit + 1 }), limit, (e) => e.id);
  }

  const idempotent = createWebhookIdempotency({ db, store: deps.idempotency, cipher }).run;

  return { create, update, remove, rotate, endpoint, endpoints, defaultSecret, rotateDefaultSecret, checkOneOffUrl, idempotent, ...createWebhookDeliveryService(deps, endpoint) };
}

export type WebhookService = ReturnType<typeof createWebhookService>;
