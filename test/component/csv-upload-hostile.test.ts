import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import http from 'node:http';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import type { Runtime } from '../../src/runtime.js';
import { loadOpenApiSchemas } from '../helpers/openapi-schemas.js';
import { createTestContext, eventually, type TestContext } from '../helpers/test-stack.js';

// Hostile and careless CSV uploads (issue 11): blank-line floods, stray quotes, mixed line endings,
// row-limit overshoot, unknown query parameters and compressed bodies. API process only: what is
// checked is what the upload stores and answers, not the validation of its rows.

const usedAccounts: string[] = [];
function account(): string {
  const n = `${randomInt(1_000_000, 9_999_999)}${randomInt(1_000_000, 9_999_999)}`;
  usedAccounts.push(n);
  return n;
}
const csv = (lines: string[], eol = '\n') => lines.join(eol) + eol;

let ctx: TestContext;
let rt: Runtime;
let key: string;
let tenantId: string;
let assertSchema: (name: string, body: unknown) => void;

before(async () => {
  ctx = await createTestContext();
  rt = await ctx.start({ ROLE: 'api' });
  ({ apiKey: key, tenantId } = await ctx.createTenant('Hostile'));
  assertSchema = await loadOpenApiSchemas();
});
after(() => ctx.close());

const bearer = () => ({ Authorization: `Bearer ${key}` });
function postCsv(body: string | Buffer, opts: { runtime?: Runtime; query?: string; headers?: Record<string, string> } = {}) {
  const req = ctx.http(opts.runtime ?? rt).post(`/v1/batches${opts.query ?? ''}`).set(bearer()).set('Content-Type', 'text/csv');
  for (const [k, v] of Object.entries(opts.headers ?? {})) req.set(k, v);
  return req.send(body);
}
const num = (rows: Array<Record<string, unknown>>): number => Number(rows[0]?.n ?? 0);
async function created() {
  const batches = num(await rt.db('batches').where({ tenant_id: tenantId }).count({ n: '*' }));
  const validations = num(await rt.db('validations').where({ tenant_id: tenantId }).count({ n: '*' }));
  return { batches, validations };
}
async function storedRejections(batchId: string) {
  return rt.db('batch_rows').where({ batch_id: batchId, rejected: true }).orderBy('row_number');
}
function assertNoAccount(text: string, accounts: string[], where: string) {
  for (const a of accounts) assert.ok(!text.includes(a), `an account number appears in ${where}`);
}

describe('blank lines', () => {
  it('are skipped, counted and reported, and keep spreadsheet row numbers', async () => {
    const a = account();
    const b = account();
    const res = await postCsv(csv(['', 'account_number,ifsc', `${a},HDFC0000001`, '', '   ', ',', `${b},HDFC1234`, '""', '']));
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assertSchema('Batch', res.body);
    // Row 1 blank, header row 2, then rows 3–9: two payees and six blank rows in all (empty lines,
    // spaces, a row of empty cells, a quoted empty cell, a blank line before the last newline).
    assert.deepEqual(res.body.counts, { total: 2, skipped: 6, rejected: 1, queued: 1, processing: 0, completed: 0, failed: 0 });
    assert.deepEqual(res.body.rejected_rows.map((r: { row: number; code: string }) => [r.row, r.code]), [[7, 'validation.invalid_ifsc']]);
  });

  it('count against BATCH_MAX_ROWS', async () => {
    const limited = await ctx.start({ ROLE: 'api', BATCH_MAX_ROWS: '1000' });
    const res = await postCsv(`account_number,ifsc\n${account()},HDFC0000001\n${'\n'.repeat(5000)}`, { runtime: limited });
    assert.equal(res.status, 413, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'batch.too_large');
  });

  it('a megabyte of blank lines never blocks the event loop for long', async () => {
    const roomy = await ctx.start({ ROLE: 'api', BATCH_MAX_ROWS: '3000000' });
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const res = await postCsv(`account_number,ifsc\n${account()},HDFC0000001\n${'\n'.repeat(1024 * 1024)}`, { runtime: roomy });
    delay.disable();
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.counts.total, 1);
    assert.equal(res.body.counts.skipped, 1024 * 1024);
    // Old code: one uninterrupted run of about a minute. Generous for a machine under load.
    const maxMs = delay.max / 1e6;
    assert.ok(maxMs < 2000, `the event loop was blocked for ${maxMs.toFixed(0)} ms`);
  });

  it('a client that hangs up mid-upload stops the work', async () => {
    const listening = await ctx.start({ ROLE: 'api', BATCH_MAX_ROWS: '10000000', BATCH_MAX_BYTES: String(64 * 1024 * 1024) }, { listen: true });
    const total = 40 * 1024 * 1024;
    const req = http.request(`${listening.url}/v1/batches?reference_id=hangup-1`, {
      method: 'POST',
      headers: { ...bearer(), 'content-type': 'text/csv', 'content-length': String(total) },
    });
    req.on('error', () => undefined);
    req.write(`account_number,ifsc\n${account()},HDFC0000001\n`);
    const block = Buffer.alloc(256 * 1024, '\n');
    let sent = 0;
    const batch = eventually(async () => rt.db('batches').where({ tenant_id: tenantId, reference_id: 'hangup-1' }).first(), 'the upload to start');
    let started = false;
    void batch.then(() => (started = true));
    while (!started && sent < total / 2) {
      if (!req.write(block)) await new Promise((r) => req.once('drain', r));
      sent += block.length;
      await new Promise((r) => setImmediate(r));
    }
    const row = await batch;
    req.destroy();
    const failed = await eventually(
      async () => {
        const b = await rt.db('batches').where({ id: row.id }).first();
        return b.status === 'failed' ? b : undefined;
      },
      'the abandoned upload to be failed',
      20_000,
    );
    assert.equal(failed.failure_code, 'batch.upload_interrupted');
    assert.ok(Number(failed.skipped_rows) < total - 64, 'the server read the whole file after the client left');
  });
});

