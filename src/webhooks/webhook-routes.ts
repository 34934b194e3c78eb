import { Router, type Request, type Response } from 'express';
import { requireAuth } from '../platform/http-context.js';
import { scopeOf } from '../platform/mode-scope.js';
import { AppError } from '../platform/app-error.js';
import { requestFingerprint } from '../platform/idempotency.js';
import type { IdempotentOutcome, IdempotentRequest } from './webhook-idempotency.js';
import type { WebhookService } from './webhook-service.js';
import type { DeliveryStatus, WebhookEventType } from './webhook-types.js';
import { toAttemptView, toDefaultSecretView, toDeliveryView, toEndpointView } from './webhook-view.js';

const query = (req: Request): Record<string, unknown> => req.query as Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The request's Idempotency-Key, fingerprinted with the operation (path included) and the body. */
function idempotencyOf(req: Request): IdempotentRequest | undefined {
  const key = req.get('idempotency-key');
  return key === undefined ? undefined : { key, fingerprint: requestFingerprint(`${req.method} ${req.originalUrl.split('?')[0]}`, req.body ?? null) };
}

function answer(res: Response, outcome: IdempotentOutcome): void {
  if (outcome.replayed) res.set('Idempotent-Replayed', 'true');
  res.status(outcome.response.status).json(outcome.response.body);
}

/**
 * Thin: requests were checked against openapi.yaml; the service does the rest. Every POST here honours
 * Idempotency-Key (openapi.yaml says so per operation).
 */
export function webhookRoutes(service: WebhookService): Router {
  const router = Router();

  router.post('/v1/webhook-endpoints', async (req, res) => {
    const auth = requireAuth(req);
    const outcome = await service.idempotent(scopeOf(auth), idempotencyOf(req), async (record) => {
      const { endpoint, secret } = await service.create(auth, req.body, req.requestId, (trx, e, s) => record(trx, { status: 201, body: toEndpointView(e, s) }, e.id));
      return { status: 201, body: toEndpointView(endpoint, secret) };
    });
    answer(res, outcome);
  });

  router.get('/v1/webhook-endpoints', async (req, res) => {
    const auth = requireAuth(req);
    const page = await service.endpoints(scopeOf(auth), str(query(req).cursor), Number(query(req).limit ?? 20));
    res.json({ object: 'list', data: page.data.map((e) => toEndpointView(e)), has_more: page.hasMore, next_cursor: page.nextCursor });
  });

  router.get('/v1/webhook-endpoints/:id', async (req, res) => {
    const auth = requireAuth(req);
    res.json(toEndpointView(await service.endpoint(scopeOf(auth), String(req.params.id))));
  });

  router.patch('/v1/webhook-endpoints/:id', async (req, res) => {
    const auth = requireAuth(req);
    res.json(toEndpointView(await service.update(auth, String(req.params.id), req.body, req.requestId)));
  });

  router.delete('/v1/webhook-endpoints/:id', async (req, res) => {
    const auth = requireAuth(req);
    await service.remove(auth, String(req.params.id), req.requestId);
    res.json({ id: String(req.params.id), object: 'webhook_endpoint', deleted: true });
  });

  router.post('/v1/webhook-endpoints/:id/rotate-secret', async (req, res) => {
    const auth = requireAuth(req);
    const overlap = (req.body as { overlap_seconds?: number } | undefined)?.overlap_seconds;
    const outcome = await service.idempotent(scopeOf(auth), idempotencyOf(req), async (record) => {
      const { endpoint, secret } = await service.rotate(auth, String(req.params.id), overlap, req.requestId, (trx, e, s) => record(trx, { status: 200, body: toEndpointView(e, s) }, e.id));
      return { status: 200, body: toEndpointView(endpoint, secret) };
    });
    answer(res, outcome);
  });

  router.post('/v1/webhook-endpoints/:id/replay', async (req, res) => {
    const auth = requireAuth(req);
    const since = new Date((req.body as { since: string }).since);
    if (since.getTime() > Date.now()) throw new AppError('request.invalid', '`since` is in the future.', { details: { field: 'since' } });
    const outcome = await service.idempotent(scopeOf(auth), idempotencyOf(req), async () => {
      const r = await service.replay(auth, String(req.params.id), since, req.requestId);
      const body = {
        object: 'webhook_replay',
        endpoint_id: String(req.params.id),
        since: since.toISOString(),
        events: r.events,
        deliveries_created: r.created,
        deliveries_restarted: r.restarted,
        deliveries_already_pending: r.alreadyPending,
        truncated: r.truncated,
      };
      return { status: 202, body };
    });
    answer(res, outcome);
  });

  router.get('/v1/webhook-secret', async (req, res) => {
    const auth = requireAuth(req);
    const scope = scopeOf(auth);
    const ring = await service.defaultSecret(scope);
    res.json(toDefaultSecretView(scope.livemode, ring ?? null, null));
  });

  router.post('/v1/webhook-secret/rotate', async (req, res) => {
    const auth = requireAuth(req);
    const overlap = (req.body as { overlap_seconds?: number } | undefined)?.overlap_seconds;
    const outcome = await service.idempotent(scopeOf(auth), idempotencyOf(req), async (record) => {
      const { ring, secret } = await service.rotateDefaultSecret(auth, overlap, req.requestId, (trx, r, s) => record(trx, { status: 200, body: toDefaultSecretView(scopeOf(auth).livemode, r, s) }));
      return { status: 200, body: toDefaultSecretView(scopeOf(auth).livemode, ring, secret) };
    });
    answer(res, outcome);
  });

  router.get('/v1/webhook-deliveries', async (req, res) => {
    const auth = requireAuth(req);
    const q = query(req);
    const page = await service.deliveries({
      scope: scopeOf(auth),
      ...(str(q.endpoint_id) ? { endpointId: str(q.endpoint_id)! } : {}),
      ...(str(q.event_type) ? { eventType: str(q.event_type) as WebhookEventType } : {}),
      ...(str(q.status) ? { status: str(q.status) as DeliveryStatus } : {}),
      cursor: str(q.cursor),
      limit: Number(q.limit ?? 20),
    });
    res.json({ object: 'list', data: page.data.map(toDeliveryView), has_more: page.hasMore, next_cursor: page.nextCursor });
  });

  router.get('/v1/webhook-deliveries/:id', async (req, res) => {
    const auth = requireAuth(req);
    const { delivery, payload, attempts } = await service.delivery(scopeOf(auth), String(req.params.id));
    res.json({ ...toDeliveryView(delivery), payload, attempt_log: attempts.map(toAttemptView) });
  });

  router.post('/v1/webhook-deliveries/:id/retry', async (req, res) => {
    const auth = requireAuth(req);
    const outcome = await service.idempotent(scopeOf(auth), idempotencyOf(req), async () => ({
      status: 202,
      body: toDeliveryView(await service.retry(auth, String(req.params.id), req.requestId)),
    }));
    answer(res, outcome);
  });

  return router;
}
