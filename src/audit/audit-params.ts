// The audit API's query parameters, after openapi.yaml has checked their shapes: the filter, the opaque
// cursor and the export's bounded range. The console reads the same log through the same query
// (platform/audit-query.ts), whose input errors are named for forms; the API names them its own way.
import { AppError } from '../platform/app-error.js';
import { auditDays, type AuditFilter } from '../platform/audit-query.js';
import { decodeCursor } from '../platform/pagination.js';

/** An export covers at most this many UTC days, `from` and `to` included (a leap year). */
export const EXPORT_MAX_DAYS = 366;

type Query = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The console's input errors, as the API's codes: a bad date is `request.invalid` with `details.field`. */
export function asApiError(err: unknown): unknown {
  if (!(err instanceof AppError)) return err;
  if (err.code === 'console.invalid_input') return new AppError('request.invalid', err.message, { ...(err.details ? { details: err.details } : {}), cause: err });
  if (err.code === 'pagination.invalid_cursor') return new AppError('pagination.invalid_cursor', 'The cursor is not valid.', { cause: err });
  return err;
}

export function auditFilter(q: Query): AuditFilter {
  const filter: AuditFilter = {};
  for (const key of ['action', 'actor', 'from', 'to'] as const) {
    const value = str(q[key]);
    if (value !== undefined) filter[key] = value;
  }
  return filter;
}

/**
 * The position a cursor names (the last id of the previous page), as audit-query reads it. Whatever it
 * decodes to, the query stays within the caller's tenant: another tenant's cursor only pages this one.
 */
export const auditCursor = (q: Query): string => {
  const cursor = str(q.cursor);
  if (cursor === undefined) return '';
  const key = decodeCursor(cursor);
  if (key === '') throw new AppError('pagination.invalid_cursor', 'The cursor is not valid.');
  return key;
};

/** The export's filter: both days given, in order, at most EXPORT_MAX_DAYS apart (checked before any query). */
export function exportFilter(q: Query): AuditFilter {
  const filter: AuditFilter = { from: str(q.from) ?? '', to: str(q.to) ?? '' };
  const { from, toEnd } = auditDays(filter);
  if (!from || !toEnd) throw new AppError('request.invalid', 'An export needs both from and to (UTC days, YYYY-MM-DD).', { details: { field: from ? 'to' : 'from' } });
  if (toEnd.getTime() - from.getTime() > EXPORT_MAX_DAYS * 86_400_000) {
    throw new AppError('request.invalid', `An export covers at most ${EXPORT_MAX_DAYS} days; split the range.`, { details: { field: 'to' } });
  }
  return filter;
}
