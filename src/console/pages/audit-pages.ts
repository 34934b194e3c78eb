// The organisation's audit log: newest first, PAGE_SIZE per page on a keyset cursor, filtered by
// action, actor and UTC day range. Details are shown as escaped text (the log holds ids, counts and
// codes, never a secret).
import { Router } from 'express';
import { queryAudit, SCAN_WINDOW, type AuditFilter, type AuditPage } from '../../platform/audit-query.js';
import type { ConsoleDeps } from '../console-routes.js';
import { consoleOf, requirePermission } from '../console-session.js';
import { formFailure } from '../form-errors.js';
import { queryParam } from '../forms.js';
import { html, time } from '../html.js';
import { page, sendHtml } from '../layout.js';
import { PAGE_SIZE, pager } from '../pager.js';

const filterForm = (f: AuditFilter) => html`<form method="get" action="/console/audit" class="filters">
  <label for="action">Action</label>
  <input id="action" name="action" value="${f.action ?? ''}" maxlength="64" placeholder="user.role_changed">
  <label for="actor">Actor</label>
  <input id="actor" name="actor" value="${f.actor ?? ''}" maxlength="64" placeholder="user:usr_…">
  <label for="from">From (UTC)</label>
  <input id="from" name="from" type="date" value="${f.from ?? ''}">
  <label for="to">To (UTC)</label>
  <input id="to" name="to" type="date" value="${f.to ?? ''}">
  <button type="submit">Filter</button>
  <a href="/console/audit">Clear</a>
</form>`;

const entriesTable = (p: AuditPage) => html`<table class="audit"><thead><tr>
<th scope="col">Time</th><th scope="col">Actor</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">Request</th><th scope="col">Details</th>
</tr></thead><tbody>
${p.entries.map((e) => html`<tr data-audit-id="${e.id}">
<td>${time(e.createdAt)}</td><td><code>${e.actor}</code></td><td>${e.action}</td><td>${e.targetType} <code>${e.targetId}</code></td>
<td>${e.requestId ? html`<code>${e.requestId}</code>` : html`<span class="muted">—</span>`}</td><td>${e.details ? html`<code class="details">${e.details}</code>` : ''}</td>
</tr>`)}
</tbody></table>`;

export function auditPages(d: ConsoleDeps): Router {
  const router = Router();

  router.get('/console/audit', requirePermission('audit.read'), async (req, res) => {
    const ctx = consoleOf(req);
    const filter: AuditFilter = {
      action: queryParam(req, 'action', 64) || undefined,
      actor: queryParam(req, 'actor', 64) || undefined,
      from: queryParam(req, 'from', 10) || undefined,
      to: queryParam(req, 'to', 10) || undefined,
    };
    let result: AuditPage = { entries: [], next: null, partial: false };
    let error: string | null = null;
    try {
      result = await queryAudit(d.db, ctx.user.tenantId, filter, queryParam(req, 'cursor', 20), PAGE_SIZE);
    } catch (err) {
      error = formFailure(res, err);
      if (error === null) throw err;
    }
    const empty = result.entries.length === 0;
    sendHtml(res, page(ctx, { title: 'Audit log', section: '/console/audit', error }, html`
${filterForm(filter)}
${result.partial ? html`<p class="muted">Showing matches among the next ${SCAN_WINDOW.toLocaleString('en')} entries; use Older to search further back.</p>` : ''}
${empty ? html`<p class="muted">No entries${result.partial ? ' in this stretch' : ''}.</p>` : entriesTable(result)}
${pager(req, result.next)}`), res.statusCode);
  });

  return router;
}
