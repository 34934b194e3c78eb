// Every console page in chromium, with data on it: axe-core finds no serious or critical accessibility
// violation, nothing fails to load or breaks the CSP, no full account number is on any page, and each
// page's screenshot is saved (test-output/screenshots/console-*.png, used by the README).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser } from 'playwright-core';
import type { Runtime } from '../../src/runtime.js';
import { bankAccount, createTestContext, eventually, type TestContext } from '../helpers/test-stack.js';
import { launchBrowser } from '../helpers/browser.js';
import { createConsoleUser, signIn, TEST_PASSWORD } from '../helpers/console-client.js';
import { browserSignIn, watchedPage, type WatchedPage } from '../helpers/console-browser.js';

let ctx: TestContext;
let rt: Runtime;
let browser: Browser;
let w: WatchedPage;
const ids: Record<string, string> = {};
const ACCOUNT = '501002345678901';

before(async () => {
  ctx = await createTestContext();
  rt = await ctx.start({ ROLE: 'all' }, { listen: true });
  const { tenantId, apiKey } = await ctx.createTenant('Accessible Payouts Ltd');
  const api = ctx.http(rt);
  const auth = { Authorization: `Bearer ${apiKey}` };
  const v = await api.post('/v1/validations?wait=5').set(auth).send(bankAccount(ACCOUNT, { name: 'Ramesh Kumar', reference_id: 'inv-1001' }));
  ids.validation = v.body.id;
  await api.post('/v1/validations?wait=5').set(auth).send({ type: 'vpa', vpa: 'priya.nair@okaxis', name: 'Priya Nair' });
  const b = await api.post('/v1/batches').set(auth).set('Content-Type', 'text/csv').send('account_number,ifsc,rail,name\n501009876543212,HDFC0000001,imps,Priya Nair\n12,HDFC0000001,imps,Too Short\n');
  ids.batch = b.body.id;
  await eventually(async () => (await api.get(`/v1/batches/${ids.batch}`).set(auth)).body.status === 'completed', 'the batch completes', 30_000);
  const e = await api.post('/v1/webhook-endpoints').set(auth).send({ url: 'http://127.0.0.1:9/payval', events: ['validation.completed'] });
  ids.endpoint = e.body.id;
  const owner = await createConsoleUser(ctx, rt, tenantId, 'owner', { name: 'Asha Owner' });
  // An open invitation and a second member, so the team page has rows and controls.
  const c = await signIn(ctx, rt, owner.email);
  const inv = await c.post('/console/team/invitations', { email: `viewer-${ctx.id}@example.test`, role: 'viewer' });
  ids.invitation = /\/console\/invitations\/([A-Za-z0-9_-]+)/.exec(inv.text)![1]!;
  await createConsoleUser(ctx, rt, tenantId, 'operator', { name: 'Omar Operator' });
  browser = await launchBrowser();
  // The error page is visited on purpose.
  w = await watchedPage(browser, new URL(rt.url!).origin, { allowStatus: [404] });
  ids.owner = owner.email;
});
after(async () => {
  await w?.close();
  await browser?.close();
  await ctx.close();
});

async function check(name: string, path: string, status = 200) {
  const res = await w.page.goto(`${rt.url}${path}`);
  assert.equal(res?.status(), status, `${path} answered ${res?.status()}`);
  await w.page.locator('h1').first().waitFor();
  const results = await new AxeBuilder({ page: w.page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), [], `${path}: accessibility violations`);
  assert.ok(!(await w.page.content()).includes(ACCOUNT), `${path} shows a full account number`);
  await w.shot(name);
}

describe('every console page is accessible (axe-core, WCAG 2.1 A/AA: no serious or critical violation)', () => {
  it('before sign-in: the sign-in page and an invitation', { timeout: 60_000 }, async () => {
    await check('sign-in', '/console/sign-in');
    await check('totp', '/console/sign-in/totp');
    await check('invitation', `/console/invitations/${ids.invitation}`);
    await check('error', '/console/invitations/no-such-invitation', 404);
  });

  it('signed in as the owner: every page with data', { timeout: 180_000 }, async () => {
    await browserSignIn(w.page, rt.url!, ids.owner!, TEST_PASSWORD);
    const pages: Array<[string, string]> = [
      ['home', '/console'],
      ['validate', '/console/validate'],
      ['validations', '/console/validations'],
      ['validations-search', '/console/validations?status=completed&last4=8901'],
      ['validation', `/console/validations/${ids.validation}`],
      ['batches', '/console/batches'],
      ['upload', '/console/batches/new'],
      ['batch', `/console/batches/${ids.batch}`],
      ['rejections', `/console/batches/${ids.batch}/rejections`],
      ['webhooks', '/console/webhooks'],
      ['webhook', `/console/webhooks/${ids.endpoint}`],
      ['keys', '/console/keys'],
      ['team', '/console/team'],
      ['settings', '/console/settings'],
      ['audit', '/console/audit'],
      ['account', '/console/account'],
    ];
    for (const [name, path] of pages) await check(name, path);
    assert.deepEqual(w.problems, []);
  });

  it('keyboard: the skip link is the first stop and moves focus to the main content', { timeout: 30_000 }, async () => {
    await w.page.goto(`${rt.url}/console`);
    await w.page.keyboard.press('Tab');
    assert.equal(await w.page.evaluate('document.activeElement.textContent'), 'Skip to content');
    await w.page.keyboard.press('Enter');
    assert.equal(await w.page.evaluate('document.activeElement.id'), 'main');
  });
});
