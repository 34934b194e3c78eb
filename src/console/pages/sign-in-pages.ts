// Pages before a session: sign in (password, then TOTP when the user turned it on) and accepting an
// invitation. Login CSRF is refused with a pre-session double-submit cookie and the Origin check.
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { AppError } from '../../platform/app-error.js';
import { clientAddressKey } from '../../platform/client-address.js';
import type { SessionService } from '../../users/session-service.js';
import type { TeamService } from '../../users/team-service.js';
import { PASSWORD_MIN } from '../../users/credentials.js';
import { checkCsrf, clearCookie, isPreAuthToken, newPreAuthToken, readCookie, setCookie, type CookieNames } from '../console-session.js';
import { field, queryParam, noticeOf } from '../forms.js';
import { html } from '../html.js';
import { publicPage, redirect, sendHtml } from '../layout.js';
import { safeNext } from '../console-errors.js';

export interface PublicDeps { sessions: SessionService; team: TeamService; cookies: CookieNames; secure: boolean; form: RequestHandler }

const NOTICES: Record<string, string> = {
  'signed-out': 'You have signed out.',
  joined: 'Your account is ready: sign in with your e-mail address and new password.',
  expired: 'Your session ended; sign in again.',
};

/**
 * The pre-session token the form echoes: the browser's own if it has one (so a second sign-in tab does
 * not spoil the first), else a new one set as a cookie. It is renewed for another 30 minutes either way.
 */
function preAuth(req: Request, res: Response, d: PublicDeps): string {
  const held = readCookie(req, d.cookies.preAuth);
  const t = isPreAuthToken(held) ? held : newPreAuthToken();
  setCookie(res, d.cookies.preAuth, t, d.secure, 1800);
  return t;
}

// Without the cookie nothing can match (an empty expected token matches nothing).
const checkPreAuth = (req: Request, d: PublicDeps) => checkCsrf(req, readCookie(req, d.cookies.preAuth) ?? '');

function signInForm(req: Request, res: Response, d: PublicDeps, o: { next: string; email?: string; error?: string | null; notice?: string | null }, status = 200) {
  const pre = preAuth(req, res, d);
  sendHtml(res, publicPage({ title: 'Sign in', error: o.error ?? null, notice: o.notice ?? null }, html`
<form method="post" action="/console/sign-in" class="stack">
  <input type="hidden" name="_csrf" value="${pre}">
  <input type="hidden" name="next" value="${o.next}">
  <label for="email">E-mail address</label>
  <input id="email" name="email" type="email" autocomplete="username" required maxlength="254" value="${o.email ?? ''}">
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="200">
  <button type="submit">Sign in</button>
</form>`), status);
}

function totpForm(req: Request, res: Response, d: PublicDeps, next: string, error: string | null = null, status = 200) {
  const pre = preAuth(req, res, d);
  sendHtml(res, publicPage({ title: 'Enter your authentication code', error }, html`
<form method="post" action="/console/sign-in/totp" class="stack">
  <input type="hidden" name="_csrf" value="${pre}">
  <input type="hidden" name="next" value="${next}">
  <label for="code">6-digit code from your authenticator app</label>
  <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required>
  <button type="submit">Continue</button>
</form>`), status);
}

export function signInPages(d: PublicDeps): Router {
  const router = Router();
  const address = (req: Request) => clientAddressKey(req.ip);

  router.get('/console/sign-in', (req, res) => {
    signInForm(req, res, d, { next: safeNext(queryParam(req, 'next', 500)), notice: noticeOf(req, NOTICES) });
  });

  router.post('/console/sign-in', d.form, async (req, res) => {
    const next = safeNext(field(req, 'next', { max: 500 }));
    const email = field(req, 'email', { max: 254 });
    try {
      checkPreAuth(req, d);
      const signed = await d.sessions.signIn(email, field(req, 'password', { trim: false }), address(req), req.requestId);
      setCookie(res, d.cookies.session, signed.token, d.secure);
      clearCookie(res, d.cookies.preAuth, d.secure);
      redirect(res, signed.session.stage === 'password' ? `/console/sign-in/totp?next=${encodeURIComponent(next)}` : next);
    } catch (err) {
      if (!(err instanceof AppError) || !['console.sign_in_failed', 'console.too_many_sign_ins', 'console.csrf_failed', 'console.invalid_input'].includes(err.code)) throw err;
      if (err.retryAfterSeconds !== undefined) res.set('Retry-After', String(err.retryAfterSeconds));
      signInForm(req, res, d, { next, email, error: err.message }, err.status);
    }
  });

  router.get('/console/sign-in/totp', (req, res) => totpForm(req, res, d, safeNext(queryParam(req, 'next', 500))));

  router.post('/console/sign-in/totp', d.form, async (req, res) => {
    const next = safeNext(field(req, 'next', { max: 500 }));
    const token = readCookie(req, d.cookies.session);
    try {
      checkPreAuth(req, d);
      if (!token) throw new AppError('console.sign_in_required', 'Sign in again.');
      const signed = await d.sessions.completeTotp(token, field(req, 'code', { max: 12 }), address(req), req.requestId);
      setCookie(res, d.cookies.session, signed.token, d.secure);
      clearCookie(res, d.cookies.preAuth, d.secure);
      redirect(res, next);
    } catch (err) {
      if (err instanceof AppError && err.code === 'console.sign_in_required') return redirect(res, '/console/sign-in?notice=expired');
      if (!(err instanceof AppError) || !['console.totp_failed', 'console.too_many_sign_ins', 'console.csrf_failed', 'console.invalid_input'].includes(err.code)) throw err;
      if (err.retryAfterSeconds !== undefined) res.set('Retry-After', String(err.retryAfterSeconds));
      totpForm(req, res, d, next, err.message, err.status);
    }
  });

  const invitationForm = async (req: Request, res: Response, error: string | null = null, status = 200) => {
    const token = String(req.params.token);
    const { invitation, organisation } = await d.team.openInvitation(token);
    const pre = preAuth(req, res, d);
    sendHtml(res, publicPage({ title: `Join ${organisation} on payval`, error }, html`
<p>You are invited as <strong>${invitation.role}</strong> with the e-mail address <strong>${invitation.email}</strong>.</p>
<form method="post" action="/console/invitations/${token}" class="stack">
  <input type="hidden" name="_csrf" value="${pre}">
  <label for="name">Your name</label>
  <input id="name" name="name" autocomplete="name" required maxlength="200">
  <label for="password">Choose a password (at least ${PASSWORD_MIN} characters)</label>
  <input id="password" name="password" type="password" autocomplete="new-password" required minlength="${PASSWORD_MIN}" maxlength="200">
  <button type="submit">Create my account</button>
</form>`), status);
  };

  router.get('/console/invitations/:token', (req, res) => invitationForm(req, res));

  router.post('/console/invitations/:token', d.form, async (req, res) => {
    try {
      checkPreAuth(req, d);
      await d.team.acceptInvitation(String(req.params.token), { name: field(req, 'name'), password: field(req, 'password', { trim: false }) }, req.requestId);
      clearCookie(res, d.cookies.preAuth, d.secure);
      redirect(res, '/console/sign-in?notice=joined');
    } catch (err) {
      if (!(err instanceof AppError) || !['console.invalid_input', 'console.csrf_failed', 'console.email_taken'].includes(err.code)) throw err;
      await invitationForm(req, res, err.message, err.status);
    }
  });

  return router;
}
