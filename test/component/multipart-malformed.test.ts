import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { constants, createGzip } from 'node:zlib';
import knex from 'knex';
import type { Runtime } from '../../src/runtime.js';
import { rawRequest } from '../helpers/raw-http.js';
import { RawConnection, requestHead } from '../helpers/raw-connection.js';
import { createTestContext, eventually, type TestContext } from '../helpers/test-stack.js';

// Malformed and broken-off multipart uploads (issue 11 review): busboy destroys its part streams with
// an error when the body ends without its closing boundary, the client hangs up or the gzip around it
// stops decoding. Such an error with no listener used to kill the whole process (API and, with
// ROLE=all, workers); a truncated body read by the route was a 500. Each must be a stable 4xx (or, for a
// client that left, a closed connection), and the runtime must keep answering afterwards.

const BOUNDARY = 'payval-broken-boundary';
const CONTENT_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

let ctx: TestContext;
let rt: Runtime;
let key: string;
let tenantId: string;
// An 'error' event nobody listens for is an uncaught exception: in production the process exits.
const uncaught: unknown[] = [];
const recordUncaught = (err: unknown) => uncaught.push(err);

before(async () => {
  process.on('uncaughtException', recordUncaught);
  ctx = await createTestContext();
  rt = await ctx.start({ ROLE: 'api' }, { listen: true });
  ({ apiKey: key, tenantId } = await ctx.createTenant('Broken multipart'));
});
beforeEach(() => {
  uncaught.length = 0;
});
after(async () => {
  await ctx.close();
  process.off('uncaughtException', recordUncaught);
});

const auth = () => ({ authorization: `Bearer ${key}` });
const account = () => `${randomInt(100_000, 999_999)}${randomInt(100_000, 999_999)}`;
function csvRows(rows: number): string {
  let text = 'account_number,ifsc\n';
  for (let i = 0; i < rows; i++) text += `${account()},HDFC0000001\n`;
  return text;
}
/** A part's head and content, with no boundary after it. */
const part = (name: string, content: string) =>
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"; filename="p.csv"\r\nContent-Type: text/csv\r\n\r\n${content}`;
const closed = (body: string) => `${body}\r\n--${BOUNDARY}--\r\n`;

function post(body: Buffer, opts: { query?: string; headers?: Record<string, string> } = {}) {
  return rawRequest(rt.url!, { path: `/v1/batches${opts.query ?? ''}`, chunks: [body], headers: { ...auth(), 'content-type': CONTENT_TYPE, ...opts.headers } });
}

/** The process is alive and the runtime still answers: a probe and a well-formed upload. */
async function assertStillServing(): Promise<void> {
  // Errors emitted after the answer (busboy finishing a stream nobody reads) get a moment to surface.
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(uncaught.map(String), [], 'an error event had no listener');
  const health = await rawRequest(rt.url!, { path: '/healthz' });
  assert.equal(health.status, 200);
  const ok = await post(Buffer.from(closed(part('file', csvRows(2)))));
  assert.equal(ok.status, 202, ok.text);
}

async function assertNoUploadLeftAccepting(): Promise<void> {
  await eventually(async () => (await rt.db('batches').where({ tenant_id: tenantId, status: 'accepting' }).first()) === undefined, 'no upload left accepting');
}

describe('a multipart body that ends without its closing boundary', () => {
  const cases = [
    { what: 'small, in the file part', name: 'file', rows: 3 },
    { what: 'large (past the 64 kB head), in the file part', name: 'file', rows: 8000 },
    { what: 'small, in a part that is skipped', name: 'attachment', rows: 3 },
    { what: 'large, in a part that is skipped', name: 'attachment', rows: 8000 },
  ];
  for (const c of cases) {
    it(`${c.what} → 400 request.invalid, and the process keeps serving`, async () => {
      const res = await post(Buffer.from(part(c.name, csvRows(c.rows))));
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.error.code, 'request.invalid');
      assert.equal(res.body.error.message, 'The multipart body is malformed.');
      await assertNoUploadLeftAccepting();
      await assertStillServing();
    });
  }

  it('after a complete file part (the closing "--" missing) → 400, no batch is accepted', async () => {
    const before = await rt.db('batches').where({ tenant_id: tenantId, status: 'processing' }).count({ n: '*' });
    const res = await post(Buffer.from(`${part('file', csvRows(3))}\r\n--${BOUNDARY}`));
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body.error.code, 'request.invalid');
    const after = await rt.db('batches').where({ tenant_id: tenantId, status: 'processing' }).count({ n: '*' });
    assert.deepEqual(after, before);
    await assertStillServing();
  });
});

describe('a client that hangs up in the middle of a part', () => {
  for (const name of ['file', 'attachment']) {
    it(`(${name === 'file' ? 'the file part' : 'a skipped part'}): the connection closes, nothing stays accepting, and the process keeps serving`, async () => {
      const content = Buffer.from(part(name, csvRows(8000)));
      const conn = await RawConnection.open(rt.url!);
      await conn.write(requestHead('POST', '/v1/batches', { ...auth(), 'content-type': CONTENT_TYPE, 'content-length': content.length * 2 }));
      await conn.write(content);
      // Past the head, so for the file part a batch exists and rows are being stored when the client leaves.
      await eventually(
        async () => name !== 'file' || (await rt.db('batches').where({ tenant_id: tenantId, status: 'accepting' }).first()) !== undefined,
        'the upload to be under way',
      );
      conn.destroy();
      await conn.closed;
      await assertNoUploadLeftAccepting();
      if (name === 'file') {
        const last = await rt.db('batches').where({ tenant_id: tenantId }).orderBy('id', 'desc').first();
        assert.equal(last.status, 'failed');
        assert.equal(last.failure_code, 'batch.upload_interrupted');
      }
      await assertStillServing();
    });
  }
});

