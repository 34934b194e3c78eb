// The bulk flow in chromium: an operator signs in, uploads a 1,000-row CSV with malformed rows (once by
// drag and drop, once through the file picker), watches progress reach 100 %, sees the rejected rows
// with their row numbers, and downloads results holding every input row. A viewer sees no upload
// control and a forged upload is refused.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import type { Runtime } from '../../src/runtime.js';
import { createTestContext, type TestContext } from '../helpers/test-stack.js';
import { launchBrowser } from '../helpers/browser.js';
import { createConsoleUser, signIn, TEST_PASSWORD } from '../helpers/console-client.js';
import { browserSignIn, watchedPage } from '../helpers/console-browser.js';

let ctx: TestContext;
let rt: Runtime;
let browser: Browser;
let tenantId: string;

before(async () => {
  ctx = await createTestContext();
  rt = await ctx.start({ ROLE: 'all' }, { listen: true });
  ({ tenantId } = await ctx.createTenant('Bulk Co'));
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await ctx.close();
});

const ROWS = 1000;
/** Rows (1-based, after the header) that are malformed, and the column each one's rejection names. */
const BAD: Record<number, string | null> = {};
for (let r = 37; r <= ROWS; r += 97) BAD[r] = 'ifsc';
for (let r = 50; r <= ROWS; r += 211) BAD[r] = 'account_number';
BAD[999] = null; // a wrong number of columns names no column

