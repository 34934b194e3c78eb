/**
 * Retry-After (RFC 9110 §10.2.3) as milliseconds from `now`: delta-seconds or an HTTP-date, never
 * negative. Null when the header is absent or unreadable, so each caller picks its own default and cap.
 * Only the first value counts when a header arrives more than once.
 */
export function parseRetryAfterHeader(
  value: string | string[] | undefined | null,
  now: number = Date.now(),
): number | null {
  const first = Array.isArray(value) ? value[0] : value;
  const raw = first?.trim();
  if (raw === undefined || raw === '') return null;
  // An absurdly long digit string would be Infinity; clamp so callers always get a finite number.
  if (/^\d+$/.test(raw)) return Math.min(Number(raw) * 1000, Number.MAX_SAFE_INTEGER);
  const at = Date.parse(raw);
  if (Number.isNaN(at)) return null;
  return Math.max(at - now, 0);
}
