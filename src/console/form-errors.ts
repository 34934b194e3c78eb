// A form that fails is shown again with the reason and the error's status; anything else (a bug, a
// database outage) goes to the console's error page.
import type { Response } from 'express';
import { AppError } from '../platform/app-error.js';
import { retryAfterOf } from '../platform/error-handler.js';

/** Errors a person can act on from the form itself. */
const SHOWN_ON_FORM = new Set([400, 401, 403, 404, 409, 413, 422, 429]);

/**
 * The message to show on the form, with the answer's status (and Retry-After, as every answer) set; or
 * null when the error is not one a form shows, which the caller rethrows.
 */
export function formFailure(res: Response, err: unknown): string | null {
  if (!(err instanceof AppError) || !SHOWN_ON_FORM.has(err.status) || err.code === 'console.csrf_failed') return null;
  res.status(err.status);
  const retryAfter = retryAfterOf(err);
  if (retryAfter !== undefined) res.set('Retry-After', String(retryAfter));
  return err.message;
}
