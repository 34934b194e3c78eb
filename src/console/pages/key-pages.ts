// API keys: the tenant's keys of both modes (never a hash, never a key), a new key shown once, revoking.
// The tenant service does the work and the audit (actor `user:<id>`); these handlers only read forms
// and render. A revoked key stops authenticating within AUTH_KEY_CACHE_MS in every API process.
import { Router, type Request, type Response } from 'express';
import { AppError } from '../../platform/app-error.js';
import { can } from '../../users/roles.js';
import { createTenantService } from '../../tenants/tenant-service.js';
import type { ApiKeyRecord } from '../../tenants/tenant-store.js';
import type { KeyMode } from '../../tenants/api-key.js';
import type { ConsoleDeps } from '../console-routes.js';
import { consoleOf, requirePermission, type ConsoleContext } from '../console-session.js';
import { csrfField, field, queryParam, noticeOf } from '../forms.js';
import { formFailure } from '../form-errors.js';
import { html, time } from '../html.js';
import { page, redirect, sendHtml } from '../layout.js';
import { PAGE_SIZE, pager } from '../pager.js';

const NOTICES: Record<string, string> = {
  revoked: 'The key is revoked: requests with it are refused within seconds.',
  'already-revoked': 'That key was already revoked.',
};

const MODES: readonly KeyMode[] = ['test', 'live'];

const modeBadge = (mode: KeyMode) => html`<span class="badge ${mode}">${mode}</span>`;

function keyRow(ctx: ConsoleContext, k: ApiKeyRecord) {
  return html`<tr>
<td><code>${k.id}</code></td><td><code>${k.displayPrefix}…</code></td><td>${modeBadge(k.mode)}</td>
<td>${time(k.createdAt)}</td><td data-testid="last-used-${k.id}">${k.lastUsedAt ? time(k.lastUsedAt) : html`<span class="muted">Never</span>`}</td>
<td>${k.revokedAt ? html`Revoked ${time(k.revokedAt)}` : k.mode === 'live' && !can(ctx.user.role, 'keys.live') ? html`<span class="muted">Owners and admins</span>` : html`<form method="post" action="/console/keys/${k.id}/revoke" class="inline" data-confirm="${`Revoke ${k.displayPrefix}…? Every request with this key will be refused within seconds.`}">
${csrfField(ctx.csrf)}<button type="submit" class="danger">Revoke</button></form>`}</td>
</tr>`;
}

function createForm(ctx: ConsoleContext) {
  return html`<h2 id="new-key">Create a key</h2>
<form method="post" action="/console/keys" class="stack" aria-labelledby="new-key">
${csrfField(ctx.csrf)}
<label for="mode">Mode</label>
<select id="mode" name="mode">${MODES.filter((m) => m === 'test' || can(ctx.user.role, 'keys.live')).map((m) => html`<option value="${m}"${m === ctx.auth.mode ? html` selected` : ''}>${m === 'live' ? 'Live (real partner calls)' : 'Test (sandbox only)'}</option>`)}</select>
<button type="submit">Create key</button>
</form>`;
}

async function renderKeys(d: ConsoleDeps, req: Request, res: Response, o: { notice?: string | null; error?: string | null } = {}): Promise<void> {
  const ctx = consoleOf(req);
  const keys = await createTenantService(d.db, ctx.auth.actor).listKeys(ctx.user.tenantId, queryParam(req, 'cursor', 200) || undefined, PAGE_SIZE);
  sendHtml(res, page(ctx, { title: 'API keys', section: '/console/keys', ...o }, html`
<p>Keys of both modes for your organisation. A key is shown once, when it is created; payval keeps only its hash.</p>
${keys.data.length === 0 ? html`<p class="muted">There are no keys yet.</p>` : html`<table><thead><tr>
<th scope="col">Id</th><th scope="col">Key</th><th scope="col">Mode</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">Status</th>
</tr></thead><tbody>
${keys.data.map((k) => keyRow(ctx, k))}
</tbody></table>`}
${pager(req, keys.nextCursor)}
${createForm(ctx)}`), res.statusCode);
}

function modeOf(req: Request): KeyMode {
  const mode = field(req, 'mode', { max: 8 });
  if (!(MODES as readonly string[]).includes(mode)) throw new AppError('console.invalid_input', 'Choose test or live.');
  return mode as KeyMode;
}

export function keyPages(d: ConsoleDeps): Router {
  const router = Router();
  const manage = requirePermission('keys.manage');

  router.get('/console/keys', manage, async (req, res) => {
    await renderKeys(d, req, res, { notice: noticeOf(req, NOTICES) });
  });

  router.post('/console/keys', manage, async (req, res) => {
    const ctx = consoleOf(req);
    let mode: KeyMode;
    try {
      mode = modeOf(req);
    } catch (err) {
      const error = formFailure(res, err);
      if (error === null) throw err;
      return renderKeys(d, req, res, { error });
    }
    if (mode === 'live' && !can(ctx.user.role, 'keys.live')) throw new AppError('console.forbidden', 'Only owners and admins create live keys.');
    const key = await createTenantService(d.db, ctx.auth.actor).createKey(ctx.user.tenantId, mode, req.requestId);
    sendHtml(res, page(ctx, { title: 'Your new API key', section: '/console/keys' }, html`
<div class="secret" role="status">
<p>Copy this ${key.mode} key now and store it somewhere safe. <strong>It will not be shown again</strong>: payval keeps only its hash.</p>
<p><code data-testid="api-key">${key.apiKey}</code></p>
</div>
<dl class="facts"><dt>Id</dt><dd><code>${key.keyId}</code></dd><dt>Mode</dt><dd>${modeBadge(key.mode)}</dd></dl>
<p>Send it as <code>Authorization: Bearer …</code> on every request to the API.</p>
<p><a href="/console/keys">Back to API keys</a></p>`));
  });

  router.post('/console/keys/:id/revoke', manage, async (req, res) => {
    const ctx = consoleOf(req);
    const mayRevoke = (mode: KeyMode) => mode === 'test' || can(ctx.user.role, 'keys.live');
    const { revoked } = await createTenantService(d.db, ctx.auth.actor).revokeTenantKey(ctx.user.tenantId, String(req.params.id), req.requestId, mayRevoke);
    redirect(res, `/console/keys?notice=${revoked ? 'revoked' : 'already-revoked'}`);
  });

  return router;
}
