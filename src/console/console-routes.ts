// The operations console under /console: same process, port and services as the API, its own
// authentication (session cookies, never API keys). It reads top to bottom: assets and the pages
// before sign-in, then the session, the body, the CSRF check, and the pages by area.
// See docs/decisions/0030-console.md.
import { readFileSync } from 'node:fs';
import { Router, type RequestHandler } from 'express';
import type { Db } from '../platform/db.js';
import type { Logger } from '../platform/logger.js';
import { projectFile } from '../platform/project-root.js';
import { noStore } from '../platform/response-headers.js';
import { AppError } from '../platform/app-error.js';
import type { BatchService } from '../batches/batch-service.js';
import type { ValidationService } from '../validations/validation-service.js';
import type { WebhookService } from '../webhooks/webhook-service.js';
import type { TenantSettingsStore } from '../tenants/tenant-settings.js';
import type { SessionService } from '../users/session-service.js';
import type { TeamService } from '../users/team-service.js';
import type { TotpService } from '../users/totp-service.js';
import type { PasswordService } from '../users/password-service.js';
import { cookieNames, csrfGuard, requireSession } from './console-session.js';
import { consoleErrors } from './console-errors.js';
import { methodGuard } from './method-guard.js';
import { formBody } from './forms.js';
import type { ConsoleOverview } from './console-overview.js';
import { signInPages } from './pages/sign-in-pages.js';
import { accountPages } from './pages/account-pages.js';
import { homePage } from './pages/home-page.js';
import { validationPages } from './pages/validation-pages.js';
import { batchPages } from './pages/batch-pages.js';
import { webhookPages } from './pages/webhook-pages.js';
import { keyPages } from './pages/key-pages.js';
import { teamPages } from './pages/team-pages.js';
import { settingsPages } from './pages/settings-pages.js';
import { auditPages } from './pages/audit-pages.js';

export interface ConsoleDeps {
  db: Db;
  logger: Logger;
  sessions: SessionService;
  team: TeamService;
  totp: TotpService;
  passwords: PasswordService;
  validations: ValidationService;
  batches: BatchService;
  webhooks: WebhookService;
  settings: TenantSettingsStore;
  overview: ConsoleOverview;
  secureCookies: boolean;
  /** The CSV upload limit (BATCH_MAX_BYTES). */
  maxUploadBytes: number;
  /** How long a form body may take to arrive (HTTP_BODY_READ_TIMEOUT_MS). */
  bodyReadTimeoutMs: number;
  /** The tenant's API rate limit, for the routes that make partner calls (after `actAsTenant`). */
  tenantRateLimit: RequestHandler;
}

/** The console's own files: read once, served from this origin (the CSP allows nothing else). */
const ASSETS: Record<string, string> = { 'console.css': 'text/css; charset=utf-8', 'console.js': 'text/javascript; charset=utf-8' };

function assetRoutes(): Router {
  const files = new Map(Object.keys(ASSETS).map((name) => [name, readFileSync(projectFile(`console-assets/${name}`))]));
  const router = Router();
  router.get('/console/assets/:name', (req, res, next) => {
    const body = files.get(String(req.params.name));
    if (!body) return next();
    res.type(ASSETS[String(req.params.name)]!).set('Cache-Control', 'no-cache').send(body);
  });
  return router;
}

export function consoleRoutes(d: ConsoleDeps): Router {
  const cookies = cookieNames(d.secureCookies);
  const router = Router();
  router.use(noStore);
  // Before anything else, as on /v1 after its checks: a known path with another method is a 405.
  router.use(methodGuard(router));
  router.use(assetRoutes());
  const form = formBody(d.bodyReadTimeoutMs);
  router.use(signInPages({ sessions: d.sessions, team: d.team, cookies, secure: d.secureCookies, form }));
  // Everything below needs a signed-in user; the body is read only after the session is known.
  router.use(requireSession(d.sessions, cookies));
  router.use(form);
  router.use(csrfGuard);
  router.use(homePage({ db: d.db, batches: d.batches, overview: d.overview }));
  router.use(accountPages({ sessions: d.sessions, totp: d.totp, passwords: d.passwords, cookies, secure: d.secureCookies }));
  router.use(validationPages(d));
  router.use(batchPages(d));
  router.use(webhookPages(d));
  router.use(keyPages(d));
  router.use(teamPages(d));
  router.use(settingsPages(d));
  router.use(auditPages(d));
  router.use(() => {
    throw new AppError('route.not_found', 'There is no console page here.');
  });
  router.use(consoleErrors(d.logger));
  return router;
}
