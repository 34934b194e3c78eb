// The signed-in user's own account: mode switch, sign out (here or everywhere), TOTP enrolment.
import { Router, type Request, type Response } from 'express';
import { AppError } from '../../platform/app-error.js';
import type { SessionService } from '../../users/session-service.js';
import type { TotpService } from '../../users/totp-service.js';
import type { PasswordService } from '../../users/password-service.js';
import { PASSWORD_MIN } from '../../users/credentials.js';
import { clientAddressKey } from '../../platform/client-address.js';
import { clearCookie, consoleOf, type CookieNames } from '../console-session.js';
import { csrfField, field, queryParam, noticeOf } from '../forms.js';
import { html } from '../html.js';
import { page, redirect, sendHtml } from '../layout.js';
import { totpQrSvg } from '../qr.js';
import { formFailure } from '../form-errors.js';

const NOTICES: Record<string, string> = {
  'totp-on': 'Two-step sign-in is on: you will be asked for a code at every sign-in.',
  'totp-off': 'Two-step sign-in is off.',
  'password-changed': 'Your password is changed. Every other session was signed out.',
};

export function accountPages(d: { sessions: SessionService; totp: TotpService; passwords: PasswordService; cookies: CookieNames; secure: boolean }): Router {
  const router = Router();

  router.post('/console/mode', async (req, res) => {
    const ctx = consoleOf(req);
    await d.sessions.setLivemode(ctx.token, field(req, 'livemode') === 'true');
    redirect(res, '/console');
  });

  router.post('/console/sign-out', async (req, res) => {
    const ctx = consoleOf(req);
    await d.sessions.signOut(ctx.token, ctx.session, req.requestId);
    clearCookie(res, d.cookies.session, d.secure);
    redirect(res, '/console/sign-in?notice=signed-out');
  });

  router.post('/console/account/sign-out-everywhere', async (req, res) => {
    const ctx = consoleOf(req);
    await d.sessions.signOutEverywhere(ctx.user, req.requestId);
    clearCookie(res, d.cookies.session, d.secure);
    redirect(res, '/console/sign-in?notice=signed-out');
  });

  router.get('/console/account', (req, res) => {
    const ctx = consoleOf(req);
    const { user } = ctx;
    sendHtml(res, page(ctx, { title: 'Your account', notice: noticeOf(req, NOTICES) }, html`
<dl class="facts">
  <dt>Name</dt><dd>${user.name}</dd>
  <dt>E-mail</dt><dd>${user.email}</dd>
  <dt>Role</dt><dd>${user.role}</dd>
  <dt>Two-step sign-in</dt><dd>${user.totpEnabled ? 'On' : 'Off'}</dd>
</dl>
<h2>Two-step sign-in (TOTP)</h2>
${user.totpEnabled
  ? html`<form method="post" action="/console/account/totp/disable" class="stack">${csrfField(ctx.csrf)}
  <label for="off-code">Current 6-digit code (needed to turn it off)</label>
  <input id="off-code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required>
  <button type="submit" class="danger">Turn off two-step sign-in</button></form>`
  : html`<form method="post" action="/console/account/totp/setup" class="stack">${csrfField(ctx.csrf)}
  <label for="setup-password">Your password (asked again before the set-up)</label>
  <input id="setup-password" name="password" type="password" autocomplete="current-password" required maxlength="200">
  <button type="submit">Set up two-step sign-in</button></form>`}
<h2>Password</h2>
<form method="post" action="/console/account/password" class="stack">${csrfField(ctx.csrf)}
  <label for="current-password">Current password</label>
  <input id="current-password" name="current_password" type="password" autocomplete="current-password" required maxlength="200">
  <label for="new-password">New password (at least ${PASSWORD_MIN} characters)</label>
  <input id="new-password" name="new_password" type="password" autocomplete="new-password" required minlength="${PASSWORD_MIN}" maxlength="200">
  <button type="submit">Change password</button>
</form>
<h2>Sessions</h2>
<form method="post" action="/console/account/sign-out-everywhere">${csrfField(ctx.csrf)}<button type="submit">Sign out everywhere</button></form>`));
  });

  const address = (req: Request) => clientAddressKey(req.ip);
  /** A refused step shows the account page's error; anything else goes to the error page. */
  const refused = (req: Request, res: Response, err: unknown, title: string) => {
    const message = formFailure(res, err);
    if (message === null) throw err;
    sendHtml(res, page(consoleOf(req), { title, error: message }, html`<p><a href="/console/account">Back to your account</a></p>`), res.statusCode);
  };

  router.post('/console/account/password', async (req, res) => {
    const ctx = consoleOf(req);
    try {
      await d.passwords.change(ctx.user, field(req, 'current_password', { trim: false }), field(req, 'new_password', { trim: false }), { address: address(req), sessionToken: ctx.token, requestId: req.requestId });
    } catch (err) {
      return refused(req, res, err, 'Your account');
    }
    redirect(res, '/console/account?notice=password-changed');
  });

  router.post('/console/account/totp/setup', async (req, res) => {
    const ctx = consoleOf(req);
    let enrolment: { secret: string; uri: string };
    try {
      enrolment = await d.totp.begin(ctx.user, field(req, 'password', { trim: false }), address(req), req.requestId);
    } catch (err) {
      return refused(req, res, err, 'Set up two-step sign-in');
    }
    sendHtml(res, page(ctx, { title: 'Set up two-step sign-in' }, html`
<p>Scan this code with an authenticator app, or type the key in by hand, then enter the 6-digit code it shows.</p>
<figure class="qr">${await totpQrSvg(enrolment.uri)}<figcaption>Key: <code data-testid="totp-secret">${enrolment.secret}</code></figcaption></figure>
<form method="post" action="/console/account/totp/confirm" class="stack">
  ${csrfField(ctx.csrf)}
  <label for="code">6-digit code</label>
  <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required>
  <button type="submit">Turn on</button>
</form>`));
  });

  router.post('/console/account/totp/confirm', async (req, res) => {
    try {
      await d.totp.confirm(consoleOf(req).user, field(req, 'code', { max: 12 }), address(req), req.requestId);
    } catch (err) {
      return refused(req, res, err, 'Set up two-step sign-in');
    }
    redirect(res, '/console/account?notice=totp-on');
  });

  router.post('/console/account/totp/disable', async (req, res) => {
    try {
      await d.totp.disable(consoleOf(req).user, field(req, 'code', { max: 12 }), address(req), req.requestId);
    } catch (err) {
      return refused(req, res, err, 'Your account');
    }
    redirect(res, '/console/account?notice=totp-off');
  });

  return router;
}
