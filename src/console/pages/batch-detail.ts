// A batch's page body: status and counts, the live progress bar while it runs, the first rejected
// rows, and the results download.
import type { toBatchView } from '../../batches/batch-view.js';
import type { BatchRejection } from '../../batches/batch-types.js';
import { html, time, type Html } from '../html.js';
import { progressOf } from './batch-progress.js';

type BatchView = ReturnType<typeof toBatchView>;

export function rejectionsTable(rows: readonly BatchRejection[]): Html {
  if (rows.length === 0) return html`<p class="muted">No row was rejected.</p>`;
  return html`<table>
<thead><tr><th scope="col">Row</th><th scope="col">Column</th><th scope="col">Reason</th><th scope="col">Code</th></tr></thead>
<tbody>${rows.map((r) => html`<tr><td data-testid="rejected-row">${r.row}</td><td>${r.column ?? '—'}</td><td>${r.message}</td><td><code>${r.code}</code></td></tr>`)}</tbody>
</table>`;
}

export function batchDetail(b: BatchView, canDownload: boolean): Html {
  const p = progressOf(b);
  const c = b.counts;
  return html`
<section aria-labelledby="progress-h"><h2 id="progress-h">Progress</h2>
<div ${p.done ? '' : html`data-progress-url="/console/batches/${b.id}/progress"`}>
  <progress max="100" value="${p.percent}" aria-label="Validation progress">${p.percent} %</progress>
  <span data-progress-text role="status" aria-live="polite">${p.percent} % — ${p.settled.toLocaleString('en')} of ${p.total.toLocaleString('en')} rows settled (${b.status})</span>
</div>
${b.failure ? html`<p class="error" role="alert">${b.failure.message} (<code>${b.failure.code}</code>)</p>` : ''}
</section>
<dl class="facts">
  <dt>Status</dt><dd class="status-${b.status}" data-testid="batch-status">${b.status}</dd>
  <dt>Reference</dt><dd>${b.reference_id ?? '—'}</dd>
  <dt>Source</dt><dd>${b.source}</dd>
  <dt>Created</dt><dd>${time(b.created_at)}</dd>
  <dt>Completed</dt><dd>${time(b.completed_at)}</dd>
  ${b.purged_at ? html`<dt>Personal data purged</dt><dd data-testid="purged">${time(b.purged_at)}</dd>` : ''}
</dl>
<table>
<caption>Rows</caption>
<thead><tr><th scope="col">Read</th><th scope="col">Validated</th><th scope="col">Failed</th><th scope="col">Rejected</th><th scope="col">Skipped (blank)</th><th scope="col">Waiting</th></tr></thead>
<tbody><tr><td>${c.total.toLocaleString('en')}</td><td data-testid="count-completed">${c.completed.toLocaleString('en')}</td><td>${c.failed.toLocaleString('en')}</td><td data-testid="count-rejected">${c.rejected.toLocaleString('en')}</td><td>${c.skipped.toLocaleString('en')}</td><td>${(c.queued + c.processing).toLocaleString('en')}</td></tr></tbody>
</table>
${canDownload ? html`<p><a href="/console/batches/${b.id}/results.csv" download>Download results (CSV)</a> <span class="muted">— one line per input row, rejected rows included${p.done ? '' : '; rows still running show their current status'}.</span></p>` : ''}
<section aria-labelledby="rejected-h"><h2 id="rejected-h">Rejected rows</h2>
${rejectionsTable(b.rejected_rows)}
${c.rejected > b.rejected_rows.length ? html`<p><a href="/console/batches/${b.id}/rejections">All ${c.rejected.toLocaleString('en')} rejected rows</a></p>` : ''}
</section>`;
}
