// The console's cookies, sessions and CSRF defence. The REST API never reads a cookie; the console
// never reads an API key. See docs/decisions/0030-console.md.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { parse, serialize } from 'cookie';
import type { Request, RequestHandler, Response } from 'express';
import { AppError } from '../platform/app-error.js';
import type { AuthContext } from '../platform/http-context.js';
import type { ModeScope } from '../platform/mode-scope.js';
import type { SessionService } from '../users/session-service.js';
import type { SessionRecord } from '../users/session-store.js';
import type { User } from '../users/user-store.js';
import { can, type Permission } from '../users/roles.js';

export interface ConsoleContext {
  token: string;
  session: SessionRecord;
  user: User;
  /** The synchronizer token every state-changing request must echo. */
  csrf: string;
  scope: ModeScope;
  /** What the shared services take: the console acts as the user, in the session's mode. */
  auth: AuthContext;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      console?: ConsoleContext;
    }
  }
}

export interface CookieNames { session: string; preAuth: string }

/**
 * `__Host-` cookies must be Secure, host-only and Path=/; over plain HTTP in development the names
 * drop the prefix. Both are HttpOnly and SameSite=Strict.
 */
export const cookieNames = (secure: boolean): CookieNames =>
  secure ? { session: '__Host-pv_session', preAuth: '__Host-pv_pre' } : { session: 'pv_session', preAuth: 'pv_pre' };

export function setCookie(res: Response, name: string, value: string, secure: boolean, maxAgeSeconds?: number): void {
  res.append('Set-Cookie', serialize(name, value, { httpOnly: true, secure, sameSite: 'strict', path: '/', ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}) }));
}

export const clearCookie = (res: Response, name: string, secure: boolean): void => setCookie(res, name, '', secure, 0);

export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header || header.length > 8192) return undefined;
  const v = parse(header)[name];
  return v && v.length <= 256 ? v : undefined;
}

/**
 * Derived from the session token (which scripts cannot read), so it needs no storage of its own; and
 * from the mode the page was drawn in, so a form shown under "Test data" cannot act on live data after
 * another tab switched the session to live (and the reverse).
 */
export const csrfFor = (token: string, livemode: boolean): string =>
  createHmac('sha256', token).update(livemode ? 'payval-console-csrf:live' : 'payval-console-csrf:test').digest('base64url');

export const newPreAuthToken = (): string => randomBytes(24).toString('base64url');

/** What newPreAuthToken makes: 24 bytes, 32 base64url characters. */
export const isPreAuthToken = (v: string | undefined): v is string => v !== undefined && /^[A-Za-z0-9_-]{32}$/.test(v);

function sameToken(a: unknown, b: string): boolean {
  // Byte lengths (a non-ASCII string of the same length would make timingSafeEqual throw); an empty
  // expected token matches nothing.
  if (typeof a !== 'string' || b.length === 0) return false;
  const [x, y] = [Buffer.from(a), Buffer.from(b)];
  return x.length === y.length && timingSafeEqual(x, y);
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The host of an Origin header, or null for `null` and anything that is not a URL. */
function originHost(origin: string): string | null {
  try {
    return origin === 'null' ? null : new URL(origin).host;
  } catch {
    return null;
  }
}

/**
 * Refuses a state-changing request that another site could have sent: a cross-site Origin or
 * Sec-Fetch-Site, or a missing or wrong token (form field `_csrf` or header `X-CSRF-Token`).
 */
export function checkCsrf(req: Request, expected: string): void {
  if (SAFE.has(req.method)) return;
  // Sec-Fetch-Site is set by every current browser and a page cannot forge it. Browsers send
  // `Origin: null` on same-origin form posts under `Referrer-Policy: no-referrer` (helmet's default), so
  // `null` passes only with `Sec-Fetch-Site: same-origin`; any other Origin must name this host.
  const site = req.get('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') throw csrfError();
  const origin = req.get('origin');
  const sameOriginNull = origin === 'null' && site === 'same-origin';
  if (origin !== undefined && !sameOriginNull && originHost(origin) !== req.get('host')) throw csrfError();
  const sent = req.get('x-csrf-token') ?? (req.body as Record<string, unknown> | undefined)?._csrf;
  if (!sameToken(sent, expected)) throw csrfError();
}

const csrfError = () =>
  new AppError('console.csrf_failed', 'This form has expired, did not come from the console, or was shown before the console switched between test and live data; reload the page and try again.');

/** Resolves the session cookie into `req.console`; a request without a valid one is refused. CSRF is `csrfGuard`'s. */
export function requireSession(sessions: SessionService, names: CookieNames): RequestHandler {
  return async (req, _res, next) => {
    const token = readCookie(req, names.session);
    // console.js marks its polls; they do not keep an unattended session alive.
    const found = token ? await sessions.resolve(token, { background: req.get('x-console-background') === '1' }) : null;
    if (!token || !found || found.session.stage !== 'active') throw new AppError('console.sign_in_required', 'Sign in to continue.');
    const { session, user } = found;
    const scope = { tenantId: user.tenantId, livemode: session.livemode };
    const ctx: ConsoleContext = {
      token, session, user, csrf: csrfFor(token, session.livemode), scope,
      auth: { tenantId: user.tenantId, keyId: '', mode: session.livemode ? 'live' : 'test', actor: `user:${user.id}` },
    };
    req.console = ctx;
    next();
  };
}

/** After the body is parsed (the token may be a form field). */
export const csrfGuard: RequestHandler = (req, _res, next) => {
  checkCsrf(req, consoleOf(req).csrf);
  next();
};

export function consoleOf(req: Request): ConsoleContext {
  if (!req.console) throw new Error('console route mounted without requireSession');
  return req.console;
}

/** Server-side role check: a forged request is refused whatever the page showed. */
export const requirePermission = (p: Permission): RequestHandler => (req, _res, next) => {
  if (!can(consoleOf(req).user.role, p)) throw new AppError('console.forbidden', 'Your role does not allow this.');
  next();
};

/** For the shared API middlewares that read `req.auth` (the tenant rate limit): the session's user, as the tenant. */
export const actAsTenant: RequestHandler = (req, _res, next) => {
  req.auth = consoleOf(req).auth;
  next();
};
