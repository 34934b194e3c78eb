// helmet's security headers, decided once. With its defaults (no per-request CSP nonce) helmet sets the
// same headers on every answer through a dozen middlewares of its own; here helmet runs once at start-up
// against a recorder, and each answer gets the recorded headers in one call. helmet stays the one that
// decides them: a helmet upgrade changes them here too.
import helmet from 'helmet';
import type { RequestHandler } from 'express';

export function securityHeaders(): RequestHandler {
  const headers = new Map<string, string | number | readonly string[]>();
  const removed = new Set<string>();
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers.set(name, value);
      removed.delete(name.toLowerCase());
    },
    removeHeader(name: string) {
      headers.delete(name);
      removed.add(name.toLowerCase());
    },
  };
  let finished = false;
  helmet()({} as never, recorder as never, (err?: unknown) => {
    if (err) throw err;
    finished = true;
  });
  // helmet's default middlewares are synchronous; anything else would not be a fixed set of headers.
  if (!finished || headers.size === 0) throw new Error('helmet did not produce a fixed set of headers');
  const names = [...headers.keys()];
  const values = [...headers.values()];
  const toRemove = [...removed];
  return (_req, res, next) => {
    for (let i = 0; i < names.length; i++) res.setHeader(names[i]!, values[i]!);
    for (let i = 0; i < toRemove.length; i++) res.removeHeader(toRemove[i]!);
    next();
  };
}
