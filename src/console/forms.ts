// Reading console forms: bounded url-encoded bodies, one string per field, and the hidden CSRF field.
import express, { type Request, type RequestHandler } from 'express';
import { AppError } from '../platform/app-error.js';
import { html, type Html } from './html.js';

const parseForm = express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 64 });

/**
 * Console forms are small (uploads take their own streamed route) and must arrive within `timeoutMs`
 * (HTTP_BODY_READ_TIMEOUT_MS, as JSON bodies on /v1): past it, 408 on a connection then closed, so a
 * client sending a byte now and then cannot hold a connection for ever (the sign-in form is public).
 */
export function formBody(timeoutMs: number): RequestHandler {
  return (req, res, next) => {
    let settled = false;
    const done = (err?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      next(err);
    };
    const timer = setTimeout(() => {
      res.setHeader('Connection', 'close');
      done(new AppError('request.body_timeout', `The form did not arrive within ${timeoutMs.toLocaleString('en')} ms.`));
    }, timeoutMs);
    parseForm(req, res, done);
  };
}

/** A field as one trimmed string (a repeated field is refused), at most `max` characters. */
export function field(req: Request, name: string, opts: { max?: number; required?: boolean; trim?: boolean } = {}): string {
  const v = (req.body as Record<string, unknown> | undefined)?.[name];
  if (v !== undefined && typeof v !== 'string') throw new AppError('console.invalid_input', `The field ${name} was sent more than once.`);
  const s = opts.trim === false ? (v ?? '') : (v ?? '').trim();
  if (opts.required && s === '') throw new AppError('console.invalid_input', `Fill in ${name.replaceAll('_', ' ')}.`);
  if (s.length > (opts.max ?? 200)) throw new AppError('console.invalid_input', `${name.replaceAll('_', ' ')} is too long.`);
  return s;
}

/** A query parameter as one string, or '' (repeated or over-long values are refused). */
export function queryParam(req: Request, name: string, max = 100): string {
  const v = (req.query as Record<string, unknown>)[name];
  if (v === undefined) return '';
  if (typeof v !== 'string' || v.length > max) throw new AppError('console.invalid_input', `The ${name} filter is not valid.`);
  return v.trim();
}

export const csrfField = (csrf: string): Html => html`<input type="hidden" name="_csrf" value="${csrf}">`;

/** A page's notice for the fixed code in `?notice=` (own keys only: `constructor` is no notice). */
export function noticeOf(req: Request, notices: Readonly<Record<string, string>>): string | null {
  const code = queryParam(req, 'notice');
  return Object.hasOwn(notices, code) ? notices[code]! : null;
}
