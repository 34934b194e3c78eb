import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import type { Runtime } from '../../src/runtime.js';
import { bankAccount, createTestContext, eventually, type TestContext } from '../helpers/test-stack.js';
import { chunk, RawConnection, requestHead } from '../helpers/raw-connection.js';

let ctx: TestContext;
let rt: Runtime;
let key: string;

const auth = () => ({ Authorization: `Bearer ${key}` });
const validationBody = () => JSON.stringify(bankAccount('123456789012'));
// A JSON batch of the hostile shape from issue 11, sized to `bytes`.
function hostileBatch(bytes: number): Buffer {
  const item = '{"type":"vpa","vpa":"a.b@okaxis"},';
  const n = Math.floor((bytes - 12) / item.length);
  return Buffer.from(`{"items":[${item.repeat(n)}{"type":"vpa","vpa":"a.b@okaxis"}]}`);
}
// Small gzip that inflates to `bytes` of JSON whitespace: limits must count inflated bytes.
const gzipBomb = (bytes: number) => gzipSync(Buffer.concat([Buffer.from('{"items":'), Buffer.alloc(bytes, 0x20), Buffer.from('[]}')]));

/** supertest would JSON-encode a Buffer sent as application/json; these bytes must go out as they are. */
function postRaw(path: string, bytes: Buffer, headers: Record<string, string>, runtime: Runtime = rt) {
  return ctx.http(runtime).post(path).set({ 'Content-Type': 'application/json', ...headers }).serialize((b: Buffer) => b as unknown as string).send(bytes as unknown as object);
}

before(async () => {
  ctx = await createTestContext();
  // Small drain bound so the "endless body" case is quick; one large-body slot so "busy" is easy to reach.
  rt = await ctx.start({ HTTP_DRAIN_MAX_BYTES: String(256 * 1024), HTTP_LARGE_BODY_CONCURRENCY: '1' }, { listen: true });
  ({ apiKey: key } = await ctx.createTenant('Edge'));
});
after(() => ctx.close());

describe('authentication and the rate limit come before the body', () => {
  it('an anonymous malformed body is a 401, not a parse error', async () => {
    const res = await ctx.http(rt).post('/v1/validations').set('Content-Type', 'application/json').send('{"type":');
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'auth.missing_key');
  });

  it('an anonymous corrupt gzip body is a 401, not a 500', async () => {
    const res = await postRaw('/v1/batches', Buffer.from('not gzip at all'), { 'Content-Encoding': 'gzip' });
    assert.equal(res.status, 401);
  });

  it('an anonymous 8 MB body is answered 401 after its first kilobyte, without waiting for the rest', async () => {
    const body = hostileBatch(7.8 * 1024 * 1024);
    const conn = await RawConnection.open(rt.url!);
    try {
      await conn.write(requestHead('POST', '/v1/batches', { 'Content-Type': 'application/json', 'Content-Length': body.length }));
      await conn.write(body.subarray(0, 1024));
      const res = await conn.readResponse(10_000);
      assert.equal(res.status, 401);
      assert.equal(JSON.parse(res.body).error.code, 'auth.missing_key');
    } finally {
      conn.destroy();
    }
  });

  it('a tenant past its rate limit gets 429 for a malformed body: the limit is checked before parsing', async () => {
    const limited = await ctx.start({ ROLE: 'api', RATE_LIMIT_POINTS: '1', RATE_LIMIT_WINDOW_SECONDS: '60' });
    const t = await ctx.createTenant('Limited');
    const send = () => ctx.http(limited).post('/v1/validations').set('Authorization', `Bearer ${t.apiKey}`).set('Content-Type', 'application/json').send('{"type":');
    assert.equal((await send()).status, 400);
    const second = await send();
    assert.equal(second.status, 429);
    assert.equal(second.body.error.code, 'rate_limit.exceeded');
  });
});

