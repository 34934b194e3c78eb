import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { parse as parseCsv } from 'csv-parse/sync';
import type { Response as HttpResponse } from 'supertest';
// The CSV upload route runs before the validator middleware (it streams the body), so
// VALIDATE_RESPONSES does not see its answers; they are checked against openapi.yaml here instead.
import { loadOpenApiSchemas } from '../helpers/openapi-schemas.js';
import type { Runtime } from '../../src/runtime.js';
import { openPersonalFields } from '../../src/validations/personal-fields.js';
import { createTestContext, eventually, type TestContext } from '../helpers/test-stack.js';

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

// Every account number this file sends, so the export checks know what must never appear.
const usedAccounts: string[] = [];
/** A 14-digit account number ending in `suffix` (the sandbox decides the outcome from the last 4). */
function account(suffix: string): string {
  const n = `${randomInt(1_000_000, 9_999_999)}${randomInt(100, 999)}${suffix}`;
  usedAccounts.push(n);
  return n;
}
const spaced = (n: string) => n.replace(/(\d{4})(?=\d)/g, '$1 ');
const dashed = (n: string) => n.replace(/(\d{4})(?=\d)/g, '$1-');

/** CSV text from lines; `eol` lets a test pick LF or CRLF. */
const csv = (lines: string[], eol = '\n') => lines.join(eol) + eol;
const HEADER = 'type,account_number,ifsc,rail,vpa,name,reference_id';

const RESULT_COLUMNS = [
  'row', 'reference_id', 'status', 'type', 'masked_account_number', 'ifsc', 'vpa', 'account_status',
  'registered_name', 'name_match_result', 'name_match_score', 'failure_code', 'validation_id', 'name_match_flags',
];

// ---------------------------------------------------------------------------------------------
// Stack
// ---------------------------------------------------------------------------------------------

let ctx: TestContext;
let rt: Runtime; // API only; the validations are processed by the worker runtimes below
let key: string;
let tenantId: string;
let assertSchema: (name: string, body: unknown) => void;

before(async () => {
  ctx = await createTestContext();
  rt = await ctx.start({ ROLE: 'api' });
  // The breaker is not under test: a burst of sandbox 1111/5555 failures early in a worker's rolling
  // window must not open it and fail unrelated rows.
  const workerEnv = { ROLE: 'worker', WORKER_CONCURRENCY: '8', BREAKER_VOLUME_THRESHOLD: '100' };
  await ctx.start(workerEnv);
  await ctx.start(workerEnv);
  ({ apiKey: key, tenantId } = await ctx.createTenant('Acme'));

  assertSchema = await loadOpenApiSchemas();
});
after(() => ctx.close());

const bearer = (k = key) => ({ Authorization: `Bearer ${k}` });

function postJson(body: unknown, opts: { runtime?: Runtime; apiKey?: string } = {}) {
  return ctx.http(opts.runtime ?? rt).post('/v1/batches').set(bearer(opts.apiKey)).send(body as object);
}

function postCsv(body: string | Buffer, opts: { runtime?: Runtime; apiKey?: string; query?: string; idem?: string } = {}) {
  const req = ctx
    .http(opts.runtime ?? rt)
    .post(`/v1/batches${opts.query ?? ''}`)
    .set(bearer(opts.apiKey))
    .set('Content-Type', 'text/csv');
  if (opts.idem) req.set('Idempotency-Key', opts.idem);
  return req.send(body);
}

function postMultipart(file: string | Buffer, fields: Record<string, string> = {}, opts: { runtime?: Runtime } = {}) {
  const req = ctx.http(opts.runtime ?? rt).post('/v1/batches').set(bearer());
  // Fields first: the server only reads fields sent before the file part.
  for (const [k, v] of Object.entries(fields)) req.field(k, v);
  return req.attach('file', Buffer.from(file), { filename: 'payees.csv', contentType: 'text/csv' });
}

/** A 202 CSV upload, its body checked against the Batch schema. */
async function uploadOk(body: string | Buffer, opts: Parameters<typeof postCsv>[1] = {}) {
  const res = await postCsv(body, opts);
  assert.equal(res.status, 202, JSON.stringify(res.body));
  assertSchema('Batch', res.body);
  return res.body as BatchBody;
}

const getBatch = (id: string, apiKey = key) => ctx.http(rt).get(`/v1/batches/${id}`).set(bearer(apiKey));

interface Counts { total: number; skipped: number; rejected: number; queued: number; processing: number; completed: number; failed: number }
interface Rejection { row: number; column: string | null; code: string; message: string }
interface BatchBody {
  id: string;
  status: string;
  source: string;
  reference_id: string | null;
  metadata: Record<string, string> | null;
  counts: Counts;
  unique_validations: number;
  rejected_rows: Rejection[];
  failure: { code: string; message: string } | null;
  completed_at: string | null;
}
interface ResultRecord {
  row: number;
  reference_id: string | null;
  status: string | null;
  type: string | null;
  masked_account_number: string | null;
  ifsc: string | null;
  vpa: string | null;
  account_status: string | null;
  registered_name: string | null;
  name_match_result: string | null;
  name_match_score: number | null;
  failure_code: string | null;
  validation_id: string | null;
  name_match_flags: string | null;
}

async function finalBatch(id: string, timeoutMs = 20_000): Promise<BatchBody> {
  return eventually(async () => {
    const res = await getBatch(id);
    assert.equal(res.status, 200);
    return ['completed', 'failed'].includes(res.body.status) ? (res.body as BatchBody) : undefined;
  }, `batch ${id} to finish`, timeoutMs);
}

const num = (rows: Array<Record<string, unknown>>): number => Number(rows[0]?.n ?? 0);
async function tenantRowCounts(t = tenantId) {
  const [batches, validations] = await Promise.all([
    rt.db('batches').where({ tenant_id: t }).count({ n: '*' }),
    rt.db('validations').where({ tenant_id: t }).count({ n: '*' }),
  ]);
  const batchRows = await rt.db('batch_rows').whereIn('batch_id', rt.db('batches').where({ tenant_id: t }).select('id')).count({ n: '*' });
  return { batches: num(batches), validations: num(validations), batchRows: num(batchRows) };
}

/** Waits until none of the tenant's validations is still queued or processing (so partner call counts are still). */
async function settled(t = tenantId): Promise<void> {
  await eventually(
    async () => num(await rt.db('validations').where({ tenant_id: t }).whereIn('status', ['queued', 'processing']).count({ n: '*' })) === 0,
    'every validation to be final',
    15_000,
  );
}

/** The batch's validation rows as stored, with their VPA and names opened: new rows keep them only sealed. */
async function batchValidations(batchId: string): Promise<Array<Record<string, any>>> {
  const rows: Array<Record<string, any>> = await rt.db('validations').where({ batch_id: batchId }).orderBy('id');
  return rows.map((r) => {
    assert.deepEqual([r.vpa, r.expected_name, r.registered_name, r.metadata], [null, null, null, null], 'a plaintext personal column is filled');
    const p = openPersonalFields(rt.cipher, r);
    return { ...r, vpa: p.vpa, expected_name: p.expectedName, registered_name: p.registeredName };
  });
}

