import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from './logger.js';
import { AppError, isInfrastructureError, type ErrorCode } from './app-error.js';
import { maskDigitRuns } from './logger.js';

interface ValidatorError extends Error {
  status: number;
  errors?: Array<{ path?: string; message?: string; errorCode?: string }>;
}

const VALIDATOR_CODES: Record<number, ErrorCode> = {
  400: 'request.invalid',
  404: 'route.not_found',
  405: 'route.method_not_allowed',
  413: 'request.body_too_large',
  415: 'request.unsupported_media_type',
};

/** Turns anything thrown into the one error body shape; never leaks a stack or a dependency's message. */
export function toAppError(err: unknown): { error: AppError; unexpected: boolean } {
  if (err instanceof AppError) return { error: err, unexpected: false };
  const e = err as Partial<ValidatorError> & { type?: string; expose?: boolean };
  // body-parser
  if (e?.type === 'entity.too.large') return { error: new AppError('request.body_too_large', 'The request body is too large.'), unexpected: false };
  if (e?.type === 'entity.parse.failed') return { error: new AppError('request.malformed_json', 'The request body is not valid JSON.'), unexpected: false };
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') {
    return { error: new AppError('request.unsupported_media_type', 'Unsupported body encoding.'), unexpected: false };
  }
  // body-parser's other client errors (the console's forms): too many fields, a body that does not
  // inflate, a client that hung up mid-body. None is a bug, none is logged as one.
  if (e?.type === 'parameters.too.many') return { error: new AppError('request.invalid', 'The form has too many fields.'), unexpected: false };
  if (e?.expose === true && typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    return { error: new AppError('request.invalid', 'The request body could not be read.'), unexpected: false };
  }
  // Express's router: a path parameter whose percent-escapes do not decode (`/x/%E0%A4%A`).
  if (err instanceof URIError && e.status === 400) return { error: new AppError('request.invalid', 'The URL has a percent-escape that does not decode.'), unexpected: false };
  // express-openapi-validator (request side; a response-validation failure is a 500 = our bug). Its texts
  // quote what was sent (an unknown query parameter's name, a path segment): digit runs that could be an
  // account number are masked, like in the logs.
  if (typeof e?.status === 'number' && Array.isArray(e.errors) && e.status < 500) {
    const code = VALIDATOR_CODES[e.status] ?? 'request.invalid';
    const details = e.status === 400 ? { errors: e.errors.map((i) => ({ path: maskDigitRuns(i.path ?? ''), message: maskDigitRuns(i.message ?? '') })) } : undefined;
    const message =
      e.status === 400 ? 'The request does not match the API schema; see details.errors.' : e.status === 404 ? 'No such route.' : maskDigitRuns(e.message ?? 'Bad request');
    return { error: new AppError(code, message, details ? { details } : {}), unexpected: false };
  }
  if (isInfrastructureError(err)) {
    return { error: new AppError('service.unavailable', 'The service is temporarily unavailable; retry shortly.', { retryAfterSeconds: 5, cause: err }), unexpected: false };
  }
  return { error: new AppError('internal.error', 'An internal error occurred.', { cause: err }), unexpected: true };
}

/** The validator's 405 names the path's methods (`get, post`); RFC 9110 wants them in an `Allow` header. */
function allowedMethods(err: unknown): string | undefined {
  const allow = (err as { status?: number; headers?: { Allow?: unknown } } | null)?.headers?.Allow;
  if ((err as { status?: number }).status !== 405 || typeof allow !== 'string') return undefined;
  const rank = (m: string) => (METHOD_ORDER.indexOf(m) + 1 || METHOD_ORDER.length + 1);
  return allow.split(',').map((m) => m.trim().toUpperCase()).filter(Boolean).sort((a, b) => rank(a) - rank(b)).join(', ');
}

/**
 * Every 409 carries Retry-After (openapi.yaml promises it). A conflict with an object's state (endpoint
 * disabled, endpoint limit reached) only clears when the client changes that state, so the hint is long.
 */
const STATE_CONFLICT_RETRY_AFTER_SECONDS = 60;

/** The Retry-After an error's answer carries (every 409, 429 and 503 has one), or undefined. */
export const retryAfterOf = (error: AppError): number | undefined =>
  error.retryAfterSeconds ?? (error.status === 409 ? STATE_CONFLICT_RETRY_AFTER_SECONDS : undefined);

const METHOD_ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const { error, unexpected } = toAppError(err);
    if (unexpected) logger.error({ err, requestId: req.requestId }, 'unhandled error');
    // Shedding is the overload answer, one per refused request: not a dependency failure, and not an error.
    else if (error.code === 'service.busy') logger.info({ requestId: req.requestId, code: error.code }, 'request refused: busy');
    else if (error.status >= 500) logger.warn({ err: error.cause ?? error, requestId: req.requestId, code: error.code }, 'dependency unavailable');
    if (res.headersSent) {
      // A stream that failed half-way (a results download): end the connection so the client sees a
      // truncated transfer instead of waiting for bytes that will never come.
      if (!res.writableEnded) res.destroy();
      return;
    }
    const retryAfter = retryAfterOf(error);
    if (retryAfter !== undefined) res.set('Retry-After', String(retryAfter));
    const allow = allowedMethods(err);
    if (allow) res.set('Allow', allow);
    res.status(error.status).json({
      error: {
        code: error.code,
        message: error.message,
        request_id: req.requestId,
        ...(error.details ? { details: error.details } : {}),
      },
    });
  };
}

export const notFoundHandler: RequestHandler = () => {
  throw new AppError('route.not_found', 'No such route.');
};