describe('stray quotes', () => {
  it('in a file over 64 kB: only that row is rejected, with its row number and column, and no account number anywhere', async () => {
    const rows: string[] = [];
    const stray = account();
    const at = 1411; // 0-based data row
    for (let i = 0; i < 3000; i++) rows.push(i === at ? `${stray}"x",HDFC0000001,Stray Quote,ref-${i}` : `${account()},HDFC0000001,Payee ${i},ref-${i}`);
    const file = csv(['account_number,ifsc,name,reference_id', ...rows]);
    assert.ok(file.length > 64 * 1024);
    const res = await postCsv(file);
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.counts.total, 3000);
    assert.equal(res.body.counts.rejected, 1);
    assert.equal(res.body.counts.queued, 2999);
    assert.deepEqual(res.body.rejected_rows.map((r: { row: number; column: string; code: string }) => [r.row, r.column, r.code]), [[at + 2, 'account_number', 'batch.malformed_quote']]);
    const stored = await storedRejections(res.body.id);
    assert.equal(stored.length, 1);
    const listed = await ctx.http(rt).get(`/v1/batches/${res.body.id}/rejections`).set(bearer());
    assert.equal(listed.status, 200);
    assertNoAccount(JSON.stringify(res.body) + JSON.stringify(stored) + JSON.stringify(listed.body) + ctx.logs.text(), [stray], 'the answer, batch_rows or the logs');
  });

  it('in a small file: the row is rejected, not the whole file as an unreadable header', async () => {
    const stray = account();
    const res = await postCsv(csv(['account_number,ifsc,name', `${account()},HDFC0000001,A`, `${stray}"x",HDFC0000001,B`, `${account()},HDFC0000001,C`]));
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.counts.total, 3);
    assert.deepEqual(res.body.rejected_rows.map((r: { row: number; code: string }) => [r.row, r.code]), [[3, 'batch.malformed_quote']]);
    assertNoAccount(JSON.stringify(res.body), [stray], 'the answer');
  });

  it('an unterminated quote rejects its own line only; the lines after it are read', async () => {
    const names = [account(), account(), account()];
    const res = await postCsv(csv(['account_number,ifsc,name', `${names[0]},HDFC0000001,"Ramesh`, `${names[1]},HDFC0000001,Priya`, `${names[2]},HDFC0000001,Anita`]));
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.counts.total, 3);
    assert.deepEqual(res.body.rejected_rows.map((r: { row: number; column: string; code: string }) => [r.row, r.column, r.code]), [[2, 'name', 'batch.unterminated_quote']]);
    assertNoAccount(JSON.stringify(res.body), names, 'the answer');
  });

  it('in the header row: the file is refused whole with the row number, and nothing is created', async () => {
    const before = await created();
    const res = await postCsv(csv(['account_number,"ifsc"x,name', `${account()},HDFC0000001,A`]));
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'batch.unreadable_csv');
    assert.equal(res.body.error.details?.row, 1);
    assert.deepEqual(await created(), before);
  });
});

describe('line endings', () => {
  it('a CRLF header followed by LF and lone-CR lines is three payees', async () => {
    const [a, b, c] = [account(), account(), account()];
    const res = await postCsv(`account_number,ifsc,name\r\n${a},HDFC0000001,A\n${b},HDFC0000001,B\r${c},HDFC0000001,C\r`);
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.counts.total, 3);
    assert.equal(res.body.counts.rejected, 0);
    const last4 = (await rt.db('validations').where({ batch_id: res.body.id }).pluck('account_last4')).sort();
    assert.deepEqual(last4, [a, b, c].map((n) => n.slice(-4)).sort());
  });
});