function csv(): string {
  const lines = ['account_number,ifsc,rail,name,reference_id'];
  for (let r = 1; r <= ROWS; r++) {
    const acct = `50100${String(r).padStart(6, '0')}${r % 10}`;
    if (BAD[r] === 'ifsc') lines.push(`${acct},NOTANIFSC,imps,Payee ${r},ref-${r}`);
    else if (BAD[r] === 'account_number') lines.push(`12,HDFC0000001,imps,Payee ${r},ref-${r}`);
    else if (r === 999) lines.push(`${acct},HDFC0000001,imps`);
    else lines.push(`${acct},HDFC0000001,${r % 2 ? 'imps' : 'neft'},Payee ${r},ref-${r}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('console bulk upload in chromium', () => {
  it('drag and drop: upload progress, live validation progress to 100 %, rejected rows, a complete download', { timeout: 120_000 }, async () => {
    const operator = await createConsoleUser(ctx, rt, tenantId, 'operator');
    const w = await watchedPage(browser, new URL(rt.url!).origin);
    const { page } = w;
    await browserSignIn(page, rt.url!, operator.email, TEST_PASSWORD);
    await w.shot('home');
    await page.getByRole('link', { name: 'Batches' }).click();
    await page.getByRole('link', { name: 'Upload a CSV' }).click();
    await w.shot('upload');
    const body = csv();
    // A real drop event carrying a File, as a drag from the desktop delivers it.
    // (A string, so the test's own TypeScript needs no DOM types.)
    const dataTransfer = await page.evaluateHandle(`(() => {
      const dt = new DataTransfer();
      dt.items.add(new File([${JSON.stringify(body)}], 'payees.csv', { type: 'text/csv' }));
      return dt;
    })()`);
    await page.dispatchEvent('#dropzone', 'drop', { dataTransfer });
    await page.getByText('Selected: payees.csv').waitFor();
    await page.getByLabel('Reference for this batch (optional)').fill('november-vendors');
    await Promise.all([page.waitForURL(/\/console\/batches\/bat_/), page.getByRole('button', { name: 'Upload and validate' }).click()]);
    const batchId = /\/console\/batches\/(bat_[0-9A-Z]+)/.exec(page.url())![1]!;

    // The page polls its progress feed and reloads once the batch is final.
    await page.getByTestId('batch-status').filter({ hasText: 'completed' }).waitFor({ timeout: 90_000 });
    assert.equal(await page.getByRole('progressbar', { name: 'Validation progress' }).getAttribute('value'), '100');
    await w.shot('batch');

    // Row numbers are the spreadsheet's: the header is row 1, so payee r is on row r + 1.
    const rejected = (await page.getByTestId('rejected-row').allTextContents()).map(Number);
    assert.deepEqual(rejected.sort((a, b) => a - b), Object.keys(BAD).map((r) => Number(r) + 1).sort((a, b) => a - b));
    assert.equal(await page.getByTestId('count-rejected').textContent(), String(Object.keys(BAD).length));

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download results (CSV)' }).click()]);
    const text = await readFile((await download.path())!, 'utf8');
    const lines = text.trim().split('\n');
    assert.equal(lines.length, ROWS + 1, 'one line per input row, plus the header');
    const rowNumbers = lines.slice(1).map((l) => Number(l.split(',')[0]));
    assert.deepEqual(rowNumbers, Array.from({ length: ROWS }, (_, i) => i + 2));
    for (const [row] of Object.entries(BAD)) assert.match(lines[Number(row)]!, /,rejected,/);
    assert.ok(!/50100\d{7}/.test(text), 'a full account number is in the download');
    const html = await page.content();
    assert.ok(!/50100\d{7}/.test(html), 'a full account number is in the page');

    // The batch is the tenant's, in MySQL, with every accepted row validated.
    const b = await rt.db('batches').where({ id: batchId, tenant_id: tenantId }).first();
    assert.equal(b.status, 'completed');
    assert.equal(b.reference_id, 'november-vendors');
    const audit = await rt.db('audit_log').where({ tenant_id: tenantId, action: 'batch.created', target_id: batchId }).first();
    assert.equal(audit.actor, `user:${operator.id}`);
    assert.deepEqual(w.problems, []);
    await w.close();
  });

  it('the file picker works too, and the batch list shows the batch', { timeout: 120_000 }, async () => {
    const operator = await createConsoleUser(ctx, rt, tenantId, 'operator');
    const w = await watchedPage(browser, new URL(rt.url!).origin);
    const { page } = w;
    await browserSignIn(page, rt.url!, operator.email, TEST_PASSWORD);
    await page.goto(`${rt.url}/console/batches/new`);
    await page.getByLabel('Choose a CSV file').setInputFiles({ name: 'small.csv', mimeType: 'text/csv', buffer: Buffer.from('vpa,name\nramesh.kumar@okaxis,Ramesh Kumar\nnot-a-vpa,X\n') });
    await Promise.all([page.waitForURL(/\/console\/batches\/bat_/), page.getByRole('button', { name: 'Upload and validate' }).click()]);
    await page.getByTestId('batch-status').filter({ hasText: 'completed' }).waitFor({ timeout: 60_000 });
    assert.deepEqual(await page.getByTestId('rejected-row').allTextContents(), ['3']);
    await page.goto(`${rt.url}/console/batches`);
    await w.shot('batches');
    assert.ok((await page.getByRole('link', { name: /^bat_/ }).count()) >= 2);
    assert.deepEqual(w.problems, []);
    await w.close();
  });

  it('a viewer sees no upload control, and a forged upload with a valid CSRF token is refused 403', { timeout: 60_000 }, async () => {
    const viewer = await createConsoleUser(ctx, rt, tenantId, 'viewer');
    const w = await watchedPage(browser, new URL(rt.url!).origin, { allowStatus: [403] });
    const { page } = w;
    await browserSignIn(page, rt.url!, viewer.email, TEST_PASSWORD);
    await page.goto(`${rt.url}/console/batches`);
    assert.equal(await page.getByRole('link', { name: 'Upload a CSV' }).count(), 0);
    assert.equal(await page.getByRole('link', { name: 'Validate' }).count(), 0);
    const forged = (await page.evaluate(`(async () => {
      const csrf = document.querySelector('meta[name="csrf-token"]').content;
      const data = new FormData();
      data.append('file', new File(['vpa,name\\nx@ybl,X\\n'], 'x.csv', { type: 'text/csv' }));
      const r = await fetch('/console/batches', { method: 'POST', body: data, headers: { 'X-CSRF-Token': csrf, Accept: 'application/json' } });
      return { status: r.status, body: await r.json() };
    })()`)) as { status: number; body: { error: { code: string } } };
    assert.equal(forged.status, 403);
    assert.equal(forged.body.error.code, 'console.forbidden');
    const res = await page.goto(`${rt.url}/console/batches/new`);
    assert.equal(res?.status(), 403);
    await w.shot('forbidden');
    await w.close();
    // The same refusal over plain HTTP, through the contract checker.
    const client = await signIn(ctx, rt, viewer.email);
    const direct = await client.get('/console/batches/new');
    assert.equal(direct.status, 403);
  });
});
