// The signed-in user's own account: mode switch, sign out (here or everywhere), TOTP enrolment.
import { Router } from 'express';
import { AppError } from '../../platform/app-error.js';
import type { SessionService } from '../../users/session-service.js';
import type { TeamService } from '../../users/team-service.js';
import { clearCookie, consoleOf, type CookieNames } from '../console-session.js';
import { csrfField, field, queryParam } from '../forms.js';
import { html } from '../html.js';
import { page, redirect, sendHtml } from '../layout.js';
import { totpQrSvg } from '../qr.js';
import { formFailure } from '../form-errors.js';

const NOTICES: Record<string, string> = {
  'totp-on': 'Two-step sign-in is on: you will be asked for a code at every sign-in.',
  'totp-off': 'Two-step sign-in is off.',
};

export function accountPages(d: { sessions: SessionService; team: TeamService; cookies: CookieNames; secure: boolean }): Router {
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
    sendHtml(res, page(ctx, { title: 'Your account', notice: NOTICES[queryParam(req, 'notice')] ?? null }, html`
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
  : html`<form method="post" action="/console/account/totp/setup">${csrfField(ctx.csrf)}<button type="submit">Set up two-step sign-in</button></form>`}
<h2>Sessions</h2>
<form method="post" action="/console/account/sign-out-everywhere">${csrfField(ctx.csrf)}<button type="submit">Sign out everywhere</button></form>`));
  });

  router.post('/console/account/totp/setup', async (req, res) => {
    const ctx = consoleOf(req);
    if (ctx.user.totpEnabled) throw new AppError('console.invalid_input', 'Two-step sign-in is already on.');
    const { secret, uri } = await d.team.beginTotp(ctx.user);
    sendHtml(res, page(ctx, { title: 'Set up two-step sign-in' }, html`
<p>Scan this code with an authenticator app, or type the key in by hand, then enter the 6-digit code it shows.</p>
<figure class="qr">${await totpQrSvg(uri)}<figcaption>Key: <code data-testid="totp-secret">${secret}</code></figcaption></figure>
<form method="post" action="/console/account/totp/confirm" class="stack">
  ${csrfField(ctx.csrf)}
  <label for="code">6-digit code</label>
  <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required>
  <button type="submit">Turn on</button>
</form>`));
  });

  router.post('/console/account/totp/confirm', async (req, res) => {
    const ctx = consoleOf(req);
    try {
      await d.team.confirmTotp(ctx.user, field(req, 'code', { max: 12 }), req.requestId);
    } catch (err) {
      if (!(err instanceof AppError) || !['console.totp_failed', 'console.invalid_input'].includes(err.code)) throw err;
      sendHtml(res, page(ctx, { title: 'Set up two-step sign-in', error: err.message }, html`<p><a href="/console/account">Back to your account</a> to start again.</p>`), err.status);
      return;
    }
    redirect(res, '/console/account?notice=totp-on');
  });

  router.post('/console/account/totp/disable', async (req, res) => {
    const ctx = consoleOf(req);
    try {
      await d.team.disableTotp(ctx.user, field(req, 'code', { max: 12 }), req.requestId);
    } catch (err) {
      const message = formFailure(res, err);
      if (message === null) throw err;
      sendHtml(res, page(ctx, { title: 'Your account', error: message }, html`<p><a href="/console/account">Back to your account</a></p>`), res.statusCode);
      return;
    }
    redirect(res, '/console/account?notice=totp-off');
  });

  return router;
}
