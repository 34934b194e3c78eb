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
  const cache = new Map<string, unknown>();
  mod.pathToRegexp = (path, options) => {
    const opts = options ?? {};
    const plain = typeof path === 'string' && Object.entries(opts).every(([k, v]) => (k === 'sensitive' || k === 'strict' || k === 'end') && (v === undefined || typeof v === 'boolean'));
    if (!plain) return compile(path, options);
    const key = `${opts.sensitive ? 1 : 0}${opts.strict ? 1 : 0}${opts.end === false ? 0 : 1}${path as string}`;
    let compiled = cache.get(key);
    if (compiled === undefined) {
      compiled = compile(path, options);
      if (cache.size >= MAX_ENTRIES) cache.clear();
      cache.set(key, compiled);
    }
    return compiled;
  };
}
