// A real browser for tests: Debian's chromium driven by playwright-core (Playwright's own browser
// download cannot reach its host here). `.ci/run` installs chromium when it is missing; CHROMIUM_PATH
// overrides where it is.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`no chromium at ${CHROMIUM_PATH}: install Debian's chromium (bash .ci/run does) or set CHROMIUM_PATH`);
  // --no-sandbox: CI runs as root, where chromium refuses its sandbox.
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/** Where tests save screenshots (kept out of git). */
export const SCREENSHOT_DIR = 'test-output/screenshots';