describe('compressed JSON bodies', () => {
  const encoders: Array<[string, (b: Buffer) => Buffer]> = [
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
  ];
  for (const [coding, encode] of encoders) {
    it(`Content-Encoding: ${coding} is inflated; a corrupt ${coding} body is 400 request.invalid_content_encoding`, async () => {
      const ok = await postRaw('/v1/validations', encode(Buffer.from(validationBody())), { ...auth(), 'Content-Encoding': coding });
      assert.equal(ok.status, 202, JSON.stringify(ok.body));
      const good = encode(Buffer.from(validationBody()));
      const corrupt = Buffer.concat([good.subarray(0, 4), Buffer.alloc(32, 0xa5)]);
      const bad = await postRaw('/v1/validations', corrupt, { ...auth(), 'Content-Encoding': coding });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.code, 'request.invalid_content_encoding');
    });
  }

  it('any other Content-Encoding is 415 request.unsupported_content_encoding', async () => {
    for (const coding of ['compress', 'zstd', 'gzip, br']) {
      const res = await postRaw('/v1/validations', Buffer.from(validationBody()), { ...auth(), 'Content-Encoding': coding });
      assert.equal(res.status, 415, coding);
      assert.equal(res.body.error.code, 'request.unsupported_content_encoding', coding);
    }
  });

  it('the body limit counts inflated bytes: a small gzip bomb is 413 on either limit', async () => {
    const small = await postRaw('/v1/validations', gzipBomb(5 * 1024 * 1024), { ...auth(), 'Content-Encoding': 'gzip' });
    assert.equal(small.status, 413);
    assert.equal(small.body.error.code, 'request.body_too_large');
    const bomb = gzipBomb(64 * 1024 * 1024);
    assert.ok(bomb.length < 100 * 1024, `bomb is ${bomb.length} bytes`);
    const batch = await postRaw('/v1/batches', bomb, { ...auth(), 'Content-Encoding': 'gzip' });
    assert.equal(batch.status, 413);
    assert.equal(batch.body.error.code, 'request.body_too_large');
  });

  it('a JSON batch with more items than BATCH_JSON_MAX_ITEMS is 413 batch.too_large', async () => {
    const res = await postRaw('/v1/batches', hostileBatch(1024 * 1024), auth());
    assert.equal(res.status, 413);
    assert.equal(res.body.error.code, 'batch.too_large');
  });
});

