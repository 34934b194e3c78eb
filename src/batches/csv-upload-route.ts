import { createHash } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { AppError } from '../platform/app-error.js';
import { requireAuth } from '../platform/http-context.js';
import { scopeOf } from '../platform/mode-scope.js';
import { checkIdempotencyKey, requestFingerprint } from '../platform/idempotency.js';
import type { WebhookService } from '../webhooks/webhook-service.js';
import type { BatchService } from './batch-service.js';
import { createCsvUpload } from './csv-upload.js';
import { drainAfterEarlyAnswer } from './early-answer.js';
import { multipartFile } from './multipart-file.js';
import { decodedBody, withUploadErrors } from './request-encoding.js';
import { sendBatchOutcome } from './batch-outcome.js';
import { checkReferenceId, parseMaxAge, uploadQuery, withMultipartFields } from './upload-params.js';

/** Declared sizes this far past BATCH_MAX_BYTES are refused before reading (compressed bodies may be a little larger). */
const DECLARED_SLACK = 64 * 1024;

/**
 * CSV uploads (raw `text/csv` or multipart, optionally gzip / deflate / br) are streamed, so they are
 * handled before the OpenAPI validator, which would otherwise buffer multipart bodies in memory; this
 * handler checks what the spec says about them itself. JSON batches fall through to the validated route.
 */
export function csvUploadRoute(service: BatchService, webhooks: WebhookService, limits: { maxBytes: number }): Router {
  const router = Router();
  router.post('/v1/batches', async (req, res, next) => {
    if (!req.is('text/csv') && !req.is('multipart/form-data')) {
      next();
      return;
    }
    await handleCsvUpload(req, res, service, webhooks, limits);
  });
  return router;
}

/** One CSV upload by the authenticated caller (`req.auth`): the API's route and the console's share it. */
export async function handleCsvUpload(req: Request, res: Response, service: BatchService, webhooks: WebhookService, limits: { maxBytes: number }): Promise<void> {
  try {
    await uploadCsv(req, res, service, webhooks, limits);
  } finally {
    // Answered before the body was read to its end (an error, or a replay that failed its check).
    drainAfterEarlyAnswer(req, res);
  }
}

async function uploadCsv(req: Request, res: Response, service: BatchService, webhooks: WebhookService, limits: { maxBytes: number }): Promise<void> {
  const auth = requireAuth(req);
  const declared = Number(req.get('content-length'));
  if (Number.isFinite(declared) && declared > limits.maxBytes + DECLARED_SLACK) {
    throw new AppError('batch.too_large', `A batch upload may be at most ${limits.maxBytes.toLocaleString('en')} bytes.`);
  }
  const key = req.get('idempotency-key');
  if (key !== undefined) checkIdempotencyKey(key);
  let params = uploadQuery(req.query as Record<string, unknown>);

  // The client hanging up stops the reading, even of rows already buffered.
  const hangUp = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) hangUp.abort();
  });

  const decoded = decodedBody(req);
  let body: AsyncIterable<Buffer> = decoded;
  if (req.is('multipart/form-data')) {
    const multipart = await multipartFile(decoded, req.headers, limits.maxBytes);
    params = withMultipartFields(params, multipart.fields);
    body = multipart.file;
  }
  checkReferenceId(params.referenceId);
  const webhookUrl = params.webhookUrl === null ? null : await webhooks.checkOneOffUrl(scopeOf(auth), params.webhookUrl);
  const maxAgeSeconds = parseMaxAge(params.maxAgeText);

  const upload = createCsvUpload(withUploadErrors(body), { maxBytes: limits.maxBytes, signal: hangUp.signal });
  const head = await upload.head();
  const { rows } = await upload.open();
  // Reserved before anything is created, so it can only cover what is known up front: the decoded
  // first 64 kB and the parameters; never the framing, chunking or compression of the request. The
  // whole file's hash is recorded with the batch and checked when the key is replayed.
  const fingerprint = requestFingerprint('POST /v1/batches text/csv', {
    head: createHash('sha256').update(head).digest('hex'),
    reference_id: params.referenceId,
    webhook_url: webhookUrl,
    max_age: maxAgeSeconds ?? null,
  });
  const outcome = await service.ingest(
    auth,
    'csv',
    { referenceId: params.referenceId, metadata: null, webhookUrl, ...(maxAgeSeconds !== undefined ? { maxAgeSeconds } : {}) },
    rows(),
    { requestId: req.requestId, ...(key !== undefined ? { idempotency: { key, fingerprint, bodyHash: upload.digest } } : {}) },
  );
  if (outcome.replayed && outcome.bodyHash !== null && (await upload.drain()) !== outcome.bodyHash) {
    throw new AppError('idempotency.key_reused', 'This Idempotency-Key was already used with a different file.');
  }
  sendBatchOutcome(res, outcome);
}
