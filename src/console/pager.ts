// Keyset pagination links for console lists: "Older" carries the next cursor with the page's filters;
// "Newest" starts again. No offsets (a tenant can hold millions of rows).
import type { Request } from 'express';
import { html, type Html } from './html.js';

export const PAGE_SIZE = 50;

/** The current URL's query with `cursor` replaced (or removed with null). */
export function withCursor(req: Request, cursor: string | null): string {
  const url = new URL(req.originalUrl, 'http://console.invalid');
  if (cursor === null) url.searchParams.delete('cursor');
  else url.searchParams.set('cursor', cursor);
  const q = url.searchParams.toString();
  return `${url.pathname}${q ? `?${q}` : ''}`;
}

export function pager(req: Request, nextCursor: string | null): Html {
  const onFirst = !(req.query as Record<string, unknown>).cursor;
  if (onFirst && !nextCursor) return html``;
  return html`<nav class="pager" aria-label="Pages">
${onFirst ? '' : html`<a href="${withCursor(req, null)}">Newest</a>`}
${nextCursor ? html`<a href="${withCursor(req, nextCursor)}" rel="next">Older</a>` : ''}
</nav>`;
}