describe('row limit', () => {
  it('is exact: 5,000 rows pass and 5,001 are refused at 5,000, never a chunk more', async () => {
    const limited = await ctx.start({ ROLE: 'api', BATCH_MAX_ROWS: '5000' });
    const rows = Array.from({ length: 5999 }, (_, i) => `vpa.limit${i}@okaxis`);
    const over = await postCsv(csv(['vpa', ...rows]), { runtime: limited });
    assert.equal(over.status, 413, JSON.stringify(over.body).slice(0, 500));
    const batchId = over.body.error.details.batch_id as string;
    const b = await rt.db('batches').where({ id: batchId }).first();
    assert.ok(Number(b.total_rows) <= 5000, `${b.total_rows} rows stored past a limit of 5,000`);
    const exact = await postCsv(csv(['vpa', ...rows.slice(0, 5000)]), { runtime: limited });
    assert.equal(exact.status, 202);
    assert.equal(exact.body.counts.total, 5000);
  });
});

describe('query parameters of a CSV upload', () => {
  for (const [what, query, field] of [
    ['an unknown parameter', '?reference_id=q-1&colour=blue', 'colour'],
    ['a repeated parameter', '?reference_id=q-2&reference_id=q-3', 'reference_id'],
    ['a misspelt parameter', '?referenceid=q-4', 'referenceid'],
  ] as const) {
    it(`${what} → 400 request.invalid naming it, nothing created`, async () => {
      const before = await created();
      const res = await postCsv(csv(['vpa', 'a.b@okaxis']), { query });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assertSchema('Error', res.body);
      assert.equal(res.body.error.code, 'request.invalid');
      assert.equal(res.body.error.details?.field, field);
      assert.deepEqual(await created(), before);
    });
  }
});

describe('compressed CSV uploads', () => {
  const file = () => csv(['account_number,ifsc,name', `${account()},HDFC0000001,A`, `${account()},HDFC0000001,B`, 'x,HDFC0000001,C']);
  for (const [encoding, compress] of [['gzip', gzipSync], ['deflate', deflateSync], ['br', brotliCompressSync]] as const) {
    it(`Content-Encoding: ${encoding} is read like the plain file`, async () => {
      const res = await postCsv(compress(Buffer.from(file())), { headers: { 'Content-Encoding': encoding } });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      assert.equal(res.body.counts.total, 3);
      assert.equal(res.body.counts.rejected, 1);
    });
  }

  it('a gzip multipart body is read too', async () => {
    const boundary = 'payval-test-boundary';
    const body = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="reference_id"\r\n\r\ngz-multipart\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="p.csv"\r\nContent-Type: text/csv\r\n\r\n${file()}\r\n--${boundary}--\r\n`,
    );
    const res = await ctx
      .http(rt)
      .post('/v1/batches')
      .set(bearer())
      .set('Content-Type', `multipart/form-data; boundary=${boundary}`)
      .set('Content-Encoding', 'gzip')
      .send(gzipSync(body));
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.reference_id, 'gz-multipart');
    assert.equal(res.body.counts.total, 3);
  });

  it('a corrupt gzip body → 400 request.invalid_content_encoding, nothing created', async () => {
    const before = await created();
    const good = gzipSync(Buffer.from(file()));
    const corrupt = Buffer.concat([good.subarray(0, 12), Buffer.alloc(40, 0xab), good.subarray(52)]);
    const res = await postCsv(corrupt, { headers: { 'Content-Encoding': 'gzip' } });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assertSchema('Error', res.body);
    assert.equal(res.body.error.code, 'request.invalid_content_encoding');
    assert.deepEqual(await created(), before);
  });

  it('an encoding payval does not read → 415 request.unsupported_content_encoding', async () => {
    for (const encoding of ['compress', 'zstd', 'gzip, br']) {
      const res = await postCsv(file(), { headers: { 'Content-Encoding': encoding } });
      assert.equal(res.status, 415, `${encoding}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, 'request.unsupported_content_encoding');
    }
  });

  it('BATCH_MAX_BYTES applies to the decompressed size (a small gzip bomb → 413)', async () => {
    const small = await ctx.start({ ROLE: 'api', BATCH_MAX_BYTES: '100000' });
    const bomb = gzipSync(Buffer.from(`vpa\n${'a.b@okaxis\n'.repeat(200_000)}`));
    assert.ok(bomb.length < 20_000);
    const res = await postCsv(bomb, { runtime: small, headers: { 'Content-Encoding': 'gzip' } });
    assert.equal(res.status, 413, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'batch.too_large');
  });
});

describe('logs', () => {
  it('carry no account number from this file, and no hostile upload was an unexpected error', () => {
    assert.ok(usedAccounts.length > 3000);
    assertNoAccount(ctx.logs.text(), usedAccounts, 'the logs');
    assert.deepEqual(ctx.logs.lines.filter((l) => /"level":(50|60)/.test(l)), []);
  });
});
