// Validations in the console: validate one payee, search, and one validation's page. Thin: the
// validation service checks the payee and owns the data; accounts are shown only through
// toValidationView (masked).
import { Router } from 'express';
import { AppError } from '../../platform/app-error.js';
import { isId } from '../../platform/ids.js';
import { toValidationView } from '../../validations/validation-view.js';
import type { ConsoleDeps } from '../console-routes.js';
import { actAsTenant, consoleOf, requirePermission } from '../console-session.js';
import { formFailure } from '../form-errors.js';
import { html } from '../html.js';
import { page, redirect, sendHtml } from '../layout.js';
import { pager, PAGE_SIZE } from '../pager.js';
import { EMPTY_FORM, invalidInput, readValidateForm, typedValues, validateForm } from './validation-form.js';
import { filterForm, filterValues, readFilters, resultsTable } from './validation-search.js';
import { validationDetail } from './validation-detail.js';

/** How long the form waits for the answer before showing the validation's page anyway (it refreshes). */
const WAIT_SECONDS = 5;

const notFound = () => new AppError('validation.not_found', 'No validation with this id exists for this tenant.');

export function validationPages(d: ConsoleDeps): Router {
  const router = Router();

  router.get('/console/validate', requirePermission('validations.create'), (req, res) => {
    const ctx = consoleOf(req);
    sendHtml(res, page(ctx, { title: 'Validate a payee', section: '/console/validate' }, validateForm(ctx.csrf, EMPTY_FORM, null)));
  });

  router.post('/console/validate', requirePermission('validations.create'), actAsTenant, d.tenantRateLimit, async (req, res) => {
    const ctx = consoleOf(req);
    let id: string;
    try {
      const outcome = await d.validations.create(ctx.auth, readValidateForm(req), { requestId: req.requestId });
      if (outcome.replayed) throw new Error('a console validation has no idempotency key to replay');
      id = outcome.validation.id;
    } catch (err) {
      const message = formFailure(res, err);
      if (message === null) throw err;
      const body = validateForm(ctx.csrf, typedValues(req), invalidInput(err));
      sendHtml(res, page(ctx, { title: 'Validate a payee', section: '/console/validate', error: message }, body), res.statusCode);
      return;
    }
    await d.validations.waitForFinal(ctx.scope, id, WAIT_SECONDS);
    redirect(res, `/console/validations/${id}`);
  });

  router.get('/console/validations', requirePermission('validations.read'), async (req, res) => {
    const ctx = consoleOf(req);
    const options = { title: 'Validations', section: '/console/validations' };
    const form = filterForm(filterValues(req));
    let found;
    try {
      found = await d.validations.list({ scope: ctx.scope, ...readFilters(req), limit: PAGE_SIZE });
    } catch (err) {
      const message = formFailure(res, err);
      if (message === null) throw err;
      sendHtml(res, page(ctx, { ...options, error: message }, form), res.statusCode);
      return;
    }
    sendHtml(res, page(ctx, options, html`${form}
${resultsTable(found.data.map(toValidationView))}
${pager(req, found.nextCursor)}`));
  });

  // A malformed percent-escape in the id is a 400 from the router's decoder (platform/error-handler.ts).
  router.get('/console/validations/:id', requirePermission('validations.read'), async (req, res) => {
    const ctx = consoleOf(req);
    const id = String(req.params.id);
    if (!isId('val', id)) throw notFound();
    const v = toValidationView(await d.validations.get(ctx.scope, id));
    sendHtml(res, page(ctx, { title: 'Validation', section: '/console/validations' }, validationDetail(v)));
  });

  return router;
}
