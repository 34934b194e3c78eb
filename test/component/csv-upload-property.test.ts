import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Runtime } from '../../src/runtime.js';
import { asCell, csvFile, plainCell, quotedCell, type ModelFile } from '../helpers/csv-model.js';
import { chunksOf, rawRequest } from '../helpers/raw-http.js';
import { createTestContext, type TestContext } from '../helpers/test-stack.js';

// The CSV reader through the real API (issue 11), property-based: generated files mixing valid rows,
// blank rows, stray quotes, quotes left open and every line end, sent cut into random pieces. Every
// row of every file is accounted for, each broken row is rejected on its own row with its own code, and
// no account number from any file reaches an answer, a stored rejection or a log line. Tens of runs of
// small files keep it fast; test/unit/csv-records-property.test.ts runs thousands against the reader.

let ctx: TestContext;
let rt: Runtime;
let key: string;
const accountsSent = new Set<string>();

before(async () => {
  ctx = await createTestContext();
  rt = await ctx.start({ ROLE: 'api' }, { listen: true });
  ({ apiKey: key } = await ctx.createTenant('Property'));
});
after(() => ctx.close());

const accountNumber = fc.integer({ min: 9, max: 18 }).chain((n) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: n, maxLength: n })).map((d) => `9${d.slice(1)}`);
const HEADER = 'account_number,ifsc,name,reference_id';
const columns = [
  fc.oneof(accountNumber.map((a) => ({ text: a, value: a, breaks: 0 })), accountNumber.map((a) => ({ text: `"${a}"`, value: a, breaks: 0 }))),
  asCell(fc.constantFrom('HDFC0000001', 'SBIN0000001', 'HDFC1234', '')),
  fc.oneof(asCell(plainCell), quotedCell),
  asCell(fc.integer({ min: 1, max: 1e6 }).map((n) => `ref-${n}`)),
];
const files = csvFile({ columns: 4, cell: (i) => columns[i]!, singleLineCell: columns[0]!.map((c) => ({ ...c, text: c.value })), brokenText: accountNumber, maxRows: 30 });

interface Rejection { row: number; column: string | null; code: string; message: string }

async function allRejections(batchId: string): Promise<Rejection[]> {
  const out: Rejection[] = [];
  let cursor: string | null = null;
  do {
    const res = await rawRequest(rt.url!, { path: `/v1/batches/${batchId}/rejections?limit=100${cursor ? `&cursor=${cursor}` : ''}`, headers: { authorization: `Bearer ${key}` } });
    assert.equal(res.status, 200, res.text);
    out.push(...res.body.data);
    cursor = res.body.next_cursor;
  } while (cursor);
  return out;
}

function accountsIn(text: string): string[] {
  return text.match(/\d{9,18}/g) ?? [];
}

describe('CSV uploads, property-based, through the API', () => {
  it('every row is accounted for, broken rows are rejected on their own rows, and no account number leaks', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(files, fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 4 }), async (file: ModelFile, sizes: number[]) => {
        runs++;
        const text = `${HEADER}\n${file.text}`;
        for (const a of accountsIn(text)) accountsSent.add(a);
        const res = await rawRequest(rt.url!, {
          path: '/v1/batches',
          chunks: chunksOf(Buffer.from(text), sizes),
          headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' },
        });
        assert.equal(res.status, 202, res.text);
        const counts = res.body.counts as { total: number; skipped: number; rejected: number; queued: number };
        const blank = file.records.filter((r) => r.ok && r.cells.every((c) => c.trim() === '')).length;
        assert.equal(counts.total + counts.skipped, file.records.length, 'every row after the header is counted');
        assert.equal(counts.skipped, blank);
        assert.equal(counts.total, counts.rejected + counts.queued);

        const rejections = await allRejections(res.body.id);
        assert.equal(rejections.length, counts.rejected);
        const byRow = new Map(rejections.map((r) => [r.row, r]));
        file.records.forEach((r, i) => {
          if (r.ok) return;
          const got = byRow.get(i + 2); // the header is row 1
          assert.ok(got, `row ${i + 2} (${r.code}) was not rejected`);
          assert.equal(got.code, r.code, `row ${i + 2}`);
        });
        const stored = await rt.db('batch_rows').where({ batch_id: res.body.id, rejected: true }).select('rejection_message', 'reference_id');
        const seen = res.text + JSON.stringify(rejections) + JSON.stringify(stored);
        for (const a of accountsIn(text)) assert.ok(!seen.includes(a), 'an account number from the file is in an answer or a stored rejection');
      }),
      { numRuns: 25 },
    );
    assert.equal(runs, 25);
  });

  it('no account number from any generated file is in the logs', () => {
    const logs = ctx.logs.text();
    assert.ok(accountsSent.size > 50 && logs.includes('batch ingested'));
    for (const a of accountsSent) assert.ok(!logs.includes(a), 'an account number is in the logs');
  });
});