describe('large bodies are bounded per process', () => {
  it('past HTTP_LARGE_BODY_CONCURRENCY a large body is 503 service.busy with Retry-After, unread; small bodies still pass', async () => {
    const holder = await RawConnection.open(rt.url!);
    const head = (k: string) => requestHead('POST', '/v1/validations', { Authorization: `Bearer ${k}`, 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    try {
      // A chunked body has no declared length, so it takes the one slot; this one stalls half-way.
      const body = validationBody();
      await holder.write(head(key));
      await holder.write(chunk(body.slice(0, 10)));
      const busy = await eventually(async () => {
        const other = await RawConnection.open(rt.url!);
        try {
          await other.write(head(key)); // headers only: an answer proves the body was not waited for
          const res = await other.readResponse(10_000);
          return res.status === 503 ? res : undefined;
        } finally {
          other.destroy();
        }
      }, 'a 503 while the slot is held');
      assert.equal(JSON.parse(busy.body).error.code, 'service.busy');
      assert.equal(busy.headers['retry-after'], '1');
      const small = await ctx.http(rt).post('/v1/validations').set(auth()).send(bankAccount('123456789013'));
      assert.equal(small.status, 202, 'a small declared-length body needs no slot');

      await holder.write(chunk(body.slice(10)));
      await holder.write(chunk(''));
      assert.equal((await holder.readResponse()).status, 202);
      const again = await RawConnection.open(rt.url!);
      try {
        await again.write(head(key));
        await again.write(chunk(body));
        await again.write(chunk(''));
        assert.equal((await again.readResponse()).status, 202, 'the slot is free again');
      } finally {
        again.destroy();
      }
    } finally {
      holder.destroy();
    }
  });
});

describe('early answers do not leave a connection hanging', () => {
  it('after a 413 to a chunked 200 kB body read half-way, the next request on the same connection is answered at once', async () => {
    const conn = await RawConnection.open(rt.url!);
    try {
      await conn.write(requestHead('POST', '/v1/validations', { ...auth(), 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' }));
      for (let i = 0; i < 50; i++) await conn.write(chunk(' '.repeat(4096)));
      await conn.write(chunk(''));
      assert.equal((await conn.readResponse()).status, 413);
      await conn.write(requestHead('GET', '/healthz', {}));
      const health = await conn.readResponse(5000);
      assert.equal(health.status, 200);
    } finally {
      conn.destroy();
    }
  });

  it('a Connection: close client still sending after its early answer is not reset at once (lingering close)', async () => {
    const conn = await RawConnection.open(rt.url!, { allowHalfOpen: true });
    try {
      await conn.write(requestHead('POST', '/v1/batches', { 'Content-Type': 'application/json', 'Content-Length': 8 * 1024 * 1024, Connection: 'close' }));
      await conn.write(Buffer.alloc(16 * 1024, 0x20));
      assert.equal((await conn.readResponse()).status, 401);
      // Node's own close would destroy the socket now, and the next bytes would meet a reset: a client that
      // had not read its answer yet would lose it.
      for (let i = 0; i < 5; i++) {
        conn.write(Buffer.alloc(16 * 1024, 0x20)).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(conn.error, null, `the connection was reset: ${conn.error?.code}`);
    } finally {
      conn.destroy();
    }
  });

  it('an endless body after an early answer is drained only up to HTTP_DRAIN_MAX_BYTES, then the connection is closed', async () => {
    const conn = await RawConnection.open(rt.url!);
    let written = 0;
    try {
      await conn.write(requestHead('POST', '/v1/validations', { 'Content-Type': 'application/json', 'Content-Length': 1024 ** 3 }));
      const piece = Buffer.alloc(64 * 1024, 0x20);
      const response = conn.readResponse(10_000);
      // The limit is 256 kB; 32 MB without the server hanging up would mean it drains without bound.
      while (!conn.isClosed && written < 32 * 1024 * 1024) {
        try {
          await conn.write(piece);
        } catch {
          break;
        }
        written += piece.length;
      }
      assert.equal((await response).status, 401);
      await Promise.race([conn.closed, new Promise((_, reject) => setTimeout(() => reject(new Error('connection still open')), 10_000))]);
      assert.ok(written < 32 * 1024 * 1024, `wrote ${written} bytes`);
    } finally {
      conn.destroy();
    }
  });
});

describe('a body trickled in cannot hold a large-body slot for long', () => {
  it('past HTTP_BODY_READ_TIMEOUT_MS it is a 408 request.body_timeout and its slot is free again', { timeout: 90_000 }, async () => {
    // Two slots, as in production; a deadline long enough that the probes below run within it.
    const api = await ctx.start({ ROLE: 'api', HTTP_LARGE_BODY_CONCURRENCY: '2', HTTP_BODY_READ_TIMEOUT_MS: '6000' }, { listen: true });
    const head = requestHead('POST', '/v1/validations', { ...auth(), 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    const body = validationBody();
    const opened: RawConnection[] = [];
    const open = async () => {
      const c = await RawConnection.open(api.url!);
      opened.push(c);
      return c;
    };
    // A byte every 200 ms: the body never ends, yet the connection is never idle.
    const trickle = async (conn: RawConnection) => {
      for (let i = 0; !conn.isClosed && i < 600; i++) {
        await conn.write(chunk(body.slice(i % body.length, (i % body.length) + 1))).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    try {
      const tricklers = [await open(), await open()];
      for (const c of tricklers) await c.write(head);
      const trickling = tricklers.map((c) => trickle(c));
      // Both slots taken: a third large body is refused unread. A probe that got in before a trickler did
      // holds a slot itself, so it hangs up and the next probe tries again.
      const busy = await eventually(async () => {
        const probe = await open();
        try {
          await probe.write(head);
          const res = await probe.readResponse(1500).catch(() => undefined);
          return res?.status === 503 ? res : undefined;
        } finally {
          probe.destroy();
        }
      }, 'a 503 while both slots are trickled into');
      assert.equal(JSON.parse(busy.body).error.code, 'service.busy');

      for (const c of tricklers) {
        const res = await c.readResponse(60_000);
        assert.equal(res.status, 408, res.body);
        assert.equal(JSON.parse(res.body).error.code, 'request.body_timeout');
        assert.equal(res.headers.connection, 'close');
      }
      await Promise.all(trickling);

      // Both slots are free: two large bodies at once, both read to the end.
      const two = [await open(), await open()];
      for (const c of two) {
        await c.write(head);
        await c.write(chunk(body.slice(0, 10)));
      }
      for (const c of two) {
        await c.write(chunk(body.slice(10)));
        await c.write(chunk(''));
      }
      for (const c of two) assert.equal((await c.readResponse(30_000)).status, 202);
    } finally {
      for (const c of opened) c.destroy();
    }
  });
});