async function allRejections(batchId: string, limit: number, apiKey = key): Promise<{ data: Rejection[]; pages: number }> {
  const data: Rejection[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res: HttpResponse = await ctx
      .http(rt)
      .get(`/v1/batches/${batchId}/rejections`)
      .query({ limit, ...(cursor ? { cursor } : {}) })
      .set(bearer(apiKey));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.ok(res.body.data.length <= limit);
    data.push(...res.body.data);
    cursor = res.body.next_cursor as string | null;
    assert.equal(res.body.has_more, cursor !== null);
    pages++;
  } while (cursor);
  return { data, pages };
}

async function resultsCsv(batchId: string): Promise<{ text: string; header: string[]; rows: string[][] }> {
  const res = await ctx.http(rt).get(`/v1/batches/${batchId}/results`).set(bearer()).set('Accept', 'text/csv').buffer(true).parse((r, cb) => {
    let data = '';
    r.setEncoding('utf8');
    r.on('data', (c: string) => (data += c));
    r.on('end', () => cb(null, data));
  });
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'] ?? '', /^text\/csv/);
  const text = res.body as string;
  const [header, ...rows] = parseCsv(text, { relax_column_count: false }) as string[][];
  assert.ok(header);
  return { text, header, rows };
}

async function resultsNdjson(batchId: string): Promise<{ text: string; records: ResultRecord[] }> {
  const res = await ctx.http(rt).get(`/v1/batches/${batchId}/results`).set(bearer()).set('Accept', 'application/x-ndjson').buffer(true).parse((r, cb) => {
    let data = '';
    r.setEncoding('utf8');
    r.on('data', (c: string) => (data += c));
    r.on('end', () => cb(null, data));
  });
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'] ?? '', /^application\/x-ndjson/);
  const text = res.body as string;
  assert.ok(text.endsWith('\n'));
  return { text, records: text.trimEnd().split('\n').map((l) => JSON.parse(l) as ResultRecord) };
}

/** How a result value must appear in the CSV export (formula-looking text gets a leading '). */
function asCsvCell(v: string | number | null): string {
  if (v === null) return '';
  if (typeof v === 'number') return String(v);
  return /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
}

const completedLogLines = (batchId: string) =>
  ctx.logs.lines.filter((l) => l.includes('"msg":"batch completed"') && l.includes(`"batchId":"${batchId}"`)).length;

// ---------------------------------------------------------------------------------------------
// 1. JSON batches
// ---------------------------------------------------------------------------------------------

describe('JSON batch', () => {
  it('stores every item, rejects a bad item with its 1-based index and field, and completes', async () => {
    const a1 = account('4561'); // last digit 1 → RAMESH KUMAR
    const a2 = account('7770'); // last digit 0 → ANITA SHARMA
    const invalid = account('0000');
    const items = [
      { type: 'bank_account', bank_account: { account_number: a1, ifsc: 'HDFC0000001' }, rail: 'IMPS', name: 'Ramesh Kumar', reference_id: 'j-1' },
      { type: 'vpa', vpa: 'Priya.Nair@okaxis', name: 'Priya Nair', reference_id: 'j-2' },
      { type: 'bank_account', bank_account: { account_number: account('9876'), ifsc: 'HDFC1234' }, reference_id: 'j-3' },
      { type: 'bank_account', bank_account: { account_number: a2, ifsc: 'HDFC0000001' }, rail: 'NEFT', metadata: { erp: 'sap' } },
      { type: 'bank_account', bank_account: { account_number: invalid, ifsc: 'HDFC0000001' }, reference_id: 'j-5' },
      { type: 'vpa', vpa: 'rahul@ybl' },
    ];
    const res = await postJson({ items, reference_id: 'payout-run-7', metadata: { run: '7' } });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const b = res.body as BatchBody;
    assert.match(b.id, /^bat_[0-9A-Z]{26}$/);
    assert.equal(b.source, 'json');
    assert.equal(b.reference_id, 'payout-run-7');
    assert.deepEqual(b.metadata, { run: '7' });
    assert.equal(b.counts.total, 6);
    assert.equal(b.counts.rejected, 1);
    assert.equal(b.counts.queued + b.counts.processing + b.counts.completed + b.counts.failed, 5);
    assert.equal(b.unique_validations, 5);
    assert.equal(b.rejected_rows.length, 1);
    assert.deepEqual(b.rejected_rows.map((r) => [r.row, r.column, r.code]), [[3, 'bank_account.ifsc', 'validation.invalid_ifsc']]);

    const final = await finalBatch(b.id);
    assert.equal(final.status, 'completed');
    assert.deepEqual(final.counts, { total: 6, skipped: 0, rejected: 1, queued: 0, processing: 0, completed: 5, failed: 0 });
    assert.ok(final.completed_at);
    assert.equal(final.failure, null);

    // MySQL: one batch row, 6 batch_rows (one rejected), 5 validations all carrying the batch id.
    const row = await rt.db('batches').where({ id: b.id }).first();
    assert.equal(row.status, 'completed');
    assert.equal(row.tenant_id, tenantId);
    const brs = await rt.db('batch_rows').where({ batch_id: b.id }).orderBy('row_number');
    assert.deepEqual(brs.map((r) => Number(r.row_number)), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(brs.map((r) => Boolean(r.rejected)), [false, false, true, false, false, false]);
    assert.equal(brs[2].validation_id, null);
    const vals = await batchValidations(b.id);
    assert.equal(vals.length, 5);
    for (const v of vals) {
      assert.equal(v.status, 'completed');
      assert.equal(ctx.sim.callsFor(v.id), 1);
    }

    // The items endpoint lists exactly these validations, each with batch_id, across pages.
    const listed: Array<Record<string, any>> = [];
    let cursor: string | null = null;
    do {
      const page: HttpResponse = await ctx.http(rt).get(`/v1/batches/${b.id}/items`).query({ limit: 2, ...(cursor ? { cursor } : {}) }).set(bearer());
      assert.equal(page.status, 200);
      listed.push(...page.body.data);
      cursor = page.body.next_cursor;
    } while (cursor);
    assert.deepEqual(listed.map((v) => v.id).sort(), vals.map((v) => v.id).sort());
    for (const v of listed) assert.equal(v.batch_id, b.id);
    const byRef = new Map(listed.map((v) => [v.reference_id, v]));
    assert.equal(byRef.get('j-1')?.result.registered_name, 'RAMESH KUMAR');
    assert.equal(byRef.get('j-1')?.result.name_match.result, 'match');
    assert.equal(byRef.get('j-1')?.bank_account.masked_account_number, `XXXXXX${a1.slice(-4)}`);
    assert.equal(byRef.get('j-2')?.vpa, 'priya.nair@okaxis');
    assert.equal(byRef.get('j-5')?.result.account_status, 'invalid');
    const neft = listed.find((v) => v.rail === 'NEFT');
    assert.deepEqual(neft?.metadata, { erp: 'sap' });
    // A single validation read also shows the batch.
    const one = await ctx.http(rt).get(`/v1/validations/${vals[0]!.id}`).set(bearer());
    assert.equal(one.body.batch_id, b.id);
    const filtered = await ctx.http(rt).get(`/v1/batches/${b.id}/items`).query({ status: 'failed' }).set(bearer());
    assert.equal(filtered.body.data.length, 0);

    assert.equal(completedLogLines(b.id), 1);
  });

  it('a JSON batch with an unknown field is a 400 for the whole request and creates nothing', async () => {
    const before = await tenantRowCounts();
    const res = await postJson({ items: [{ type: 'vpa', vpa: 'a.b@okaxis', amount: 5 }] });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'request.invalid');
    assert.deepEqual(await tenantRowCounts(), before);
  });
});

