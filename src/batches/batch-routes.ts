import { createHash } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import type { Db } from '../platform/db.js';
import { AppError } from '../platform/app-error.js';
import { requireAuth } from '../platform/http-context.js';
import { scopeOf } from '../platform/mode-scope.js';
import { checkIdempotencyKey, requestFingerprint } from '../platform/idempotency.js';
import type { CreateValidationInput, ValidationService } from '../validations/validation-service.js';
import { toValidationView } from '../validations/validation-view.js';
import type { ValidationStatus } from '../validations/validation-types.js';
import type { BatchCreateOutcome, BatchService } from './batch-service.js';
import type { IngestItem } from './batch-ingestor.js';
import { createCsvUpload } from './csv-upload.js';
import { isReferenceId } from './csv-row.js';
import { multipartFile } from './multipart-file.js';
import { streamBatchResults } from './batch-results.js';
import type { WebhookService } from '../webhooks/webhook-service.js';

const query = (req: Request): Record<string, unknown> => req.query as Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function send(res: Response, outcome: BatchCreateOutcome): void {
  if (outcome.replayed) {
    res.set('Idempotent-Replayed', 'true').status(outcome.response.status).json(outcome.response.body);
    return;
  }
  res.status(outcome.status).json(outcome.body);
}

/**
 * CSV uploads (raw `text/csv` or multipart) are streamed, so they are handled before the OpenAPI
 * validator, which would otherwise buffer multipart bodies in memory; this handler checks what the
 * spec says about them itself. JSON batches fall through to the validated route below.
 */
export function csvUploadRoute(service: BatchService, webhooks: WebhookService, limits: { maxBytes: number }): Router {
  const router = Router();
  router.post('/v1/batches', async (req, res, next) => {
    const isCsv = Boolean(req.is('text/csv'));
    const isMultipart = Boolean(req.is('multipart/form-data'));
    if (!isCsv && !isMultipart) {
      next();
      return;
    }
    const auth = requireAuth(req);
    const declared = Number(req.get('content-length'));
    if (Number.isFinite(declared) && declared > limits.maxBytes + 64 * 1024) {
      throw new AppError('batch.too_large', `A batch upload may be at most ${limits.maxBytes.toLocaleString('en')} bytes.`);
    }
    const key = req.get('idempotency-key');
    if (key !== undefined) checkIdempotencyKey(key);

    let referenceId = str(query(req).reference_id) ?? null;
    let webhookUrl = str(query(req).webhook_url) ?? null;
    let maxAgeText = str(query(req).max_age);
    let body: AsyncIterable<Buffer> = req;
    if (isMultipart) {
      const { fields, file } = await multipartFile(req, limits.maxBytes);
      referenceId = fields.reference_id?.trim() || referenceId;
      webhookUrl = fields.webhook_url?.trim() || webhookUrl;
      maxAgeText = fields.max_age?.trim() || maxAgeText;
      body = file;
    }
    if (referenceId !== null && !isReferenceId(referenceId)) {
      throw new AppError('request.invalid', 'reference_id must be 1–64 characters of letters, digits and . _ : / -', { details: { field: 'reference_id' } });
    }

    if (webhookUrl !== null) webhookUrl = await webhooks.checkOneOffUrl(scopeOf(auth), webhookUrl);
    const maxAgeSeconds = maxAgeText === undefined ? undefined : parseMaxAge(maxAgeText);

    const upload = createCsvUpload(body, { maxBytes: limits.maxBytes });
    const head = await upload.head();
    const { rows } = await upload.open();
    // The whole file is not known until it has been stored, so the fingerprint covers what is known
    // up front: the first 64 kB, the declared length and the reference. Enough to tell two files apart.
    const fingerprint = requestFingerprint('POST /v1/batches text/csv', {
      head: createHash('sha256').update(head).digest('hex'),
      length: req.get('content-length') ?? null,
      reference_id: referenceId,
      webhook_url: webhookUrl,
      max_age: maxAgeSeconds ?? null,
    });
    const outcome = await service.ingest(auth, 'csv', { referenceId, metadata: null, webhookUrl, ...(maxAgeSeconds !== undefined ? { maxAgeSeconds } : {}) }, rows(), {
      requestId: req.requestId,
      ...(key !== undefined ? { idempotency: { key, fingerprint } } : {}),
    });
    send(res, outcome);
  });
  return router;
}

interface JsonBatchBody {
  items: Array<CreateValidationInput>;
  reference_id?: string;
  metadata?: Record<string, string>;
  webhook_url?: string;
  max_age?: number;
}

const MAX_AGE_LIMIT = 30 * 86_400;

/** `max_age` of a CSV upload (query or multipart field): whole seconds, 0–30 days. */
function parseMaxAge(text: string): number {
  const n = Number(text);
  if (!/^\d{1,7}$/.test(text) || n > MAX_AGE_LIMIT) {
    throw new AppError('request.invalid', `max_age must be whole seconds from 0 to ${MAX_AGE_LIMIT}.`, { details: { field: 'max_age' } });
  }
  return n;
}

async function* jsonItems(items: JsonBatchBody['items']): AsyncGenerator<IngestItem> {
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    yield { row: i + 1, ok: true, payee: item, referenceId: item.reference_id ?? null, metadata: item.metadata ?? null };
  }
}

export function batchRoutes(service: BatchService, validations: ValidationService, webhooks: WebhookService, db: Db, limits: { jsonMaxItems: number }): Router {
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
    send(res, outcome);
  });

  router.get('/v1/batches', async (req, res) => {
    const page = await service.list(scopeOf(requireAuth(req)), str(query(req).cursor), Number(query(req).limit ?? 20));
    res.json({ object: 'list', data: await Promise.all(page.data.map((b) => service.view(b))), has_more: page.hasMore, next_cursor: page.nextCursor });
  });

  router.get('/v1/batches/:id', async (req, res) => {
    res.json(await service.view(await service.get(scopeOf(requireAuth(req)), String(req.params.id))));
  });

  router.get('/v1/batches/:id/items', async (req, res) => {
    const scope = scopeOf(requireAuth(req));
    const batch = await service.get(scope, String(req.params.id));
    const page = await validations.list({
      scope,
      batchId: batch.id,
      status: str(query(req).status) as ValidationStatus | undefined,
      cursor: str(query(req).cursor),
      limit: Number(query(req).limit ?? 20),
    });
    res.json({ object: 'list', data: page.data.map(toValidationView), has_more: page.hasMore, next_cursor: page.nextCursor });
  });

  router.get('/v1/batches/:id/rejections', async (req, res) => {
    const page = await service.rejections(scopeOf(requireAuth(req)), String(req.params.id), str(query(req).cursor), Number(query(req).limit ?? 100));
    res.json({ object: 'list', data: page.data, has_more: page.hasMore, next_cursor: page.nextCursor });
  });

  router.get('/v1/batches/:id/results', async (req, res) => {
    const batch = await service.get(scopeOf(requireAuth(req)), String(req.params.id));
    const accepted = req.accepts(['application/x-ndjson', 'text/csv', 'application/json']);
    if (!accepted) throw new AppError('batch.not_acceptable', 'Ask for text/csv or application/x-ndjson.');
    const format = accepted === 'text/csv' ? 'csv' : 'ndjson';
    res.status(200);
    res.set('Content-Type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8');
    res.set('Content-Disposition', `attachment; filename="${batch.id}-results.${format === 'csv' ? 'csv' : 'ndjson'}"`);
    await streamBatchResults(db, batch.id, format, res);
  });

  return router;
}
