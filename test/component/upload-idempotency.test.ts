import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { randomInt } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { Runtime } from '../../src/runtime.js';
import { createTestContext, eventually, type TestContext } from '../helpers/test-stack.js';
import { chunksOf, rawRequest, type RawRequest } from '../helpers/raw-http.js';

// Idempotent CSV uploads over real sockets (issue 11): the fingerprint does not depend on how the body
// is cut into TCP writes, framed or compressed; a key stays owned by an upload that outlives
// IDEMPOTENCY_LOCK_TIMEOUT_MS; and an early answer leaves the keep-alive connection usable at once.

const LOCK_TIMEOUT_MS = 2000;

let ctx: TestContext;
let rt: Runtime;
let key: string;
let tenantId: string;

before(async () => {
  ctx = await createTestContext();
  rt = await ctx.start({ ROLE: 'api', IDEMPOTENCY_LOCK_TIMEOUT_MS: String(LOCK_TIMEOUT_MS), BATCH_MAX_BYTES: String(4 * 1024 * 1024) }, { listen: true });
  ({ apiKey: key, tenantId } = await ctx.createTenant('Retrier'));
});
after(() => ctx.close());

const usedAccounts: string[] = [];
/** A CSV of `rows` bank-account payees; about 38 bytes a row. */
function payeeFile(rows: number): Buffer {
  const lines = ['account_number,ifsc,reference_id'];
  for (let i = 0; i < rows; i++) {
    const n = `${randomInt(1_000_000, 9_999_999)}${randomInt(1_000_000, 9_999_999)}`;
    usedAccounts.push(n);
    lines.push(`${n},HDFC0000001,r-${i}`);
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}

function upload(file: Buffer | Buffer[], idem: string, extra: Partial<RawRequest> & { query?: string } = {}) {
  const chunks = Array.isArray(file) ? file : [file];
  return rawRequest(rt.url!, {
    path: `/v1/batches${extra.query ?? ''}`,
    chunks,
    ...extra,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv', 'idempotency-key': idem, ...extra.headers },
  });
}
const batchesWithRef = async (ref: string) => rt.db('batches').where({ tenant_id: tenantId, reference_id: ref }).pluck('id');

describe('the same file, cut and framed differently', () => {
  it('replays the first batch every time; a file that differs after its first 64 kB is 422', async () => {
    const file = payeeFile(6000);
    assert.ok(file.length > 3 * 64 * 1024);
    const query = '?reference_id=chunkings';
    const first = await upload(file, 'chunk-key', { query });
    assert.equal(first.status, 202, first.text);
    const variants: Array<[string, Partial<RawRequest> & { body?: Buffer }]> = [
      ['1-byte, 7-byte and 64 kB ± 1 writes', { chunks: chunksOf(file, [1, 7, 65535, 65537, 3, 40_000]), pauseMs: 2 }],
      ['4 kB writes', { chunks: chunksOf(file, [4096]) }],
      ['one write, chunked transfer encoding', { chunks: [file], chunked: true }],
      ['odd writes, chunked transfer encoding', { chunks: chunksOf(file, [100_000, 13, 64 * 1024]), chunked: true, pauseMs: 5 }],
      ['gzip, Content-Encoding', { chunks: chunksOf(gzipSync(file), [1000, 50_000]), headers: { 'content-encoding': 'gzip' } }],
    ];
    for (const [what, v] of variants) {
      const again = await upload(v.chunks!, 'chunk-key', { ...v, query });
      assert.equal(again.status, 202, `${what}: ${again.text}`);
      assert.equal(again.headers['idempotent-replayed'], 'true', what);
      assert.equal(again.body.id, first.body.id, what);
    }
    assert.deepEqual(await batchesWithRef('chunkings'), [first.body.id]);

    // Same length and the same first 64 kB, one digit changed further on: another file.
    const changed = Buffer.from(file);
    const at = changed.length - 30;
    changed[at] = changed[at] === 0x31 ? 0x32 : 0x31;
    const other = await upload(changed, 'chunk-key', { query });
    assert.equal(other.status, 422, other.text);
    assert.equal(other.body.error.code, 'idempotency.key_reused');
    assert.deepEqual(await batchesWithRef('chunkings'), [first.body.id]);
  });
});

describe('a retry while a slow upload still runs', () => {
  it('gets 409 with Retry-After however long the upload takes, never a second batch; the keep-alive connection then works at once', async () => {
    const file = payeeFile(3000); // ~115 kB: the first 70 kB at once, then a trickle
    const query = '?reference_id=slow-upload';
    const head = file.subarray(0, 70_000);
    const tail = chunksOf(file.subarray(70_000), [2000]);
    const started = Date.now();
    const slow = upload([head, ...tail], 'slow-key', { query, pauseMs: Math.ceil((4 * LOCK_TIMEOUT_MS) / tail.length) });
    await eventually(async () => rt.db('idempotency_keys').where({ tenant_id: tenantId, idem_key: 'slow-key' }).first(), 'the key to be reserved');

    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      // Retries across more than two lock timeouts: every one finds the key still owned.
      const answers = [];
      while (Date.now() - started < 2.5 * LOCK_TIMEOUT_MS) {
        // Cut like the first upload, so only the lock (not the fingerprint) decides the answer.
        const retry = await upload([head, ...tail], 'slow-key', { query, agent });
        answers.push(retry);
        assert.equal(retry.status, 409, retry.text);
        assert.equal(retry.body.error.code, 'idempotency.in_progress');
        assert.match(String(retry.headers['retry-after']), /^\d+$/);
        const get = await rawRequest(rt.url!, { path: '/v1/batches?limit=1', headers: { authorization: `Bearer ${key}` }, agent, timeoutMs: 10_000 });
        assert.equal(get.status, 200, get.text);
        assert.equal(get.socket, retry.socket, 'the keep-alive connection was not reused');
        assert.ok(get.ms < 5000, `the GET after an early answer took ${get.ms.toFixed(0)} ms`);
        await new Promise((r) => setTimeout(r, LOCK_TIMEOUT_MS / 3));
      }
      assert.ok(answers.length >= 2);
      const done = await slow;
      assert.ok(Date.now() - started > 2 * LOCK_TIMEOUT_MS, 'the upload was not slower than the lock timeout');
      assert.equal(done.status, 202, done.text);
      const replay = await upload(file, 'slow-key', { query, agent });
      assert.equal(replay.status, 202);
      assert.equal(replay.body.id, done.body.id);
      assert.deepEqual(await batchesWithRef('slow-upload'), [done.body.id]);
    } finally {
      agent.destroy();
    }
  });
});

