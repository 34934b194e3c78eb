import { Router, type Request } from 'express';
import { AppError } from '../platform/app-error.js';
import { requireAuth } from '../platform/http-context.js';
import { scopeOf } from '../platform/mode-scope.js';
import { requestFingerprint } from '../platform/idempotency.js';
import type { CreateValidationInput, ValidationService } from '../validations/validation-service.js';
import { toValidationView } from '../validations/validation-view.js';
import type { ValidationStatus } from '../validations/validation-types.js';
import type { BatchService } from './batch-service.js';
import type { IngestItem } from './batch-ingestor.js';
import { leaveAdmission } from '../platform/admission.js';
import { sendBatchOutcome } from './batch-outcome.js';
import type { WebhookService } from '../webhooks/webhook-service.js';

const query = (req: Request): Record<string, unknown> => req.query as Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

// Mounted by app.ts before the OpenAPI validator; it lives in its own file.
export { csvUploadRoute } from './csv-upload-route.js';

interface JsonBatchBody {
  items: Array<CreateValidationInput>;
  reference_id?: string;
  metadata?: Record<string, string>;
  webhook_url?: string;
  max_age?: number;
}

async function* jsonItems(items: JsonBatchBody['items']): AsyncGenerator<IngestItem> {
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    yield { row: i + 1, ok: true, payee: item, referenceId: item.reference_id ?? null, metadata: item.metadata ?? null };
  }
}

export function batchRoutes(service: BatchService, validations: ValidationService, webhooks: WebhookService, limits: { jsonMaxItems: number }): Router {
  const router = Router();

  router.post('/v1/batches', async (req, res) => {
    const auth = requireAuth(req);
    const body = req.body as JsonBatchBody;
    if (body.items.length > limits.jsonMaxItems) {
      throw new AppError('batch.too_large', `A JSON batch may hold at most ${limits.jsonMaxItems.toLocaleString('en')} items; upload larger sets as CSV.`);
    }
    for (const field of ['webhook_url', 'max_age'] as const) {
      const i = body.items.findIndex((item) => item[field] !== undefined);
      if (i >= 0) {
        throw new AppError('request.invalid', `${field} belongs on the batch, not on its items.`, { details: { field: `items[${i}].${field}` } });
      }
    }
    const webhookUrl = body.webhook_url === undefined ? null : await webhooks.checkOneOffUrl(scopeOf(auth), body.webhook_url);
    const key = req.get('idempotency-key');
    const outcome = await service.ingest(auth, 'json', { referenceId: body.reference_id ?? null, metadata: body.metadata ?? null, webhookUrl, ...(body.max_age !== undefined ? { maxAgeSeconds: body.max_age } : {}) }, jsonItems(body.items), {
      requestId: req.requestId,
      ...(key !== undefined ? { idempotency: { key, fingerprint: requestFingerprint('POST /v1/batches', body) } } : {}),
    });
    sendBatchOutcome(res, outcome);
  });

  router.get('/v1/batches', async (req, res) => {
    const auth = requireAuth(req);
    const page = await service.list(scopeOf(auth), str(query(req).cursor), Number(query(req).limit ?? 20));
    res.json({ object: 'list', data: await Promise.all(page.data.map((b) => service.view(b))), has_more: page.hasMore, next_cursor: page.nextCursor });
  });

  router.get('/v1/batches/:id', async (req, res) => {
    const auth = requireAuth(req);
    res.json(await service.view(await service.get(scopeOf(auth), String(req.params.id))));
  });

  router.get('/v1/batches/:id/items', async (req, res) => {
    const auth = requireAuth(req);
    const batch = await service.get(scopeOf(auth), String(req.params.id));
    const page = await validations.list({
      scope: scopeOf(auth),
      batchId: batch.id,
      status: str(query(req).status) as ValidationStatus | undefined,
      cursor: str(query(req).cursor),
      limit: Number(query(req).limit ?? 20),
    });
    res.json({ object: 'list', data: page.data.map(toValidationView), has_more: page.hasMore, next_cursor: page.nextCursor });
  });

  router.get('/v1/batches/:id/rejections', async (req, res) => {
    const auth = requireAuth(req);
    const page = await service.rejections(scopeOf(auth), String(req.params.id), str(query(req).cursor), Number(query(req).limit ?? 100));
    res.json({ object: 'list', data: page.data, has_more: page.hasMore, next_cursor: page.nextCursor });
  });

  router.get('/v1/batches/:id/results', async (req, res) => {
    const auth = requireAuth(req);
    const batch = await service.get(scopeOf(auth), String(req.params.id));
    const accepted = req.accepts(['application/x-ndjson', 'text/csv', 'application/json']);
    if (!accepted) throw new AppError('batch.not_acceptable', 'Ask for text/csv or application/x-ndjson.');
    const format = accepted === 'text/csv' ? 'csv' : 'ndjson';
    res.status(200);
    res.set('Content-Type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8');
    res.set('Content-Disposition', `attachment; filename="${batch.id}-results.${format === 'csv' ? 'csv' : 'ndjson'}"`);
    // A download lasts as long as the client reads: it must not hold one of the API's admission places.
    leaveAdmission(req);
    await service.streamResults(batch, format, res);
  });

  return router;
}
