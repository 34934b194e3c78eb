import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { OPENAPI_PATH } from '../../src/app.js';
import type { Runtime } from '../../src/runtime.js';
import { createTestContext, type TestContext } from '../helpers/test-stack.js';

interface Layer { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } }

function collectRoutes(stack: Layer[], out = new Set<string>()): Set<string> {
  for (const layer of stack) {
    if (layer.route) {
      for (const [method, on] of Object.entries(layer.route.methods)) {
        if (on && method !== '_all') out.add(`${method.toUpperCase()} ${layer.route.path.replace(/:(\w+)/g, '{$1}')}`);
      }
    } else if (layer.handle?.stack) {
      collectRoutes(layer.handle.stack, out);
    }
  }
  return out;
}

let ctx: TestContext;
let rt: Runtime;
before(async () => {
  ctx = await createTestContext();
  rt = await ctx.start({ ROLE: 'api' });
});
after(() => ctx.close());

describe('openapi.yaml is the contract', () => {
  it('documents exactly the routes the app serves', async () => {
    const spec = parse(await readFile(OPENAPI_PATH, 'utf8')) as { paths: Record<string, Record<string, unknown>> };
    const documented = new Set<string>();
    for (const [path, ops] of Object.entries(spec.paths)) {
      for (const method of Object.keys(ops)) {
        if (['get', 'post', 'put', 'patch', 'delete'].includes(method)) documented.add(`${method.toUpperCase()} ${path}`);
      }
    }
    const served = collectRoutes((rt.app as unknown as { router: { stack: Layer[] } }).router.stack);
    assert.deepEqual([...served].sort(), [...documented].sort());
  });
});