describe('early answers to a streamed upload', () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  after(() => agent.destroy());
  const getOnSameConnection = async (previous: http.IncomingMessage['socket']) => {
    const get = await rawRequest(rt.url!, { path: '/v1/batches?limit=1', headers: { authorization: `Bearer ${key}` }, agent, timeoutMs: 10_000 });
    assert.equal(get.status, 200, get.text);
    assert.equal(get.socket, previous, 'the keep-alive connection was not reused');
    assert.ok(get.ms < 5000, `the GET after an early answer took ${get.ms.toFixed(0)} ms`);
  };

  it('422 (key reused with another file) leaves the connection ready for the next request', async () => {
    const first = await upload(payeeFile(20), 'early-key', { agent });
    assert.equal(first.status, 202, first.text);
    const reused = await upload(chunksOf(payeeFile(20_000), [64 * 1024]), 'early-key', { agent });
    assert.equal(reused.status, 422, reused.text);
    await getOnSameConnection(reused.socket);
  });

  it('400 (an unknown query parameter) too', async () => {
    const bad = await upload(chunksOf(payeeFile(20_000), [64 * 1024]), 'early-key-2', { agent, query: '?colour=blue' });
    assert.equal(bad.status, 400, bad.text);
    await getOnSameConnection(bad.socket);
  });

  it('a declared length far past BATCH_MAX_BYTES is 413 with Connection: close, and the next request works', async () => {
    const big = Buffer.alloc(6 * 1024 * 1024, 'a.b@okaxis\n');
    const res = await upload(chunksOf(big, [64 * 1024]), 'early-key-3', { agent, stopOnResponse: true });
    assert.equal(res.status, 413, res.text);
    assert.equal(res.headers.connection, 'close');
    const get = await rawRequest(rt.url!, { path: '/v1/batches?limit=1', headers: { authorization: `Bearer ${key}` }, agent, timeoutMs: 10_000 });
    assert.equal(get.status, 200);
    assert.ok(get.ms < 5000);
  });
});

describe('secrets stay secret', () => {
  it('no account number from this file is in the logs', () => {
    const logs = ctx.logs.text();
    assert.ok(logs.length > 0);
    for (const n of usedAccounts) assert.ok(!logs.includes(n), 'an account number is in the logs');
  });
});
