// A console form body that trickles in is cut off like a JSON body on /v1: 408 after
// HTTP_BODY_READ_TIMEOUT_MS, and the connection is closed. The sign-in form is public, so this bounds
// what an anonymous client can hold.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Runtime } from '../../src/runtime.js';
import { createTestContext, type TestContext } from '../helpers/test-stack.js';
import { RawConnection } from '../helpers/raw-connection.js';

let ctx: TestContext;
let rt: Runtime;
before(async () => {
  ctx = await createTestContext({ HTTP_BODY_READ_TIMEOUT_MS: '1000' });
  rt = await ctx.start({ ROLE: 'api' }, { listen: true });
});
after(() => ctx.close());

it('a sign-in form sent a byte at a time is answered 408 and its connection closed', { timeout: 30_000 }, async () => {
  const c = await RawConnection.open(rt.url!);
  const body = 'email=a%40example.test&password=xxxxxxxxxxxxxxxx';
  await c.write(`POST /console/sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n`);
  const started = Date.now();
  const trickle = (async () => {
    for (const ch of body) {
      if (c.isClosed) return;
      await c.write(ch).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 300));
    }
  })();
  const res = await c.readResponse(12_000);
  assert.equal(res.status, 408);
  // Well before the trickle would end (15 s): cut off by the 1 s read timeout, not by the body arriving.
  assert.ok(Date.now() - started < 12_000, 'answered before the body could have arrived');
  await Promise.race([c.closed, new Promise((_, reject) => setTimeout(() => reject(new Error('the connection stayed open')), 5000))]);
  await trickle;
  assert.deepEqual(ctx.contract.violations, []);
});
