/**
 * Stable error codes. Clients branch on these, so a code is never renamed; its HTTP status lives in
 * one table below so the mapping cannot drift between routes.
 */
export const ERROR_STATUS = {
  'request.invalid': 400,
  'request.body_too_large': 413,
  'request.unsupported_media_type': 415,
  'request.unsupported_content_encoding': 415,
  'request.invalid_content_encoding': 400,
  'request.malformed_json': 400,
  'request.body_timeout': 408,
  'route.not_found': 404,
  'route.method_not_allowed': 405,
  'auth.missing_key': 401,
  'auth.invalid_key': 401,
  'auth.too_many_failures': 429,
  'rate_limit.exceeded': 429,
  // A spend cap on charged partner calls is used up (docs/decisions/0037); details say which and when it resets.
  'quota.exceeded': 429,
  'idempotency.invalid_key': 400,
  'idempotency.key_reused': 422,
  'idempotency.in_progress': 409,
  'validation.not_found': 404,
  'validation.missing_field': 400,
  'validation.unexpected_field': 400,
  'validation.invalid_account_number': 400,
  'validation.invalid_ifsc': 400,
  'validation.unknown_ifsc': 400,
  'validation.invalid_vpa': 400,
  'validation.invalid_rail': 400,
  'validation.invalid_name': 400,
  'pagination.invalid_cursor': 400,
  'batch.not_found': 404,
  'erasure_request.not_found': 404,
  'batch.too_large': 413,
  'batch.unreadable_csv': 400,
  'batch.missing_columns': 400,
  'batch.duplicate_column': 400,
  'batch.missing_file': 400,
  // The client hung up mid-upload: the batch is failed with this code; the answer reaches no one.
  'batch.upload_interrupted': 400,
  'batch.not_acceptable': 406,
  'webhook.url_invalid': 400,
  'webhook.url_https_required': 400,
  'webhook.url_credentials': 400,
  'webhook.url_blocked_address': 400,
  'webhook.url_unresolvable': 400,
  'webhook.default_secret_missing': 400,
  'webhook.endpoint_not_found': 404,
  'webhook.delivery_not_found': 404,
  'webhook.endpoint_disabled': 409,
  'webhook.too_many_endpoints': 409,
  'settings.live_key_required': 403,
  // The console (session-cookie routes under /console).
  'console.sign_in_required': 401,
  'console.sign_in_failed': 401,
  'console.totp_failed': 401,
  'console.too_many_sign_ins': 429,
  'console.csrf_failed': 403,
  'console.forbidden': 403,
  'console.invitation_invalid': 404,
  'console.invalid_input': 400,
  'console.email_taken': 409,
  'console.last_owner': 409,
  'user.not_found': 404,
  'api_key.not_found': 404,
  'service.unavailable': 503,
  'service.busy': 503,
  'internal.error': 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface AppErrorOptions {
  details?: Record<string, unknown>;
  cause?: unknown;
  /** Seconds for a Retry-After header (429/503). */
  retryAfterSeconds?: number;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, opts: AppErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.details = opts.details;
    this.retryAfterSeconds = opts.retryAfterSeconds;
  }
}

const INFRA_ERROR_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH',
  'PROTOCOL_CONNECTION_LOST', 'ER_CON_COUNT_ERROR', 'ER_SERVER_SHUTDOWN', 'ER_LOCK_WAIT_TIMEOUT', 'ER_LOCK_DEADLOCK',
]);

/**
 * True for failures of MySQL or Redis themselves (down, unreachable, overloaded): these answer 503 with
 * Retry-After rather than 500, because retrying later is the right thing for the client to do.
 */
export function isInfrastructureError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const e = err as Error & { code?: string; errno?: number };
  if (e.code && INFRA_ERROR_CODES.has(e.code)) return true;
  if (e.name === 'KnexTimeoutError') return true;
  // ioredis: commands refused while the connection is down and the offline queue is disabled.
  if (/Stream isn't writeable|Connection is closed|enableOfflineQueue options is false/i.test(e.message)) return true;
  if (e.name === 'MaxRetriesPerRequestError') return true;
  const agg = err as Error & { errors?: unknown[] };
  if (Array.isArray(agg.errors)) return agg.errors.some(isInfrastructureError);
  return false;
}
