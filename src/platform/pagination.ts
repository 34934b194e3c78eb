import { AppError } from './app-error.js';
import { isId } from './ids.js';

/** Opaque cursors: base64url of the last item's key, so clients cannot build or edit them casually. */
export const encodeCursor = (key: string | number): string => Buffer.from(String(key), 'utf8').toString('base64url');

/** A cursor's key as text, unchecked: the reader validates it (a garbled cursor decodes to garbage). */
export const decodeCursor = (cursor: string): string => Buffer.from(cursor, 'base64url').toString('utf8');

const invalid = () => new AppError('pagination.invalid_cursor', 'The cursor is not valid.');

/** A cursor over ids with the given prefix (`val`, `bat`, …). */
export function decodeIdCursor(cursor: string, prefix: string): string {
  const id = decodeCursor(cursor);
  if (!isId(prefix, id)) throw invalid();
  return id;
}

/** A cursor over row numbers. */
export function decodeRowCursor(cursor: string): number {
  const n = Number(decodeCursor(cursor));
  if (!Number.isInteger(n) || n < 0) throw invalid();
  return n;
}

/** Turns `limit + 1` fetched rows into a page; the extra row only tells whether there is more. */
export function toPage<T>(rows: T[], limit: number, keyOf: (item: T) => string | number): { data: T[]; hasMore: boolean; nextCursor: string | null } {
  const data = rows.slice(0, limit);
  const last = data[data.length - 1];
  const hasMore = rows.length > limit;
  return { data, hasMore, nextCursor: hasMore && last !== undefined ? encodeCursor(keyOf(last)) : null };
}