// ---------------------------------------------------------------------------------------------
// 2. CSV, raw and multipart
// ---------------------------------------------------------------------------------------------

describe('CSV upload', () => {
  it('a raw text/csv body and a multipart file part give the same batch', async () => {
    const file = csv([
      HEADER,
      `bank_account,${account('4561')},HDFC0000001,IMPS,,Ramesh Kumar,v-1`,
      'vpa,,,,priya.nair@okaxis,Priya Nair,v-2',
      `,${account('3452')},HDFC0000001,,,,v-3`,
      `bank_account,12345,HDFC0000001,IMPS,,,v-4`,
    ]);
    const raw = await uploadOk(file, { query: '?reference_id=raw-upload-1' });
    const multi = await postMultipart(file, { reference_id: 'multipart-upload-1' });
    assert.equal(multi.status, 202, JSON.stringify(multi.body));
    assertSchema('Batch', multi.body);
    assert.notEqual(multi.body.id, raw.id);

    assert.equal(raw.source, 'csv');
    assert.equal(multi.body.source, 'csv');
    assert.equal(raw.reference_id, 'raw-upload-1');
    assert.equal(multi.body.reference_id, 'multipart-upload-1');
    for (const b of [raw, multi.body as BatchBody]) {
      assert.equal(b.counts.total, 4);
      assert.equal(b.counts.rejected, 1);
      assert.equal(b.unique_validations, 3);
      assert.deepEqual(b.rejected_rows.map((r) => [r.row, r.column, r.code]), [[5, 'account_number', 'validation.invalid_account_number']]);
    }
    const [f1, f2] = await Promise.all([finalBatch(raw.id), finalBatch(multi.body.id)]);
    assert.deepEqual(f1.counts, f2.counts);
    assert.deepEqual(f1.counts, { total: 4, skipped: 0, rejected: 1, queued: 0, processing: 0, completed: 3, failed: 0 });
    assert.equal((await batchValidations(raw.id)).length, 3);
    assert.equal((await batchValidations(multi.body.id)).length, 3);
  });

  it('a multipart body without a file part is 400 batch.missing_file; a bad reference_id is 400', async () => {
    const before = await tenantRowCounts();
    const noFile = await ctx.http(rt).post('/v1/batches').set(bearer()).field('reference_id', 'x');
    assert.equal(noFile.status, 400);
    assert.equal(noFile.body.error.code, 'batch.missing_file');
    assertSchema('Error', noFile.body);
    const badRef = await postCsv(csv([HEADER, 'vpa,,,,a.b@okaxis,,']), { query: '?reference_id=has%20space' });
    assert.equal(badRef.status, 400);
    assert.equal(badRef.body.error.code, 'request.invalid');
    assert.deepEqual(await tenantRowCounts(), before);
  });
});

// ---------------------------------------------------------------------------------------------
// 3. Awkward but valid CSV
// ---------------------------------------------------------------------------------------------

