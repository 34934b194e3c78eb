// Home: today's validations by status, batches in progress, partner health and queue depth, all for
// the session's organisation and mode (partner health and queues are the service's own).
import { Router } from 'express';
import type { Db } from '../../platform/db.js';
import { idAtTime } from '../../platform/ids.js';
import { scopeWhere, type ModeScope } from '../../platform/mode-scope.js';
import type { BatchService } from '../../batches/batch-service.js';
import { consoleOf } from '../console-session.js';
import { html } from '../html.js';
import { page, sendHtml } from '../layout.js';
import type { ConsoleOverview } from '../console-overview.js';
import { batchProgressCell } from './batch-progress.js';

const STATUSES = ['queued', 'processing', 'completed', 'failed'] as const;
/** Counting stops here: the page says "100,000+" rather than scan a bigger day. */
const COUNT_CAP = 100_000;

/** One index range per status on (tenant_id, livemode, status, id); ids start with their creation time. */
async function todayByStatus(db: Db, scope: ModeScope, now = new Date()): Promise<Record<string, number>> {
  const since = idAtTime('val', new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())));
  const counts = await Promise.all(
    STATUSES.map(async (status) => {
      const inner = db('validations').where({ ...scopeWhere(scope), status }).where('id', '>=', since).select(db.raw('1')).limit(COUNT_CAP + 1);
      const row = await db.from(inner.as('t')).count({ n: '*' }).first();
      return [status, Number(row?.n ?? 0)] as const;
    }),
  );
  return Object.fromEntries(counts);
}

const count = (n: number) => (n > COUNT_CAP ? `${COUNT_CAP.toLocaleString('en')}+` : n.toLocaleString('en'));

export function homePage(d: { db: Db; batches: BatchService; overview: ConsoleOverview }): Router {
  const router = Router();
  router.get('/console', async (req, res) => {
    const ctx = consoleOf(req);
    const [today, inProgress, partners, queues] = await Promise.all([
      todayByStatus(d.db, ctx.scope),
      d.overview.batchesInProgress(ctx.scope, 10),
      d.overview.partnerHealth(),
      d.overview.queueDepth(),
    ]);
    sendHtml(res, page(ctx, { title: 'Home', section: '/console' }, html`
<section aria-labelledby="today"><h2 id="today">Today's validations (UTC)</h2>
<ul class="tiles">${STATUSES.map((s) => html`<li class="tile ${s}"><span class="n" data-testid="today-${s}">${count(today[s] ?? 0)}</span> ${s}</li>`)}</ul>
</section>
<section aria-labelledby="running"><h2 id="running">Batches in progress</h2>
${inProgress.length === 0 ? html`<p class="muted">No batch is running.</p>` : html`<table><thead><tr><th scope="col">Batch</th><th scope="col">Reference</th><th scope="col">Progress</th></tr></thead><tbody>
${inProgress.map((b) => html`<tr><td><a href="/console/batches/${b.id}">${b.id}</a></td><td>${b.reference_id ?? '—'}</td><td>${batchProgressCell(b)}</td></tr>`)}
</tbody></table>`}
</section>
<section aria-labelledby="partners"><h2 id="partners">Partner health</h2>
${partners.length === 0 ? html`<p class="muted">No worker has reported partner health in the last minute.</p>` : html`<table><thead><tr><th scope="col">Partner</th><th scope="col">Circuit</th><th scope="col">Reported</th></tr></thead><tbody>
${partners.map((p) => html`<tr><td>${p.partner}</td><td><span class="state ${p.state}">${p.state.replace('_', '-')}</span></td><td>${p.ageSeconds} s ago</td></tr>`)}
</tbody></table>`}
</section>
<section aria-labelledby="queues"><h2 id="queues">Queue depth</h2>
<table><thead><tr><th scope="col">Queue</th><th scope="col">Waiting</th><th scope="col">Active</th><th scope="col">Delayed</th></tr></thead><tbody>
${queues.map((q) => html`<tr><td>${q.name}</td><td>${q.waiting.toLocaleString('en')}</td><td>${q.active.toLocaleString('en')}</td><td>${q.delayed.toLocaleString('en')}</td></tr>`)}
</tbody></table>
</section>`));
  });
  return router;
}
