// 405 with Allow for a console path that exists but not with this method, as the API answers on /v1.
// The table is read from the console router's own routes the first time it is needed, so it cannot
// drift from what is served.
import type { RequestHandler, Router } from 'express';
import { AppError } from '../platform/app-error.js';

interface Layer { route?: { path: unknown; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } }
interface RouteMethods { pattern: RegExp; methods: Set<string> }

const ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

function collect(stack: Layer[], out: RouteMethods[] = []): RouteMethods[] {
  for (const layer of stack) {
    if (layer.route && typeof layer.route.path === 'string') {
      const source = layer.route.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\\?:\w+/g, '[^/]+');
      const methods = new Set(Object.entries(layer.route.methods).filter(([m, on]) => on && m !== '_all').map(([m]) => m.toUpperCase()));
      out.push({ pattern: new RegExp(`^${source}/?$`, 'i'), methods });
    } else if (layer.handle?.stack) {
      collect(layer.handle.stack, out);
    }
  }
  return out;
}

export function methodGuard(router: Router): RequestHandler {
  let table: RouteMethods[] | null = null;
  return (req, res, next) => {
    table ??= collect((router as unknown as { stack: Layer[] }).stack);
    const allowed = new Set<string>();
    for (const r of table) if (r.pattern.test(req.path)) for (const m of r.methods) allowed.add(m);
    if (allowed.size === 0 || allowed.has(req.method) || (req.method === 'HEAD' && allowed.has('GET'))) return next();
    res.set('Allow', ORDER.filter((m) => allowed.has(m)).join(', '));
    throw new AppError('route.method_not_allowed', `This console page does not take ${req.method}.`);
  };
}
