// Bulk in the console: the batch list, the CSV upload page (drag and drop, upload progress in
// console.js), a batch's live progress, its rejected rows and its results download. Uploads go through
// the same handler as `POST /v1/batches` (text/csv or multipart), as the signed-in user.
import { Router } from 'express';
import { AppError } from '../../platform/app-error.js';
import { toBatchView } from '../../batches/batch-view.js';
import { handleCsvUpload } from '../../batches/csv-upload-route.js';
import { can } from '../../users/roles.js';
import type { ConsoleDeps } from '../console-routes.js';
import { actAsTenant, consoleOf, requirePermission } from '../console-session.js';
import { queryParam } from '../forms.js';
import { html, time } from '../html.js';
import { page, sendHtml } from '../layout.js';
import { pager, PAGE_SIZE } from '../pager.js';
import { batchProgressCell, progressOf } from './batch-progress.js';
import { batchDetail, rejectionsTable } from './batch-detail.js';

export function batchPages(d: ConsoleDeps): Router {
  const router = Router();
  const read = requirePermission('validations.read');

  router.get('/console/batches', read, async (req, res) => {
    const ctx = consoleOf(req);
    const list = await d.batches.list(ctx.scope, queryParam(req, 'cursor', 200) || undefined, PAGE_SIZE);
    const rows = list.data.map((b) => toBatchView(b, []));
    sendHtml(res, page(ctx, { title: 'Batches', section: '/console/batches' }, html`
${can(ctx.user.role, 'validations.create') ? html`<p><a href="/console/batches/new">Upload a CSV</a></p>` : ''}
${rows.length === 0 ? html`<p class="muted">No batches yet.</p>` : html`<table>
<caption class="muted">Newest first</caption>
<thead><tr><th scope="col">Batch</th><th scope="col">Created</th><th scope="col">Source</th><th scope="col">Reference</th><th scope="col">Progress</th></tr></thead>
<tbody>${rows.map((b) => html`<tr><td><a href="/console/batches/${b.id}">${b.id}</a></td><td>${time(b.created_at)}</td><td>${b.source}</td><td>${b.reference_id ?? '—'}</td><td>${batchProgressCell(b)}</td></tr>`)}</tbody>
</table>`}
${pager(req, list.nextCursor)}`));
  });

  router.get('/console/batches/new', requirePermission('validations.create'), (req, res) => {
    const ctx = consoleOf(req);
    const mb = Math.floor(d.maxUploadBytes / 1_000_000);
    sendHtml(res, page(ctx, { title: 'Upload a CSV batch', section: '/console/batches' }, html`
<p>One payee per row, with a header line. Columns: <code>account_number</code>, <code>ifsc</code>, <code>rail</code> (imps or neft) or <code>vpa</code>;
<code>name</code>; optional <code>reference_id</code>. Up to ${mb.toLocaleString('en')} MB. Rows that cannot be validated are listed with their row number and reason; the others are validated.</p>
<noscript><p class="error">Uploading needs JavaScript (for the progress bar). The API's <code>POST /v1/batches</code> takes the same file.</p></noscript>
<form id="upload-form" method="post" action="/console/batches" enctype="multipart/form-data" class="stack">
  <div id="dropzone" class="dropzone">
    <p>Drag a CSV file here, or</p>
    <label for="file">Choose a CSV file</label>
    <input id="file" name="file" type="file" accept=".csv,text/csv">
  </div>
  <label for="reference_id">Reference for this batch (optional)</label>
  <input id="reference_id" name="reference_id" maxlength="64">
  <button type="submit">Upload and validate</button>
  <progress id="upload-progress" max="100" value="0" hidden aria-label="Upload progress"></progress>
  <p id="upload-status" role="status" aria-live="polite" hidden></p>
  <p id="upload-error" class="error" role="alert" hidden></p>
</form>`));
  });

  router.post('/console/batches', requirePermission('validations.create'), actAsTenant, d.tenantRateLimit, async (req, res) => {
    if (!req.is('multipart/form-data') && !req.is('text/csv')) throw new AppError('console.invalid_input', 'Upload the file as multipart/form-data (the upload page does) or text/csv.');
    // The API's query parameters are not the console's: a one-off webhook_url would let a role without
    // webhooks.manage send results to a URL of its choosing.
    if (Object.keys(req.query as object).length > 0) throw new AppError('console.invalid_input', 'The console upload takes no query parameters; a reference is a form field.');
    await handleCsvUpload(req, res, d.batches, d.webhooks, { maxBytes: d.maxUploadBytes });
  });

  router.get('/console/batches/:id', read, async (req, res) => {
    const ctx = consoleOf(req);
    const batch = await d.batches.get(ctx.scope, String(req.params.id));
    const view = await d.batches.view(batch);
    sendHtml(res, page(ctx, { title: `Batch ${batch.id}`, section: '/console/batches' }, batchDetail(view, can(ctx.user.role, 'batches.download'))));
  });

  router.get('/console/batches/:id/progress', read, async (req, res) => {
    const ctx = consoleOf(req);
    const view = toBatchView(await d.batches.get(ctx.scope, String(req.params.id)), []);
    res.json({ id: view.id, status: view.status, ...progressOf(view) });
  });

  router.get('/console/batches/:id/rejections', read, async (req, res) => {
    const ctx = consoleOf(req);
    const id = String(req.params.id);
    const list = await d.batches.rejections(ctx.scope, id, queryParam(req, 'cursor', 200) || undefined, 100);
    sendHtml(res, page(ctx, { title: `Rejected rows of ${id}`, section: '/console/batches' }, html`
<p><a href="/console/batches/${id}">Back to the batch</a></p>
${rejectionsTable(list.data)}
${pager(req, list.nextCursor)}`));
  });

  router.get('/console/batches/:id/results.csv', requirePermission('batches.download'), async (req, res) => {
    const ctx = consoleOf(req);
    const batch = await d.batches.get(ctx.scope, String(req.params.id));
    res.status(200).set('Content-Type', 'text/csv; charset=utf-8').set('Content-Disposition', `attachment; filename="${batch.id}-results.csv"`);
    await d.batches.streamResults(batch, 'csv', res);
  });

  return router;
}
