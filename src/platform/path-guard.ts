import type { RequestHandler } from 'express';

/** `/v1` and everything under it, as Express would mount `app.use('/v1', …)` (case-insensitive, not strict). */
export const V1_PATHS = /^\/v1(?:\/|$)/i;

/**
 * Runs `handler` only for requests whose path matches `pattern`; any other request skips it. The same
 * as mounting it at a path, without the mount: Express rewrites `req.url` before and after every
 * mounted layer, and each rewrite makes the next layer parse the URL again (decision 0025, fifth
 * pass). The handler sees the full path (`req.baseUrl` is empty), so it must not rely on a mount.
 */
export function onPaths(pattern: RegExp, handler: RequestHandler): RequestHandler {
  if (pattern.global || pattern.sticky) throw new Error('a path guard pattern must not be global or sticky: it would keep state between requests');
  const guard: RequestHandler = (req, res, next) => (pattern.test(req.path) ? handler(req, res, next) : next());
  // A guarded router still lists its routes to whoever walks the app's stack (the contract test does).
  const { stack } = handler as { stack?: unknown };
  if (stack) Object.defineProperty(guard, 'stack', { value: stack });
  return guard;
}