// The route awaits checkOneOffUrl (a DNS lookup, a query) between busboy handing out the file part
// and reading it. The query is held here by a table lock, so the body breaks exactly in that gap.
describe('a body that breaks while the route is still checking its webhook_url', () => {
  const hookQuery = `?webhook_url=${encodeURIComponent('http://127.0.0.1:9/hook')}`;
  let locker: ReturnType<typeof knex>;
  /** The server side of the last upload, to see when the break has reached it. */
  let upload: IncomingMessage | null = null;

  before(async () => {
    const rotated = await rawRequest(rt.url!, { method: 'POST', path: '/v1/webhook-secret/rotate', headers: auth() });
    assert.equal(rotated.status, 200, rotated.text);
    // One connection, so LOCK and UNLOCK are the same session.
    locker = knex({ client: 'mysql2', connection: ctx.env.DATABASE_URL!, pool: { min: 1, max: 1 } });
    rt.server!.on('request', (req: IncomingMessage) => {
      if (req.method === 'POST') upload = req;
    });
  });
  after(() => locker.destroy());

  async function holdingTheCheck(during: () => Promise<void>, afterwards: () => Promise<void>): Promise<void> {
    await locker.raw('LOCK TABLES tenant_webhook_secrets WRITE');
    try {
      await during();
    } finally {
      await locker.raw('UNLOCK TABLES');
    }
    await afterwards();
  }
  const routeIsWaiting = () =>
    eventually(async () => {
      const [rows] = await rt.db.raw("SELECT COUNT(*) AS n FROM information_schema.processlist WHERE id <> CONNECTION_ID() AND info LIKE '%tenant_webhook_secrets%'");
      return Number(rows[0].n) > 0;
    }, 'the route to wait on its webhook_url check');

  it('the client hangs up: the process keeps serving and creates nothing', async () => {
    const before = await rt.db('batches').where({ tenant_id: tenantId }).count({ n: '*' });
    const content = Buffer.from(part('file', csvRows(100)));
    const conn = await RawConnection.open(rt.url!);
    await holdingTheCheck(
      async () => {
        await conn.write(requestHead('POST', `/v1/batches${hookQuery}`, { ...auth(), 'content-type': CONTENT_TYPE, 'content-length': content.length * 2 }));
        await conn.write(content);
        await routeIsWaiting();
        conn.destroy();
        // The server has seen the hang-up (and busboy's stream has its error) before the check goes on.
        await eventually(async () => upload!.destroyed, 'the server to see the hang-up');
      },
      async () => {
        await assertStillServing();
        const after = await rt.db('batches').where({ tenant_id: tenantId }).count({ n: '*' });
        assert.equal(Number(after[0]!.n), Number(before[0]!.n) + 1, 'only the well-formed upload created a batch');
      },
    );
  });

  const bodies = [
    { what: 'a multipart body', contentType: CONTENT_TYPE, text: () => part('file', csvRows(100)) },
    { what: 'a raw CSV body', contentType: 'text/csv', text: () => csvRows(100) },
  ];
  for (const b of bodies) {
    it(`the gzip around ${b.what} stops decoding: 400 request.invalid_content_encoding, and the process keeps serving`, async () => {
      const start = await gzipUpTo(b.text());
      // At a block boundary, 0xff starts a block of the reserved type: inflate fails on it at once.
      const garbage = Buffer.alloc(64, 0xff);
      const conn = await RawConnection.open(rt.url!);
      let answer: Awaited<ReturnType<RawConnection['readResponse']>> | undefined;
      await holdingTheCheck(
        async () => {
          await conn.write(requestHead('POST', `/v1/batches${hookQuery}`, { ...auth(), 'content-type': b.contentType, 'content-encoding': 'gzip', 'content-length': start.length + garbage.length }));
          await conn.write(start);
          await routeIsWaiting();
          // The request's gzip decoder (what it pipes into); it is destroyed when inflate fails.
          // (The processlist may still show the previous test's query for a moment: wait for this request's pipe.)
          const decoder = await eventually(async () => (upload as unknown as { _readableState: { pipes: Array<{ destroyed: boolean }> } } | undefined)?._readableState.pipes[0], 'the request to be piped into its decoder');
          await conn.write(garbage);
          // The decoder has failed (and busboy's stream, if any, has its error) while the route is still held.
          await eventually(async () => decoder.destroyed, 'the gzip decoder to fail');
        },
        async () => {
          answer = await conn.readResponse(15_000);
        },
      );
      conn.destroy();
      assert.equal(answer!.status, 400, answer!.body);
      assert.equal(JSON.parse(answer!.body).error.code, 'request.invalid_content_encoding');
      await assertStillServing();
    });
  }
});

/** `text` gzip-compressed and flushed to a block boundary: a valid start of a gzip stream, not its end. */
function gzipUpTo(text: string): Promise<Buffer> {
  const gz = createGzip();
  const out: Buffer[] = [];
  gz.on('data', (c: Buffer) => out.push(c));
  gz.write(text);
  return new Promise((resolve) => gz.flush(constants.Z_FULL_FLUSH, () => setImmediate(() => resolve(Buffer.concat(out)))));
}
