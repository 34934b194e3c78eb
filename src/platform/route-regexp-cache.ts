// express-openapi-validator (5.6) finds a request's OpenAPI route by compiling every documented route
// with path-to-regexp on every request (lookupRoute in its openapi.metadata.js): about 5 % of the API's
// CPU under load (docs/decisions/0025). The routes are a fixed, small set, so the compiled forms are
// memoised here, on the module instance the validator itself loads. path-to-regexp is pure: the same
// path and options always compile to the same regexp and keys, and the callers only read them (the
// regexps are not global, so `exec` keeps no state). Anything but a string path with plain boolean
// options goes through untouched.
import { createRequire } from 'node:module';

type Compile = (path: unknown, options?: Record<string, unknown>) => unknown;

const MAX_ENTRIES = 1000;
let installed = false;

export function memoiseRouteRegexps(): void {
  if (installed) return;
  installed = true;
  const fromValidator = createRequire(createRequire(import.meta.url).resolve('express-openapi-validator'));
  const mod = fromValidator('path-to-regexp') as { pathToRegexp: Compile };
  const compile = mod.pathToRegexp;
  // Per path, the compiled forms by the three booleans (bit 0 sensitive, 1 strict, 2 `end: false`).
  const cache = new Map<string, unknown[]>();
  const EMPTY: Record<string, unknown> = {};
  mod.pathToRegexp = (path, options) => {
    if (typeof path !== 'string') return compile(path, options);
    const opts = options ?? EMPTY;
    // Checked without allocating: this runs for every documented route on every request.
    for (const k in opts) if (k !== 'sensitive' && k !== 'strict' && k !== 'end') return compile(path, options);
    const { sensitive, strict, end } = opts;
    if (!isFlag(sensitive) || !isFlag(strict) || !isFlag(end)) return compile(path, options);
    const bits = (sensitive ? 1 : 0) | (strict ? 2 : 0) | (end === false ? 4 : 0);
    let forms = cache.get(path);
    if (forms === undefined) {
      if (cache.size >= MAX_ENTRIES) cache.clear();
      forms = [];
      cache.set(path, forms);
    }
    return (forms[bits] ??= compile(path, options));
  };
}

const isFlag = (v: unknown): boolean => v === undefined || typeof v === 'boolean';
