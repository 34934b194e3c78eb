// The console's acceptance flows in chromium, beyond bulk upload (console-bulk.test.ts): API keys made
// and revoked in the page and used against the API; an invited viewer; CSRF refusal; session expiry;
// TOTP sign-in. Each page on the way is screenshotted.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generate } from 'otplib';
import type { Browser } from 'playwright-core';
import type { Runtime } from '../../src/runtime.js';
import { createTestContext, eventually, type TestContext } from '../helpers/test-stack.js';
import { launchBrowser } from '../helpers/browser.js';
import { createConsoleUser, TEST_PASSWORD } from '../helpers/console-client.js';
import { browserSignIn, watchedPage } from '../helpers/console-browser.js';

let ctx: TestContext;
let rt: Runtime;
let browser: Browser;
let tenantId: string;
let origin: string;

before(async () => {
  ctx = await createTestContext();
  rt = await ctx.start({ ROLE: 'api' }, { listen: true });
  ({ tenantId } = await ctx.createTenant('Flows Ltd'));
  origin = new URL(rt.url!).origin;
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await ctx.close();
});

const apiStatus = async (key: string) => (await fetch(`${rt.url}/v1/validations`, { headers: { Authorization: `Bearer ${key}` } })).status;

describe('console flows in chromium', () => {
  it('a developer creates an API key (shown once), uses it against the API, and revokes it', { timeout: 60_000 }, async () => {
    const dev = await createConsoleUser(ctx, rt, tenantId, 'developer');
    const w = await watchedPage(browser, origin);
    const { page } = w;
    await browserSignIn(page, rt.url!, dev.email, TEST_PASSWORD);
    await page.getByRole('link', { name: 'API keys' }).click();
    // Developers make test keys; live ones are for owners and admins (roles.ts).
    assert.deepEqual(await page.getByLabel('Mode').locator('option').evaluateAll((os) => os.map((o) => o.getAttribute('value'))), ['test']);
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = (await page.getByTestId('api-key').textContent())!.trim();
    assert.match(key, /^pv_test_/);
    await w.shot('key-created');
    assert.equal(await apiStatus(key), 200);
    await page.goto(`${rt.url}/console/keys`);
    assert.ok(!(await page.content()).includes(key), 'the key is shown again');
    await w.shot('keys');
    page.once('dialog', (d) => void d.accept());
    const keyId = (await rt.db('api_keys').where({ tenant_id: tenantId, display_prefix: key.slice(0, 12) }).orderBy('id', 'desc').first('id'))?.id as string;
    await page.locator(`form[action="/console/keys/${keyId}/revoke"] button`).click();
    await page.getByText(/revoked/i).first().waitFor();
    await eventually(async () => (await apiStatus(key)) === 401, 'the revoked key stops working', 5_000);
    assert.deepEqual(w.problems, []);
    await w.close();
  });

  it('an owner invites a viewer; the viewer joins through the link, signs in, sees no upload control and a forged upload is 403', { timeout: 60_000 }, async () => {
    const owner = await createConsoleUser(ctx, rt, tenantId, 'owner');
    const w = await watchedPage(browser, origin);
    await browserSignIn(w.page, rt.url!, owner.email, TEST_PASSWORD);
    await w.page.goto(`${rt.url}/console/team`);
    const email = `invited-viewer-${ctx.id}@example.test`;
    await w.page.getByLabel('E-mail address').fill(email);
    await w.page.getByLabel('Role', { exact: true }).selectOption('viewer');
    await w.page.getByRole('button', { name: 'Create invitation link' }).click();
    const link = (await w.page.getByTestId('invitation-link').textContent())!.trim();
    await w.shot('invitation-created');
    await w.close();

    const v = await watchedPage(browser, origin, { allowStatus: [403] });
    await v.page.goto(link);
    await v.page.getByLabel('Your name').fill('Vera Viewer');
    await v.page.getByLabel(/Choose a password/).fill('a long enough viewer password');
    await Promise.all([v.page.waitForURL(/\/console\/sign-in\?notice=joined/), v.page.getByRole('button', { name: 'Create my account' }).click()]);
    await browserSignIn(v.page, rt.url!, email, 'a long enough viewer password');
    assert.equal((await rt.db('users').where({ email }).first()).role, 'viewer');
    await v.page.goto(`${rt.url}/console/batches`);
    assert.equal(await v.page.getByRole('link', { name: 'Upload a CSV' }).count(), 0);
    const forged = (await v.page.evaluate(`(async () => {
      const csrf = document.querySelector('meta[name="csrf-token"]').content;
      const data = new FormData();
      data.append('file', new File(['vpa,name\\\\nx@ybl,X\\\\n'], 'x.csv', { type: 'text/csv' }));
      const r = await fetch('/console/batches', { method: 'POST', body: data, headers: { 'X-CSRF-Token': csrf, Accept: 'application/json' } });
      return r.status;
    })()`)) as number;
    assert.equal(forged, 403);
    assert.equal(Number((await rt.db('batches').where({ tenant_id: tenantId }).count({ n: '*' }))[0]!.n), 0);
    await v.close();
  });

  it('a form whose CSRF token was tampered with is refused with a 403 page and changes nothing', { timeout: 60_000 }, async () => {
    const admin = await createConsoleUser(ctx, rt, tenantId, 'admin');
    const w = await watchedPage(browser, origin, { allowStatus: [403] });
    await browserSignIn(w.page, rt.url!, admin.email, TEST_PASSWORD);
    await w.page.goto(`${rt.url}/console/keys`);
    const before = Number((await rt.db('api_keys').where({ tenant_id: tenantId }).count({ n: '*' }))[0]!.n);
    await w.page.locator('form[action="/console/keys"] input[name="_csrf"]').evaluate((el) => el.setAttribute('value', 'forged-token'));
    const [res] = await Promise.all([w.page.waitForResponse((r) => r.url().endsWith('/console/keys') && r.request().method() === 'POST'), w.page.getByRole('button', { name: 'Create key' }).click()]);
    assert.equal(res.status(), 403);
    await w.page.getByText(/did not come from the console/).waitFor();
    await w.shot('csrf-refused');
    assert.equal(Number((await rt.db('api_keys').where({ tenant_id: tenantId }).count({ n: '*' }))[0]!.n), before);
    await w.close();
  });

  it('an idle session expires: the next page is the sign-in form, and signing in returns to that page', { timeout: 60_000 }, async () => {
    const op = await createConsoleUser(ctx, rt, tenantId, 'operator');
    const w = await watchedPage(browser, origin);
    await browserSignIn(w.page, rt.url!, op.email, TEST_PASSWORD);
    // 31 minutes without a request (CONSOLE_SESSION_IDLE_MINUTES is 30).
    await rt.db('user_sessions').where({ user_id: op.id }).update({ last_seen_at: new Date(Date.now() - 31 * 60_000) });
    await w.page.goto(`${rt.url}/console/validations`);
    assert.match(w.page.url(), /\/console\/sign-in\?next=%2Fconsole%2Fvalidations/);
    await w.shot('session-expired');
    await w.page.getByLabel('E-mail address').fill(op.email);
    await w.page.getByLabel('Password').fill(TEST_PASSWORD);
    await Promise.all([w.page.waitForURL(/\/console\/validations$/), w.page.getByRole('button', { name: 'Sign in' }).click()]);
    assert.deepEqual(w.problems, []);
    await w.close();
  });

  it('TOTP: a user turns on two-step sign-in, and the next sign-in asks for the code', { timeout: 90_000 }, async () => {
    const op = await createConsoleUser(ctx, rt, tenantId, 'operator');
    const w = await watchedPage(browser, origin);
    const { page } = w;
    await browserSignIn(page, rt.url!, op.email, TEST_PASSWORD);
    await page.goto(`${rt.url}/console/account`);
    await page.getByLabel(/Your password/).fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Set up two-step sign-in' }).click();
    const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
    await w.shot('totp-setup');
    await page.getByLabel('6-digit code').fill(await generate({ secret }));
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByText('Two-step sign-in is on').waitFor();
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL(/notice=signed-out/);

    await page.getByLabel('E-mail address').fill(op.email);
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await Promise.all([page.waitForURL(/\/console\/sign-in\/totp/), page.getByRole('button', { name: 'Sign in' }).click()]);
    await w.shot('totp-sign-in');
    // The password alone opens nothing.
    await page.goto(`${rt.url}/console`);
    assert.match(page.url(), /\/console\/sign-in/);
    await page.goBack();
    await page.goto(`${rt.url}/console/sign-in/totp?next=%2Fconsole`);
    // The enrolment code's step is used up: wait for the next one.
    const used = Number((await rt.db('users').where({ id: op.id }).first()).totp_last_step);
    await eventually(async () => Math.floor(Date.now() / 30_000) > used, 'a fresh TOTP step', 35_000);
    await page.getByLabel(/6-digit code/).fill(await generate({ secret }));
    await Promise.all([page.waitForURL(`${rt.url}/console`), page.getByRole('button', { name: 'Continue' }).click()]);
    await page.getByRole('heading', { name: 'Home' }).waitFor();
    assert.deepEqual(w.problems, []);
    await w.close();
  });

  it('a validation still queued is checked in the background: the page does not reload, and the keyboard reaches its content', { timeout: 60_000 }, async () => {
    // This runtime has no worker: the validation stays queued.
    const { apiKey } = await ctx.createTenant('Pending Co');
    const pendingTenant = (await rt.db('api_keys').where({ display_prefix: apiKey.slice(0, 12) }).first('tenant_id')).tenant_id as string;
    const created = await fetch(`${rt.url}/v1/validations`, { method: 'POST', headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ type: 'vpa', vpa: 'ramesh.kumar@okaxis', name: 'Ramesh Kumar' }) });
    const { id } = (await created.json()) as { id: string };
    const viewer = await createConsoleUser(ctx, rt, pendingTenant, 'viewer');
    const w = await watchedPage(browser, origin);
    await browserSignIn(w.page, rt.url!, viewer.email, TEST_PASSWORD);
    await w.page.goto(`${rt.url}/console/validations/${id}`);
    await w.page.getByText(/This validation is queued/).waitFor();
    let reloads = 0;
    w.page.on('load', () => reloads++);
    // The background check runs every 1.5 s and more: it has run a few times by now.
    await new Promise((r) => setTimeout(r, 5000));
    assert.equal(reloads, 0, 'the page reloaded by itself');
    let reached = false;
    for (let i = 0; i < 40 && !reached; i++) {
      await w.page.keyboard.press('Tab');
      reached = (await w.page.evaluate('document.activeElement && document.activeElement.textContent')) === 'All validations';
    }
    assert.ok(reached, 'Tab never reached the page content');
    assert.deepEqual(w.problems, []);
    await w.close();
  });
});
