// /docs in a real browser: the contract renders with every byte from payval itself, under the strict
// Content-Security-Policy, with no script error; /openapi.yaml is the contract file.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { OPENAPI_PATH } from '../../src/app.js';
import type { Runtime } from '../../src/runtime.js';
import { createTestContext, type TestContext } from '../helpers/test-stack.js';
import { launchBrowser, SCREENSHOT_DIR } from '../helpers/browser.js';

let ctx: TestContext;
let rt: Runtime;
let browser: Browser;

before(async () => {
  ctx = await createTestContext();
  rt = await ctx.start({ ROLE: 'api' }, { listen: true });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await ctx.close();
});

describe('developer docs', () => {
  it('/openapi.yaml is the contract file, not cached stale', async () => {
    const res = await fetch(`${rt.url}/openapi.yaml`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/yaml/);
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    assert.equal(await res.text(), await readFile(OPENAPI_PATH, 'utf8'));
  });

  it('/docs renders the contract in chromium from payval alone, with no CSP violation or script error', { timeout: 60_000 }, async () => {
    const page = await browser.newPage();
    const origin = new URL(rt.url!).origin;
    const elsewhere: string[] = [];
    const problems: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(origin) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) elsewhere.push(r.url());
    });
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
    });
    const res = await page.goto(`${rt.url}/docs`);
    assert.equal(res?.status(), 200);
    assert.match(res?.headers()['content-security-policy'] ?? '', /script-src 'self'/);
    // The title, a tag and an operation's summary, as Redoc renders them from /openapi.yaml.
    await page.getByRole('heading', { name: /payval API/ }).first().waitFor({ timeout: 30_000 });
    await page.getByRole('heading', { name: 'Validate one payee' }).first().waitFor({ timeout: 10_000 });
    assert.ok((await page.getByRole('heading', { name: 'Compare two payee names (no partner call)' }).count()) > 0);
    await mkdir(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: `${SCREENSHOT_DIR}/docs.png`, fullPage: false });
    assert.deepEqual(elsewhere, [], 'the page fetched something from outside payval');
    assert.deepEqual(problems, [], 'console errors or CSP violations');
    await page.close();
  });

  it('serves Redoc gzipped to a client that accepts it, and plain to one that does not', async () => {
    const url = `${rt.url}/docs/assets/redoc.standalone.js`;
    const zipped = await ctx.http(rt).get('/docs/assets/redoc.standalone.js').set('Accept-Encoding', 'gzip').buffer(true).parse((res, cb) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => cb(null, Buffer.concat(parts)));
    });
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.match(String(zipped.headers.vary), /Accept-Encoding/i);
    const plain = await fetch(url, { headers: { 'Accept-Encoding': 'identity' } });
    assert.equal(plain.headers.get('content-encoding'), null);
    const text = await plain.text();
    assert.ok(text.length > 500_000 && text.includes('Redoc'));
    assert.ok(!text.includes('cdn.redoc.ly'), 'the bundle still names the CDN');
  });

  it('an unknown asset is a 404 with the error envelope', async () => {
    const res = await fetch(`${rt.url}/docs/assets/nope.js`);
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'route.not_found');
  });
});
