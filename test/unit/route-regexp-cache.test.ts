import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { memoiseRouteRegexps } from '../../src/platform/route-regexp-cache.js';

type Compiled = { regexp: RegExp; keys: Array<{ name: string }> };
const ptr = createRequire(createRequire(import.meta.url).resolve('express-openapi-validator'))('path-to-regexp') as {
  pathToRegexp: (path: unknown, options?: Record<string, unknown>) => Compiled;
};

test('the validator route lookup compiles each route once, and the compiled route still matches and names its params', () => {
  const before = ptr.pathToRegexp('/v1/validations/:id', { sensitive: false, strict: false });
  memoiseRouteRegexps();
  memoiseRouteRegexps(); // idempotent: one wrapper, not two
  const a = ptr.pathToRegexp('/v1/validations/:id', { sensitive: false, strict: false });
  const b = ptr.pathToRegexp('/v1/validations/:id', { sensitive: false, strict: false });
  assert.equal(a, b);
  assert.equal(a.regexp.source, before.regexp.source);
  assert.deepEqual(a.keys.map((k) => k.name), ['id']);
  assert.deepEqual(a.regexp.exec('/v1/validations/val_01ABC')?.slice(1), ['val_01ABC']);
  assert.equal(a.regexp.exec('/v1/batches/bat_1'), null);
  // Different options are different compilations.
  const sensitive = ptr.pathToRegexp('/v1/validations/:id', { sensitive: true, strict: false });
  assert.notEqual(sensitive, a);
  assert.equal(sensitive.regexp.exec('/V1/validations/x'), null);
  // Anything else passes through uncached.
  const arrays = ptr.pathToRegexp(['/a', '/b'], {});
  assert.notEqual(ptr.pathToRegexp(['/a', '/b'], {}), arrays);
});