describe('awkward but valid CSV files are read row by row', () => {
  interface Expect { last4?: string; vpa?: string; name: string | null; ifsc?: string }
  const cases: Array<{ what: string; file: () => { body: string | Buffer; expect: Expect[] } }> = [
    {
      what: 'UTF-8 BOM',
      file: () => {
        const a = account('1234');
        return { body: Buffer.from(`\uFEFF${csv(['account_number,ifsc,name', `${a},HDFC0000001,Ramesh Kumar`])}`, 'utf8'), expect: [{ last4: '1234', name: 'Ramesh Kumar', ifsc: 'HDFC0000001' }] };
      },
    },
    {
      what: 'CRLF line ends',
      file: () => ({
        body: csv(['account_number,ifsc,name', `${account('2345')},HDFC0000001,Priya Nair`, `${account('2346')},HDFC0000001,`], '\r\n'),
        expect: [{ last4: '2345', name: 'Priya Nair', ifsc: 'HDFC0000001' }, { last4: '2346', name: null, ifsc: 'HDFC0000001' }],
      }),
    },
    {
      what: 'LF line ends and no newline at the end',
      file: () => ({
        body: `account_number,ifsc,name\n${account('3456')},HDFC0000001,Anita Sharma\n${account('3457')},HDFC0000001,Sunita Devi`,
        expect: [{ last4: '3456', name: 'Anita Sharma', ifsc: 'HDFC0000001' }, { last4: '3457', name: 'Sunita Devi', ifsc: 'HDFC0000001' }],
      }),
    },
    {
      what: 'quoted fields with commas, quotes and embedded newlines (in an ignored column)',
      file: () => ({
        body: csv([
          'account_number,ifsc,name,notes',
          `"${account('4567')}","HDFC0000001","Kumar, Ramesh","pay on 1st, 15th"`,
          `${account('4568')},HDFC0000001,"Nair ""Priya""","line one`,
          `line two, still the same cell"`,
          `${account('4569')},HDFC0000001,Irfan,`,
        ]),
        expect: [
          { last4: '4567', name: 'Kumar, Ramesh', ifsc: 'HDFC0000001' },
          { last4: '4568', name: 'Nair "Priya"', ifsc: 'HDFC0000001' },
          { last4: '4569', name: 'Irfan', ifsc: 'HDFC0000001' },
        ],
      }),
    },
    {
      what: 'spaces around cells and header names',
      file: () => ({
        body: csv([' account_number ,  ifsc , name ', `  ${account('5678')}  , HDFC0000001 ,   Gurpreet Singh  `, `" ${account('5679')} ",hdfc0000001 , Lakshmi  Krishnan`]),
        expect: [{ last4: '5678', name: 'Gurpreet Singh', ifsc: 'HDFC0000001' }, { last4: '5679', name: 'Lakshmi Krishnan', ifsc: 'HDFC0000001' }],
      }),
    },
    {
      what: 'other case and order, and ERP aliases (Account No., IFSC Code, Beneficiary Name, UPI ID)',
      file: () => ({
        body: csv([
          'Beneficiary Name,IFSC Code,UPI ID,Account No.,REFERENCE_ID',
          `John Dsouza,HDFC0000001,,${account('6786')},erp-1`,
          'Fatima Shaikh,,fatima.shaikh@okicici,,erp-2',
        ]),
        expect: [{ last4: '6786', name: 'John Dsouza', ifsc: 'HDFC0000001' }, { vpa: 'fatima.shaikh@okicici', name: 'Fatima Shaikh' }],
      }),
    },
    {
      what: 'account numbers written with spaces or dashes',
      file: () => ({
        body: csv(['account_number,ifsc', `${spaced(account('7891'))},HDFC0000001`, `${dashed(account('7892'))},HDFC0000001`]),
        expect: [{ last4: '7891', name: null, ifsc: 'HDFC0000001' }, { last4: '7892', name: null, ifsc: 'HDFC0000001' }],
      }),
    },
    {
      what: 'unknown extra columns',
      file: () => ({
        body: csv(['Vendor Code,GSTIN,account_number,Amount,ifsc,constructor,name,', `V001,29ABCDE1234F1Z5,${account('8901')},1500.00,HDFC0000001,x,Arjun Reddy,`]),
        expect: [{ last4: '8901', name: 'Arjun Reddy', ifsc: 'HDFC0000001' }],
      }),
    },
  ];

  for (const c of cases) {
    it(`${c.what}: every row accepted`, async () => {
      const { body, expect } = c.file();
      const b = await uploadOk(body);
      assert.deepEqual(b.rejected_rows, []);
      assert.equal(b.counts.total, expect.length);
      assert.equal(b.counts.rejected, 0);
      assert.equal(b.unique_validations, expect.length);
      const vals = await batchValidations(b.id);
      const got = vals.map((v) => JSON.stringify(v.type === 'vpa' ? { vpa: v.vpa, name: v.expected_name } : { last4: v.account_last4, name: v.expected_name, ifsc: v.ifsc })).sort();
      assert.deepEqual(got, expect.map((e) => JSON.stringify(e)).sort());
      // The sandbox answered `valid`: the worker decrypted and sent a clean 9–18 digit account number.
      const final = await finalBatch(b.id);
      assert.equal(final.status, 'completed');
      assert.equal(final.counts.completed, expect.length);
      for (const v of vals) {
        const done = await rt.db('validations').where({ id: v.id }).first();
        assert.equal(done.account_status, 'valid');
      }
    });
  }

  it('a newline inside a quoted name is rejected as a control character, numbered by record, not by line', async () => {
    const b = await uploadOk(
      csv([
        'account_number,ifsc,name',
        `${account('1357')},HDFC0000001,"Ramesh`,
        `Kumar"`,
        `${account('1358')},HDFC0000001,Priya Nair`,
        `${account('1359')},HDFC1234,Anita`,
      ]),
    );
    assert.equal(b.counts.total, 3);
    assert.deepEqual(b.rejected_rows.map((r) => [r.row, r.column, r.code]), [
      [2, 'name', 'validation.invalid_name'],
      [4, 'ifsc', 'validation.invalid_ifsc'],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// 4. Malformed rows
// ---------------------------------------------------------------------------------------------

describe('malformed rows', () => {
  it('each kind is rejected with its spreadsheet row number and column; the other rows go through', async () => {
    const secrets = [account('2001'), account('2002'), account('2003'), account('2004'), account('2005'), account('2006')];
    const [okA, badIfsc, unknownIfsc, wrongCount, badType, badRail] = secrets as [string, string, string, string, string, string];
    const okB = account('2468');
    const lines = [
      HEADER, // row 1
      `bank_account,${okA},HDFC0000001,IMPS,,Ramesh Kumar,ok-2`, // 2
      `bank_account,${badIfsc},HDFC1234,IMPS,,,bad-ifsc-3`, // 3
      `bank_account,${unknownIfsc},SBIN0123456,IMPS,,,unknown-ifsc-4`, // 4
      'bank_account,12345,HDFC0000001,IMPS,,,short-5', // 5
      'vpa,,,,ok.person@okaxis,,ok-6', // 6
      'vpa,,,,no-at-sign,,bad-vpa-7', // 7
      `bank_account,${wrongCount},HDFC0000001`, // 8
      `cheque,${badType},HDFC0000001,IMPS,,,bad-type-9`, // 9
      'bank_account,5.01E+13,HDFC0000001,IMPS,,,sci-10', // 10
      `bank_account,${badRail},HDFC0000001,RTGS,,,bad-rail-11`, // 11
      `bank_account,${account('2012')},HDFC0000001,IMPS,,,bad ref!`, // 12
      `,${okB},HDFC0000001,,,,ok-13`, // 13
    ];
    const expected: Array<[number, string | null, string]> = [
      [3, 'ifsc', 'validation.invalid_ifsc'],
      [4, 'ifsc', 'validation.unknown_ifsc'],
      [5, 'account_number', 'validation.invalid_account_number'],
      [7, 'vpa', 'validation.invalid_vpa'],
      [8, null, 'batch.wrong_column_count'],
      [9, 'type', 'batch.invalid_type'],
      [10, 'account_number', 'validation.invalid_account_number'],
      [11, 'rail', 'validation.invalid_rail'],
      [12, 'reference_id', 'batch.invalid_reference_id'],
    ];
    const b = await uploadOk(csv(lines));
    assert.equal(b.counts.total, 12);
    assert.equal(b.counts.rejected, 9);
    assert.equal(b.unique_validations, 3);
    assert.deepEqual(b.rejected_rows.map((r) => [r.row, r.column, r.code]), expected);
    assert.match(b.rejected_rows.find((r) => r.row === 10)!.message, /scientific notation/);

    // Every rejection, paginated with a cursor (3 pages of at most 4).
    const { data, pages } = await allRejections(b.id, 4);
    assert.equal(pages, 3);
    assert.deepEqual(data.map((r) => [r.row, r.column, r.code]), expected);
    for (const r of data) assertSchema('Rejection', r);
    const everything = JSON.stringify(data) + JSON.stringify(b);
    for (const s of secrets) assert.ok(!everything.includes(s), 'a rejection echoes an account number');
    const badCursor = await ctx.http(rt).get(`/v1/batches/${b.id}/rejections`).query({ cursor: 'bm9wZQ' }).set(bearer());
    assert.equal(badCursor.status, 400);
    assert.equal(badCursor.body.error.code, 'pagination.invalid_cursor');

    const final = await finalBatch(b.id);
    assert.deepEqual(final.counts, { total: 12, skipped: 0, rejected: 9, queued: 0, processing: 0, completed: 3, failed: 0 });
    const vals = await batchValidations(b.id);
    assert.deepEqual(vals.map((v) => v.reference_id).sort(), ['ok-13', 'ok-2', 'ok-6']);
    for (const v of vals) assert.equal(ctx.sim.callsFor(v.id), 1);

    // Rejected rows stay in the export with their own reference (when it is well-formed).
    const { records } = await resultsNdjson(b.id);
    assert.deepEqual(records.map((r) => r.row), [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    const rejectedOut = records.filter((r) => r.status === 'rejected');
    assert.deepEqual(rejectedOut.map((r) => [r.row, r.failure_code, r.reference_id, r.validation_id]), expected.map(([row, , code]) => {
      const ref = lines[row - 1]!.split(',').pop()!;
      // Row 8 is too short to hold a reference; row 12's reference is the malformed cell itself.
      return [row, code, row === 8 || row === 12 ? null : ref, null];
    }));
  });

  it('a blank line between rows still counts as a spreadsheet row', async () => {
    const b = await uploadOk(csv(['account_number,ifsc', `${account('3691')},HDFC0000001`, '', `${account('3692')},HDFC1234`]));
    // Opened in a spreadsheet: header row 1, data row 2, empty row 3, the bad row is row 4.
    assert.deepEqual(b.rejected_rows.map((r) => [r.row, r.column, r.code]), [[4, 'ifsc', 'validation.invalid_ifsc']]);
  });
});

// ---------------------------------------------------------------------------------------------
// 5. Unreadable files
// ---------------------------------------------------------------------------------------------

describe('unreadable files are refused whole and create nothing', () => {
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)]);
  const xlsx = Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.from('[Content_Types].xml account_number,ifsc\n')]);
  const headerAccount = account('9753');
  const cases: Array<[string, string | Buffer, string, RegExp]> = [
    ['PNG bytes', png, 'batch.unreadable_csv', /PNG/],
    ['xlsx bytes', xlsx, 'batch.unreadable_csv', /xlsx/],
    ['an empty body', '', 'batch.unreadable_csv', /empty/],
    ['a header only, with ; as the delimiter', 'account_number;ifsc;name\n', 'batch.unreadable_csv', /semicolon/],
    ['a ;-delimited file with rows', `account_number;ifsc\n${account('9752')};HDFC0000001\n`, 'batch.unreadable_csv', /semicolon/],
    ['a header without the needed columns', 'foo,bar\n1,2\n', 'batch.missing_columns', /account_number/],
    ['an account_number column without ifsc', `account_number,name\n${account('9751')},X\n`, 'batch.missing_columns', /ifsc/],
    ['no header row at all', `${headerAccount},HDFC0000001,Ramesh\n`, 'batch.missing_columns', /header/],
    ['invalid UTF-8 (Windows-1252)', Buffer.from('account_number,ifsc,name\n123456789012,HDFC0000001,Jos\xe9\n', 'latin1'), 'batch.unreadable_csv', /UTF-8/],
  ];
  for (const [what, body, code, message] of cases) {
    it(`${what} → 400 ${code}`, async () => {
      await settled();
      const before = await tenantRowCounts();
      const callsBefore = ctx.sim.totalCalls();
      const res = await postCsv(body);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assertSchema('Error', res.body);
      assert.equal(res.body.error.code, code);
      assert.match(res.body.error.message, message);
      assert.ok(!JSON.stringify(res.body).includes(headerAccount), 'the error echoes a cell');
      assert.deepEqual(await tenantRowCounts(), before);
      assert.equal(ctx.sim.totalCalls(), callsBefore);
    });
  }

  it('PNG bytes in a multipart file part → 400, nothing created', async () => {
    const before = await tenantRowCounts();
    const res = await postMultipart(png, { reference_id: 'png-1' });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'batch.unreadable_csv');
    assert.deepEqual(await tenantRowCounts(), before);
  });
});

// ---------------------------------------------------------------------------------------------
// 6. In-batch duplicates
// ---------------------------------------------------------------------------------------------

describe('duplicate payees inside a batch', () => {
  it('are validated once and every row gets the shared result', async () => {
    const dup = account('6548'); // last digit 8 → ARJUN REDDY
    const other = account('6549');
    const b = await uploadOk(
      csv([
        'account_number,ifsc,vpa,name,reference_id',
        `${dup},HDFC0000001,,,d-2`,
        `"${spaced(dup)}",hdfc0000001,,,d-3`,
        `${dashed(dup)}, HDFC0000001 ,,Arjun Reddy,d-4`,
        ',,Priya.Nair@OKAXIS,,d-5',
        ',,priya.nair@okaxis,,d-6',
        `${other},HDFC0000001,,,d-7`,
        `${dup},HDFC0000001,,,d-8`,
      ]),
      // The VPA was validated earlier in this file; max_age=0 makes this batch call the partner itself.
      { query: '?max_age=0' },
    );
    assert.equal(b.counts.total, 7);
    assert.equal(b.counts.rejected, 0);
    assert.equal(b.unique_validations, 3);

    const vals = await batchValidations(b.id);
    assert.equal(vals.length, 3);
    const acctVal = vals.find((v) => v.account_last4 === '6548')!;
    const vpaVal = vals.find((v) => v.type === 'vpa')!;
    assert.equal(Number(acctVal.batch_row_count), 4);
    assert.equal(Number(vpaVal.batch_row_count), 2);
    assert.equal(vpaVal.vpa, 'priya.nair@okaxis');

    const final = await finalBatch(b.id);
    assert.deepEqual(final.counts, { total: 7, skipped: 0, rejected: 0, queued: 0, processing: 0, completed: 7, failed: 0 });
    assert.equal(ctx.sim.callsFor(acctVal.id), 1);
    assert.equal(ctx.sim.callsFor(vpaVal.id), 1);

    const { records } = await resultsNdjson(b.id);
    assert.deepEqual(records.map((r) => [r.row, r.reference_id]), [[2, 'd-2'], [3, 'd-3'], [4, 'd-4'], [5, 'd-5'], [6, 'd-6'], [7, 'd-7'], [8, 'd-8']]);
    for (const r of records) assert.equal(r.status, 'completed');
    for (const row of [2, 3, 4, 8]) {
      const r = records.find((x) => x.row === row)!;
      assert.equal(r.validation_id, acctVal.id);
      assert.equal(r.registered_name, 'ARJUN REDDY');
      assert.equal(r.masked_account_number, 'XXXXXX6548');
    }
    for (const row of [5, 6]) {
      const r = records.find((x) => x.row === row)!;
      assert.equal(r.validation_id, vpaVal.id);
      assert.equal(r.registered_name, 'PRIYA NAIR');
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 7. Exact counts with several workers
// ---------------------------------------------------------------------------------------------

describe('counts under concurrent workers', () => {
  it('are exact at every moment and the batch completes exactly once', async () => {
    await ctx.start({ ROLE: 'worker', WORKER_CONCURRENCY: '8', BREAKER_VOLUME_THRESHOLD: '100' }); // a third worker runtime
    const lines = ['account_number,ifsc,vpa,name,reference_id'];
    type Kind = 'valid' | 'invalid' | 'timeout' | 'flaky' | 'vpa';
    const payees: Array<{ key: string; kind: Kind }> = [];
    const rowsOf = new Map<string, number>(); // payee → rows in the file
    const push = (line: string, payeeKey: string | null) => {
      lines.push(line);
      if (payeeKey) rowsOf.set(payeeKey, (rowsOf.get(payeeKey) ?? 0) + 1);
    };
    for (let i = 0; i < 320; i++) {
      const a = account(String(6000 + i)); // 6000–6319: never a sandbox magic ending
      payees.push({ key: a, kind: 'valid' });
      push(`${a},HDFC0000001,,,r-${i}`, a);
    }
    for (let i = 0; i < 40; i++) push(`${dashed(payees[i * 7]!.key)},HDFC0000001,,,dup-${i}`, payees[i * 7]!.key);
    for (let i = 0; i < 5; i++) {
      const a = account('0000');
      payees.push({ key: a, kind: 'invalid' });
      push(`${a},HDFC0000001,,,inv-${i}`, a);
    }
    const timeouts = [account('1111'), account('1111')];
    for (const a of timeouts) {
      payees.push({ key: a, kind: 'timeout' });
      push(`${a},HDFC0000001,,,to`, a);
    }
    push(`${spaced(timeouts[0]!)},HDFC0000001,,,to-dup`, timeouts[0]!); // a failed validation shared by 2 rows
    for (let i = 0; i < 3; i++) {
      const a = account('5555');
      payees.push({ key: a, kind: 'flaky' });
      push(`${a},HDFC0000001,,,flaky-${i}`, a);
    }
    for (let i = 0; i < 15; i++) {
      const v = `payee.${i}@okaxis`;
      payees.push({ key: v, kind: 'vpa' });
      push(`,,${v},,vpa-${i}`, v);
      if (i % 3 === 0) push(`,,PAYEE.${i}@OKAXIS,,vpa-dup-${i}`, v);
    }
    for (let i = 0; i < 8; i++) push(`${account(String(7000 + i))},HDFC12,,,rej-${i}`, null);
    // Shuffle the data rows so duplicates and slow payees are spread through the file.
    const data = lines.slice(1);
    for (let i = data.length - 1; i > 0; i--) {
      const j = randomInt(i + 1);
      [data[i], data[j]] = [data[j]!, data[i]!];
    }
    const totalRows = data.length;
    const accepted = totalRows - 8;
    const failedRows = rowsOf.get(timeouts[0]!)! + rowsOf.get(timeouts[1]!)!;
    assert.equal(failedRows, 3);

    const started = Date.now();
    const b = await uploadOk(csv([lines[0]!, ...data]));
    assert.equal(b.counts.total, totalRows);
    assert.equal(b.counts.rejected, 8);
    assert.equal(b.unique_validations, payees.length);

    // Watch the counts while the workers race: the per-row invariant holds at every read.
    let observations = 0;
    let sawProgress = false;
    const final = await eventually(async () => {
      const res = await getBatch(b.id);
      assert.equal(res.status, 200);
      const c = (res.body as BatchBody).counts;
      observations++;
      assert.equal(c.total, c.rejected + c.queued + c.processing + c.completed + c.failed, JSON.stringify(c));
      for (const v of Object.values(c)) assert.ok(v >= 0, JSON.stringify(c));
      if (res.body.status === 'completed') return res.body as BatchBody;
      assert.equal(res.body.status, 'processing');
      if (c.completed > 0 && c.queued + c.processing > 0) sawProgress = true;
      return undefined;
    }, 'the large batch to complete', 30_000);
    const elapsed = Date.now() - started;

    assert.deepEqual(final.counts, { total: totalRows, skipped: 0, rejected: 8, queued: 0, processing: 0, completed: accepted - failedRows, failed: failedRows });
    assert.equal(final.counts.total, final.counts.rejected + final.counts.completed + final.counts.failed);
    assert.ok(final.completed_at);
    assert.ok(observations > 1 && sawProgress, 'the batch finished before any intermediate state was seen');

    // The counts agree with the rows: per validation, its rows land in its final bucket.
    const vals = await batchValidations(b.id);
    assert.equal(vals.length, payees.length);
    const rowsIn = (status: string) => vals.filter((v) => v.status === status).reduce((n, v) => n + Number(v.batch_row_count), 0);
    assert.equal(rowsIn('completed'), final.counts.completed);
    assert.equal(rowsIn('failed'), final.counts.failed);
    const fromBatchRows = (await rt
      .db('batch_rows as br')
      .join('validations as v', 'v.id', 'br.validation_id')
      .where('br.batch_id', b.id)
      .groupBy('v.status')
      .select('v.status')
      .count({ n: '*' })) as Array<{ status: string; n: number | string }>;
    assert.deepEqual(Object.fromEntries(fromBatchRows.map((r) => [r.status, Number(r.n)])), { completed: accepted - failedRows, failed: failedRows });
    for (const v of vals.filter((x) => x.status === 'failed')) {
      assert.equal(v.failure_code, 'partner.timeout');
      assert.equal(v.account_last4, '1111');
    }

    // Partner calls: one per distinct payee, 3 for each 1111 / 5555 (JOB_ATTEMPTS=3), none twice charged.
    const expectedCalls = (kind: Kind) => (kind === 'timeout' || kind === 'flaky' ? 3 : 1);
    for (const v of vals) {
      const kind: Kind = v.type === 'vpa' ? 'vpa' : v.account_last4 === '0000' ? 'invalid' : v.account_last4 === '1111' ? 'timeout' : v.account_last4 === '5555' ? 'flaky' : 'valid';
      assert.equal(ctx.sim.callsFor(v.id), expectedCalls(kind), `${kind} ${v.id}`);
    }

    // `completed` happened exactly once, and stays.
    const row = await rt.db('batches').where({ id: b.id }).first();
    assert.equal(row.status, 'completed');
    assert.equal(completedLogLines(b.id), 1);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(completedLogLines(b.id), 1);
    assert.equal((await getBatch(b.id)).body.status, 'completed');
    console.log(`  ${totalRows} rows, ${payees.length} validations, 3 worker runtimes: completed in ${elapsed} ms (${observations} reads)`);

    // The export of this batch: every input row, in input order, each with its validation's outcome.
    const { records } = await resultsNdjson(b.id);
    assert.equal(records.length, totalRows);
    assert.deepEqual(records.map((r) => r.row), Array.from({ length: totalRows }, (_, i) => i + 2));
    for (const [i, r] of records.entries()) {
      const ref = data[i]!.split(',').pop();
      assert.equal(r.reference_id, ref);
      if (ref?.startsWith('rej-')) assert.equal(r.status, 'rejected');
      else if (ref?.startsWith('to')) assert.deepEqual([r.status, r.failure_code], ['failed', 'partner.timeout']);
      else assert.equal(r.status, 'completed');
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 8. Results export
// ---------------------------------------------------------------------------------------------

describe('results export', () => {
  it('CSV and NDJSON carry one line per input row in input order, masked, with formula-looking cells escaped', async () => {
    const a1 = account('1234'); // last digit 4 → GURPREET SINGH
    const a2 = account('0000');
    const rejectedAcct = account('5432');
    const file = csv([
      HEADER,
      `bank_account,${a1},HDFC0000001,IMPS,,Gurpreet Singh,-starts-with-minus`, // 2
      `bank_account,${rejectedAcct},HDFC1234,IMPS,,,rej-3`, // 3
      'vpa,,,,priya.nair@okaxis,"Nair, Priya W/O Suresh Nair",vpa-4', // 4: a relation clause the matcher flags
      `bank_account,${a2},HDFC0000001,NEFT,,,inv-5`, // 5
      `bank_account,${dashed(a1)},HDFC0000001,IMPS,,,dup-6`, // 6
      'vpa,,,,a.b@okaxis,,=cmd', // 7: rejected reference (not echoed back)
    ]);
    const b = await uploadOk(file);
    await finalBatch(b.id);

    const csvOut = await resultsCsv(b.id);
    assert.deepEqual(csvOut.header, RESULT_COLUMNS);
    assert.ok(csvOut.text.startsWith(`${RESULT_COLUMNS.join(',')}\r\n`));
    assert.equal(csvOut.rows.length, 6);
    const col = (r: string[], name: string) => r[RESULT_COLUMNS.indexOf(name)];
    assert.deepEqual(csvOut.rows.map((r) => col(r, 'row')), ['2', '3', '4', '5', '6', '7']);
    assert.deepEqual(csvOut.rows.map((r) => col(r, 'status')), ['completed', 'rejected', 'completed', 'completed', 'completed', 'rejected']);
    assert.equal(col(csvOut.rows[0]!, 'reference_id'), "'-starts-with-minus");
    assert.ok(csvOut.text.includes("'-starts-with-minus"));
    assert.equal(col(csvOut.rows[0]!, 'masked_account_number'), 'XXXXXX1234');
    assert.equal(col(csvOut.rows[0]!, 'registered_name'), 'GURPREET SINGH');
    assert.equal(col(csvOut.rows[0]!, 'name_match_result'), 'match');
    assert.equal(col(csvOut.rows[1]!, 'failure_code'), 'validation.invalid_ifsc');
    assert.equal(col(csvOut.rows[1]!, 'masked_account_number'), '');
    assert.equal(col(csvOut.rows[2]!, 'vpa'), 'priya.nair@okaxis');
    // The matcher's flags are stored with the validation and come back in the last column.
    assert.equal(col(csvOut.rows[2]!, 'name_match_result'), 'match');
    assert.equal(col(csvOut.rows[2]!, 'name_match_flags'), 'relation_clause');
    assert.equal(col(csvOut.rows[0]!, 'name_match_flags'), '');
    assert.equal(col(csvOut.rows[1]!, 'name_match_flags'), '', 'a rejected row was never matched: an empty cell');
    assert.equal(col(csvOut.rows[3]!, 'account_status'), 'invalid');
    assert.equal(col(csvOut.rows[4]!, 'validation_id'), col(csvOut.rows[0]!, 'validation_id'));
    assert.equal(col(csvOut.rows[5]!, 'reference_id'), '');
    for (const r of csvOut.rows) {
      const masked = col(r, 'masked_account_number');
      if (masked) assert.match(masked, /^X{6}\d{4}$/);
    }
    for (const n of [a1, a2, rejectedAcct]) assert.ok(!csvOut.text.includes(n), 'a full account number in the CSV export');

    const nd = await resultsNdjson(b.id);
    assert.equal(nd.records.length, 6);
    for (const n of [a1, a2, rejectedAcct]) assert.ok(!nd.text.includes(n), 'a full account number in the NDJSON export');
    assert.equal(nd.records[0]!.reference_id, '-starts-with-minus');
    assert.equal(nd.records[0]!.name_match_score, 100);
    for (const rec of nd.records) assert.deepEqual(Object.keys(rec), RESULT_COLUMNS);
    // Same rows, field for field.
    assert.deepEqual(
      nd.records.map((rec) => RESULT_COLUMNS.map((c) => asCsvCell(rec[c as keyof ResultRecord]))),
      csvOut.rows,
    );

    const refused = await ctx.http(rt).get(`/v1/batches/${b.id}/results`).set(bearer()).set('Accept', 'image/png');
    assert.equal(refused.status, 406);
    assert.equal(refused.body.error.code, 'batch.not_acceptable');
  });
});

// ---------------------------------------------------------------------------------------------
// 9. Size limits
// ---------------------------------------------------------------------------------------------

describe('size limits', () => {
  it('past BATCH_MAX_ROWS → 413 batch.too_large; the batch ends failed and nothing is validated', async () => {
    const limited = await ctx.start({ ROLE: 'api', BATCH_MAX_ROWS: '50', BATCH_JSON_MAX_ITEMS: '5', BATCH_MAX_BYTES: '4096' });
    await settled();
    const callsBefore = ctx.sim.totalCalls();
    const rows = Array.from({ length: 60 }, (_, i) => `${account(String(8100 + i))},HDFC0000001,,lim-${i}`);
    const res = await postCsv(csv(['account_number,ifsc,name,reference_id', ...rows]), { runtime: limited });
    assert.equal(res.status, 413, JSON.stringify(res.body));
    assertSchema('Error', res.body);
    assert.equal(res.body.error.code, 'batch.too_large');
    assert.match(res.body.error.message, /50 rows/);
    // The rows limit is only known while reading, so the batch exists by then: it is named and failed.
    const batchId = res.body.error.details?.batch_id as string;
    assert.match(batchId, /^bat_/);
    const b = await getBatch(batchId);
    assert.equal(b.body.status, 'failed');
    assert.equal(b.body.failure.code, 'batch.too_large');
    assert.ok(b.body.completed_at);
    // Counts still add up: the stored rows of an aborted upload count as failed.
    const c = b.body.counts;
    assert.equal(c.queued + c.processing, 0);
    assert.equal(c.total, c.rejected + c.queued + c.processing + c.completed + c.failed);
    for (const v of await batchValidations(batchId)) assert.equal(v.status, 'failed');
    await new Promise((r) => setTimeout(r, 800)); // a sweep or two
    assert.equal(ctx.sim.totalCalls(), callsBefore);

    // 50 rows exactly is fine.
    const ok = await postCsv(csv(['account_number,ifsc', ...rows.slice(0, 50).map((r) => r.split(',').slice(0, 2).join(','))]), { runtime: limited });
    assert.equal(ok.status, 202);
    assert.equal(ok.body.counts.total, 50);

    // A file past BATCH_MAX_BYTES within its first 64 kB is refused before a batch exists.
    const before = await tenantRowCounts();
    const wide = await postCsv(csv(['account_number,ifsc,notes', ...rows.map((r) => `${r.split(',')[0]},HDFC0000001,${'n'.repeat(200)}`)]), { runtime: limited });
    assert.equal(wide.status, 413);
    assert.equal(wide.body.error.code, 'batch.too_large');
    assert.equal(wide.body.error.details?.batch_id, undefined);
    assert.deepEqual(await tenantRowCounts(), before);

    // JSON: past BATCH_JSON_MAX_ITEMS is refused before anything is stored.
    const items = Array.from({ length: 6 }, (_, i) => ({ type: 'vpa', vpa: `json.limit${i}@okaxis` }));
    const json = await postJson({ items }, { runtime: limited });
    assert.equal(json.status, 413);
    assert.equal(json.body.error.code, 'batch.too_large');
    assert.deepEqual(await tenantRowCounts(), before);
  });

  it('past BATCH_MAX_BYTES → 413; a batch cut off mid-stream ends failed with its stored rows never sent to the partner', async () => {
    const limited = await ctx.start({ ROLE: 'api', BATCH_MAX_BYTES: '200000' });
    await settled();
    const callsBefore = ctx.sim.totalCalls();
    const before = await tenantRowCounts();

    // Declared far past the limit: refused before anything is read.
    const pad = 'x'.repeat(110);
    const bigRows: string[] = [];
    for (let i = 0; bigRows.join('\n').length < 300_000; i++) bigRows.push(`${account(String(6000 + (i % 3000)))},HDFC0000001,${pad}`);
    const huge = await postCsv(csv(['account_number,ifsc,notes', ...bigRows]), { runtime: limited });
    assert.equal(huge.status, 413);
    assert.equal(huge.body.error.code, 'batch.too_large');
    assert.deepEqual(await tenantRowCounts(), before);

    // Within the declared slack but past the limit: rows are being stored when the limit hits.
    const body = csv(['account_number,ifsc,notes', ...bigRows]).slice(0, 250_000);
    const res = await postCsv(body.slice(0, body.lastIndexOf('\n') + 1), { runtime: limited });
    assert.equal(res.status, 413, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'batch.too_large');
    assert.match(res.body.error.message, /200,000 bytes/);
    const batchId = res.body.error.details?.batch_id as string;
    assert.ok(batchId, 'the batch that was created is named in the error');
    const b = await getBatch(batchId);
    assert.equal(b.body.status, 'failed');
    assert.equal(b.body.failure.code, 'batch.too_large');
    const vals = await batchValidations(batchId);
    assert.ok(vals.length >= 1000, `expected at least one stored chunk, got ${vals.length}`);
    for (const v of vals) {
      assert.equal(v.status, 'failed');
      assert.equal(v.failure_code, 'batch.aborted');
    }
    await new Promise((r) => setTimeout(r, 800)); // a sweep or two: nothing revives them
    assert.equal(ctx.sim.totalCalls(), callsBefore);
    assert.equal(await rt.db('validations').where({ batch_id: batchId }).whereNot({ status: 'failed' }).count({ n: '*' }).then(num), 0);
    assert.equal((await getBatch(batchId)).body.status, 'failed');
  });
});

// ---------------------------------------------------------------------------------------------
// 10. Tenant isolation
// ---------------------------------------------------------------------------------------------

describe('tenant isolation', () => {
  it("another tenant gets 404 batch.not_found for the batch, its items, rejections and results", async () => {
    const b = await uploadOk(csv([HEADER, `bank_account,${account('7531')},HDFC0000001,IMPS,,,iso-1`, 'bank_account,1,HDFC0000001,IMPS,,,iso-2']));
    const other = await ctx.createTenant('Globex');
    const paths = ['', '/items', '/rejections', '/results'];
    for (const p of paths) {
      const res = await ctx.http(rt).get(`/v1/batches/${b.id}${p}`).set(bearer(other.apiKey)).set('Accept', p === '/results' ? 'text/csv' : 'application/json');
      assert.equal(res.status, 404, `${p}: ${res.status}`);
      assert.equal(res.body.error.code, 'batch.not_found');
      // The owner can read all of them.
      const mine = await ctx.http(rt).get(`/v1/batches/${b.id}${p}`).set(bearer()).set('Accept', p === '/results' ? 'text/csv' : 'application/json');
      assert.equal(mine.status, 200, p);
    }
    const list = await ctx.http(rt).get('/v1/batches').set(bearer(other.apiKey));
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.data, []);
    const missing = await getBatch('bat_01M7Y6AN9RAJADGHVYFV8CWEZZ');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'batch.not_found');
  });
});

// ---------------------------------------------------------------------------------------------
// 11. Idempotency
// ---------------------------------------------------------------------------------------------

describe('idempotent CSV uploads', () => {
  it('a replay returns the same batch without creating another; another file under the key is 422', async () => {
    const file = csv([HEADER, `bank_account,${account('8642')},HDFC0000001,IMPS,,,idem-1`, 'vpa,,,,idem.person@okaxis,,idem-2']);
    const first = await postCsv(file, { idem: 'csv-idem-1', query: '?reference_id=idem-batch' });
    assert.equal(first.status, 202);
    assertSchema('Batch', first.body);
    assert.equal(first.headers['idempotent-replayed'], undefined);
    const again = await postCsv(file, { idem: 'csv-idem-1', query: '?reference_id=idem-batch' });
    assert.equal(again.status, 202);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(again.body.id, first.body.id);
    assert.deepEqual(again.body, first.body);
    const rows = await rt.db('batches').where({ tenant_id: tenantId, reference_id: 'idem-batch' });
    assert.equal(rows.length, 1);
    assert.equal((await batchValidations(first.body.id)).length, 2);

    const before = await tenantRowCounts();
    const otherFile = csv([HEADER, `bank_account,${account('8643')},HDFC0000001,IMPS,,,idem-3`]);
    const reused = await postCsv(otherFile, { idem: 'csv-idem-1', query: '?reference_id=idem-batch' });
    assert.equal(reused.status, 422);
    assertSchema('Error', reused.body);
    assert.equal(reused.body.error.code, 'idempotency.key_reused');
    assert.deepEqual(await tenantRowCounts(), before);

    const badKey = await postCsv(file, { idem: 'has spaces' });
    assert.equal(badKey.status, 400);
    assert.equal(badKey.body.error.code, 'idempotency.invalid_key');
  });
});

// ---------------------------------------------------------------------------------------------
// 12. Listing
// ---------------------------------------------------------------------------------------------

describe('listing batches', () => {
  it("lists the tenant's batches newest first with cursor pagination", async () => {
    const t = await ctx.createTenant('Lister');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await postJson({ items: [{ type: 'vpa', vpa: `lister.${i}@okaxis` }], reference_id: `list-${i}` }, { apiKey: t.apiKey });
      assert.equal(res.status, 202);
      ids.push(res.body.id);
      await new Promise((r) => setTimeout(r, 3)); // ids sort by millisecond
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: HttpResponse = await ctx.http(rt).get('/v1/batches').query({ limit: 2, ...(cursor ? { cursor } : {}) }).set(bearer(t.apiKey));
      assert.equal(res.status, 200);
      assert.ok(res.body.data.length <= 2);
      seen.push(...res.body.data.map((b: BatchBody) => b.id));
      cursor = res.body.next_cursor;
      assert.equal(res.body.has_more, cursor !== null);
      pages++;
    } while (cursor);
    assert.equal(pages, 3);
    assert.deepEqual(seen, [...ids].reverse());
    const bad = await ctx.http(rt).get('/v1/batches').query({ cursor: 'bm9wZQ' }).set(bearer(t.apiKey));
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'pagination.invalid_cursor');
    // The main tenant's list does not include them.
    const mine = await ctx.http(rt).get('/v1/batches').query({ limit: 100 }).set(bearer());
    for (const b of mine.body.data as BatchBody[]) assert.ok(!ids.includes(b.id));
  });
});

// ---------------------------------------------------------------------------------------------
// Secrets
// ---------------------------------------------------------------------------------------------

describe('secrets stay secret', () => {
  it('no full account number sent in this file appears in the logs or in Redis', async () => {
    assert.ok(usedAccounts.length > 100);
    const logs = ctx.logs.text();
    const redisDump = await ctx.dumpRedis();
    assert.ok(logs.includes('batch ingested') && redisDump.length > 0, 'nothing captured: the scan would be vacuous');
    for (const n of usedAccounts) {
      assert.ok(!logs.includes(n), 'account number found in logs');
      assert.ok(!redisDump.includes(n), 'account number found in Redis');
    }
  });
});
