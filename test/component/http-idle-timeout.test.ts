import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import type { Runtime } from '../../src/runtime.js';
import { chunksOf, rawRequest } from '../helpers/raw-http.js';
import { RawConnection, requestHead } from '../helpers/raw-connection.js';
import { createTestContext, eventually, type TestContext } from '../helpers/test-stack.js';

// Uploads are not cut off by a whole-request deadline (issue 11 review): Node's default requestTimeout
// (300 s) covered the whole body, so a million-row upload over a slow link got a 408 and a reset. No
// request deadline now; a connection that moves no byte for HTTP_IDLE_TIMEOUT_MS is closed instead.
// Scaled down here: a 2 s idle timeout, a client silent for longer, one trickling for several times longer.

const IDLE_MS = 2000;

let ctx: TestContext;
let rt: Runtime;
let key: string;
let tenantId: string;

before(async () => {
  ctx = await createTestContext();
  rt = await ctx.start({ ROLE: 'api', HTTP_IDLE_TIMEOUT_MS: String(IDLE_MS), HTTP_KEEP_ALIVE_TIMEOUT_MS: '1000' }, { listen: true });
  ({ apiKey: key, tenantId } = await ctx.createTenant('Slow uploads'));
});
after(() => ctx.close());

function csv(rows: number): Buffer {
  let text = 'account_number,ifsc\n';
  for (let i = 0; i < rows; i++) text += `${randomInt(100_000, 999_999)}${randomInt(100_000, 999_999)},HDFC0000001\n`;
  return Buffer.from(text);
}

describe('HTTP server timeouts', () => {
  it('a started runtime has no whole-request deadline, keeps the head deadline and closes idle sockets', async () => {
    assert.equal(rt.server!.requestTimeout, 0);
    assert.equal(rt.server!.headersTimeout, 60_000);
    assert.equal(rt.server!.timeout, IDLE_MS);
    assert.equal(rt.server!.keepAliveTimeout, 1000);
    const defaults = await ctx.start({ ROLE: 'api' }, { listen: true });
    assert.equal(defaults.server!.requestTimeout, 0);
    assert.equal(defaults.server!.timeout, 120_000);
    assert.equal(defaults.server!.keepAliveTimeout, 65_000);
  });

  it('an upload that trickles in for several idle timeouts is read to its end', async () => {
    const body = csv(300);
    const pieces = chunksOf(body, [Math.ceil(body.length / 40)]);
    const started = Date.now();
    const res = await rawRequest(rt.url!, {
      path: '/v1/batches',
      chunks: pieces,
      pauseMs: 150,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' },
      timeoutMs: 60_000,
    });
    assert.equal(res.status, 202, res.text);
    assert.equal(res.body.counts.total, 300);
    assert.ok(Date.now() - started > 2 * IDLE_MS, 'the upload lasted longer than the idle timeout');
  });

  it('a client that goes silent mid-upload for longer than the idle timeout is disconnected', async () => {
    const body = csv(4000); // past the 64 kB head, so the batch is being stored when the client stalls
    const conn = await RawConnection.open(rt.url!);
    await conn.write(requestHead('POST', '/v1/batches', { authorization: `Bearer ${key}`, 'content-type': 'text/csv', 'content-length': body.length * 2 }));
    await conn.write(body);
    const silentFrom = Date.now();
    await eventually(async () => conn.isClosed, 'the server to close the idle connection', 20_000);
    assert.ok(Date.now() - silentFrom >= IDLE_MS - 100, 'closed only after the idle timeout');
    // The upload it carried is failed, not left accepting.
    await eventually(async () => (await rt.db('batches').where({ tenant_id: tenantId, status: 'accepting' }).first()) === undefined, 'no upload left accepting');
    const failed = await rt.db('batches').where({ tenant_id: tenantId, status: 'failed' }).first();
    assert.equal(failed?.failure_code, 'batch.upload_interrupted');
  });

  it('a client that sends a request head and then nothing is disconnected too', async () => {
    const conn = await RawConnection.open(rt.url!);
    await conn.write(requestHead('POST', '/v1/batches', { authorization: `Bearer ${key}`, 'content-type': 'text/csv', 'content-length': 1000 }));
    await eventually(async () => conn.isClosed, 'the server to close the idle connection', 20_000);
  });

  it('a large JSON body still has to arrive within HTTP_BODY_READ_TIMEOUT_MS, so a trickle cannot keep a body slot for ever', async () => {
    const slotted = await ctx.start({ ROLE: 'api', HTTP_IDLE_TIMEOUT_MS: String(IDLE_MS), HTTP_KEEP_ALIVE_TIMEOUT_MS: '1000', HTTP_LARGE_BODY_CONCURRENCY: '1', HTTP_BODY_READ_TIMEOUT_MS: '1500' }, { listen: true });
    const items = Array.from({ length: 2000 }, () => ({ type: 'vpa', vpa: 'priya.nair@okaxis' }));
    const body = Buffer.from(JSON.stringify({ items }));
    assert.ok(body.length > 64 * 1024, 'large enough to need a slot');
    const conn = await RawConnection.open(slotted.url!);
    await conn.write(requestHead('POST', '/v1/batches', { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': body.length }));
    // A byte every 100 ms: never idle, but far too slow to finish.
    const started = Date.now();
    for (let at = 0; !conn.isClosed && at < body.length; at++) {
      await conn.write(body.subarray(at, at + 1)).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
      if (Date.now() - started > 30_000) assert.fail('the trickling body was never cut off');
    }
    assert.ok(conn.isClosed);
    // Its slot is free again: the next large body is read.
    const next = await rawRequest(slotted.url!, { path: '/v1/batches', chunks: [body], headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } });
    assert.equal(next.status, 202, next.text);
  });
});
