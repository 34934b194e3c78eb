// The console in a real browser: a page that fails the test on any console error, CSP refusal,
// failed load or request to another origin, and screenshots saved under test-output/screenshots.
import { mkdir } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { SCREENSHOT_DIR } from './browser.js';

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Console errors, page errors, 4xx/5xx loads the test did not expect, requests elsewhere. */
  problems: string[];
  shot(name: string): Promise<void>;
  close(): Promise<void>;
}

/** `allowStatus` lists answers the test provokes on purpose (a 403 page, a 401 form). */
export async function watchedPage(browser: Browser, origin: string, opts: { allowStatus?: number[] } = {}): Promise<WatchedPage> {
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  const problems: string[] = [];
  const allowed = new Set(opts.allowStatus ?? []);
  page.on('console', (m) => {
    // A status the test provoked on purpose is also logged by chromium as a failed resource load.
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of (\d+)/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('blob:')) problems.push(`request elsewhere: ${url}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !allowed.has(r.status())) problems.push(`${r.status()} ${r.url()}`);
  });
  return {
    page,
    context,
    problems,
    async shot(name) {
      await mkdir(SCREENSHOT_DIR, { recursive: true });
      await page.screenshot({ path: `${SCREENSHOT_DIR}/console-${name}.png`, fullPage: true });
    },
    close: () => context.close(),
  };
}

/** Signs in through the sign-in form. */
export async function browserSignIn(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/console/sign-in`);
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password').fill(password);
  await Promise.all([page.waitForURL(/\/console(\/|$|\?)/), page.getByRole('button', { name: 'Sign in' }).click()]);
}
