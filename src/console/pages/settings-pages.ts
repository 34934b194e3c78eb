// The organisation's validation policy: default answer-reuse age, name-match thresholds and retention. Changes go
// through the same rules, store and audit entry as PATCH /v1/settings (`changeSettings`): live mode
// only, the same ranges. An empty field puts a setting back to the service default.
import { Router, type Request, type Response } from 'express';
import { changeSettings, REUSE_MAX_AGE_LIMIT_SECONDS, type TenantSettings, type TenantSettingsPatch } from '../../tenants/tenant-settings.js';
import { can } from '../../users/roles.js';
import type { ConsoleDeps } from '../console-routes.js';
import { consoleOf, requirePermission } from '../console-session.js';
import { formFailure } from '../form-errors.js';
import { csrfField, field, queryParam, noticeOf } from '../forms.js';
import { html } from '../html.js';
import { RETENTION_MAX_DAYS, RETENTION_MIN_DAYS } from '../../privacy/retention-policy.js';
import { page, redirect, sendHtml } from '../layout.js';

const NOTICES: Record<string, string> = { saved: 'Settings saved. Workers use them within a few seconds.' };

type Values = { reuse: string; match: string; close: string; retention: string };

const valuesOf = (s: TenantSettings): Values => ({ reuse: String(s.reuseMaxAgeSeconds), match: String(s.nameMatch.match), close: String(s.nameMatch.closeMatch), retention: String(s.retentionDays) });

/** Form text to a patch; what is not a number is left for `changeSettings` to refuse. */
function patchOf(v: Values): TenantSettingsPatch {
  const num = (s: string) => (/^\d{1,9}$/.test(s) ? Number(s) : Number.NaN);
  const patch: TenantSettingsPatch = { reuseMaxAgeSeconds: v.reuse === '' ? null : num(v.reuse) };
  patch.nameMatch = v.match === '' && v.close === '' ? null : { match: num(v.match), closeMatch: num(v.close) };
  patch.retentionDays = v.retention === '' ? null : num(v.retention);
  return patch;
}

function form(csrf: string, v: Values) {
  return html`<form method="post" action="/console/settings" class="stack">
  ${csrfField(csrf)}
  <label for="reuse_max_age_seconds">Answer reuse: maximum age in seconds (0 to ${REUSE_MAX_AGE_LIMIT_SECONDS}; 0 always asks a partner)</label>
  <input id="reuse_max_age_seconds" name="reuse_max_age_seconds" inputmode="numeric" pattern="[0-9]*" maxlength="9" value="${v.reuse}">
  <label for="match_threshold">Name match: score for <code>match</code> (0 to 100)</label>
  <input id="match_threshold" name="match_threshold" inputmode="numeric" pattern="[0-9]*" maxlength="3" value="${v.match}">
  <label for="close_match_threshold">Name match: score for <code>close_match</code> (0 to 100, not above the match score)</label>
  <input id="close_match_threshold" name="close_match_threshold" inputmode="numeric" pattern="[0-9]*" maxlength="3" value="${v.close}">
  <label for="retention_days">Retention: days before a payee's personal data is purged (${RETENTION_MIN_DAYS} to ${RETENTION_MAX_DAYS})</label>
  <input id="retention_days" name="retention_days" inputmode="numeric" pattern="[0-9]*" maxlength="4" value="${v.retention}">
  <p class="muted">Leave a field empty to use the service default. One set of settings serves test and live data.</p>
  <button type="submit">Save settings</button>
</form>`;
}

export function settingsPages(d: ConsoleDeps): Router {
  const router = Router();

  async function show(req: Request, res: Response, o: { values?: Values; error?: string | null; notice?: string | null } = {}) {
    const ctx = consoleOf(req);
    const current = await d.settings.get(ctx.user.tenantId);
    const defaults = d.settings.defaults;
    const control = !can(ctx.user.role, 'settings.manage')
      ? html`<p class="muted">Your role can read the settings but not change them.</p>`
      : ctx.session.livemode
        ? form(ctx.csrf, o.values ?? valuesOf(current))
        : html`<p class="muted">Settings apply to live payouts: switch to live data (at the top of the page) to change them.</p>`;
    sendHtml(res, page(ctx, { title: 'Settings', section: '/console/settings', error: o.error ?? null, notice: o.notice ?? null }, html`
<dl class="facts">
  <dt>Answer reuse: maximum age</dt><dd data-testid="reuse-max-age">${current.reuseMaxAgeSeconds} s</dd>
  <dt>Name match: <code>match</code> at or above</dt><dd data-testid="match-threshold">${current.nameMatch.match}</dd>
  <dt>Name match: <code>close_match</code> at or above</dt><dd data-testid="close-match-threshold">${current.nameMatch.closeMatch}</dd>
  <dt>Retention of personal data</dt><dd data-testid="retention-days">${current.retentionDays} days</dd>
</dl>
<p class="muted">Service defaults: reuse ${defaults.reuseMaxAgeSeconds} s, match ${defaults.nameMatch.match}, close match ${defaults.nameMatch.closeMatch}, retention ${defaults.retentionDays} days.</p>
${control}`), res.statusCode);
  }

  router.get('/console/settings', requirePermission('settings.read'), (req, res) =>
    show(req, res, { notice: noticeOf(req, NOTICES) }));

  router.post('/console/settings', requirePermission('settings.manage'), async (req, res) => {
    const { auth } = consoleOf(req);
    const values: Values = {
      reuse: field(req, 'reuse_max_age_seconds', { max: 20 }),
      match: field(req, 'match_threshold', { max: 20 }),
      close: field(req, 'close_match_threshold', { max: 20 }),
      retention: field(req, 'retention_days', { max: 20 }),
    };
    try {
      await changeSettings(d.settings, d.db, { tenantId: auth.tenantId, mode: auth.mode, actor: auth.actor, via: 'console' }, patchOf(values), req.requestId);
    } catch (err) {
      const error = formFailure(res, err);
      if (error === null) throw err;
      return show(req, res, { values, error });
    }
    redirect(res, '/console/settings?notice=saved');
  });

  return router;
}
