import { AppError } from '../platform/app-error.js';
import { isReferenceId } from './csv-row.js';

/** The query parameters a CSV upload takes (openapi.yaml, POST /v1/batches); the OpenAPI validator does not see this route. */
const UPLOAD_QUERY = new Set(['reference_id', 'webhook_url', 'max_age']);
const MAX_AGE_LIMIT = 30 * 86_400;
// A parameter's name is echoed only when it cannot be an account number or other payee data.
const SHOWABLE_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

export interface UploadParams { referenceId: string | null; webhookUrl: string | null; maxAgeText: string | undefined }

const invalid = (message: string, field: string) => new AppError('request.invalid', message, { details: { field } });

/** Refuses unknown and repeated query parameters, as the OpenAPI validator does for JSON requests. */
export function uploadQuery(query: Record<string, unknown>): UploadParams {
  for (const [name, value] of Object.entries(query)) {
    const field = SHOWABLE_NAME.test(name) && !/\d{9,}/.test(name) ? name : 'query';
    if (!UPLOAD_QUERY.has(name)) {
      throw invalid(`Unknown query parameter${field === 'query' ? '' : ` ${field}`}; a CSV upload takes reference_id, webhook_url and max_age.`, field);
    }
    if (typeof value !== 'string') throw invalid(`The query parameter ${name} may appear only once.`, name);
  }
  const text = (name: string): string | undefined => query[name] as string | undefined;
  return { referenceId: text('reference_id') ?? null, webhookUrl: text('webhook_url') ?? null, maxAgeText: text('max_age') };
}

/** Multipart fields sent before the file override the query. */
export function withMultipartFields(params: UploadParams, fields: Record<string, string>): UploadParams {
  return {
    referenceId: fields.reference_id?.trim() || params.referenceId,
    webhookUrl: fields.webhook_url?.trim() || params.webhookUrl,
    maxAgeText: fields.max_age?.trim() || params.maxAgeText,
  };
}

export function checkReferenceId(referenceId: string | null): void {
  if (referenceId !== null && !isReferenceId(referenceId)) throw invalid('reference_id must be 1–64 characters of letters, digits and . _ : / -', 'reference_id');
}

/** `max_age` of a CSV upload (query or multipart field): whole seconds, 0–30 days. */
export function parseMaxAge(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d{1,7}$/.test(text) || n > MAX_AGE_LIMIT) throw invalid(`max_age must be whole seconds from 0 to ${MAX_AGE_LIMIT}.`, 'max_age');
  return n;
}
