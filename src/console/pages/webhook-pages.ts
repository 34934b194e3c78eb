// Webhook endpoints and their delivery logs, in the session's mode. Every read and change goes through
// the webhook service with the console's AuthContext (scope, actor `user:<id>` in the audit log), as
// the REST API's do. A signing secret appears only on the page that answers its creation or rotation.
import { Router, type Request, type Response } from 'express';
import { AppError } from '../../platform/app-error.js';
import type { ConsoleDeps } from '../console-routes.js';
import { consoleOf, requirePermission } from '../console-session.js';
import { noticeOf, queryParam } from '../forms.js';
import { formFailure } from '../form-errors.js';
import { page, redirect, sendHtml } from '../layout.js';
import { PAGE_SIZE } from '../pager.js';
import { createInputOf, createValuesOf, enabledOf, replaySinceOf } from './webhook-forms.js';
import { EMPTY_FORM, endpointBody, listBody, secretBody, type CreateValues } from './webhook-views.js';

const NOTICES: Record<string, string> = {
  deleted: 'The endpoint is deleted. Its pending deliveries were ended; nothing more is sent to it.',
  enabled: 'The endpoint is enabled: new events are sent to it again.',
  disabled: 'The endpoint is disabled: no events are sent to it until it is enabled again.',
  replayed: 'Replay started: the events of that window are being delivered again.',
  'replay-none': 'There were no events of the subscribed types in that window; nothing was sent.',
  'replay-truncated': 'Replay started for the oldest 10,000 events of the window; replay a shorter window for the newest ones.',
  retried: 'A new round of attempts has started for that delivery.',
};

const SECTION = '/console/webhooks';

interface Shown { notice?: string | null; failure?: AppError }

const cursorOf = (req: Request) => queryParam(req, 'cursor', 200) || undefined;
const noticeFor = (req: Request) => noticeOf(req, NOTICES);

/** A failed action's message for the page (and the answer's status), or rethrown when no form shows it. */
function messageOf(res: Response, failure: AppError | undefined): string | null {
  if (!failure) return null;
  const message = formFailure(res, failure);
  if (message === null) throw failure;
  return message;
}

/** Only the service's own refusals are shown on the page; anything else is the error page's. */
function asShown(err: unknown): AppError {
  if (err instanceof AppError) return err;
  throw err;
}

export function webhookPages(d: ConsoleDeps): Router {
  const router = Router();
  const read = requirePermission('webhooks.read');
  const manage = requirePermission('webhooks.manage');

  async function showList(req: Request, res: Response, o: Shown = {}, form: CreateValues = EMPTY_FORM): Promise<void> {
    const ctx = consoleOf(req);
    const endpoints = await d.webhooks.endpoints(ctx.scope, cursorOf(req), PAGE_SIZE);
    const error = messageOf(res, o.failure);
    sendHtml(res, page(ctx, { title: 'Webhooks', section: SECTION, notice: o.notice ?? null, error }, listBody(ctx, req, endpoints, form)), res.statusCode);
  }

  /** The endpoint (a 404 when it is not the session's tenant's and mode's) with a page of its deliveries. */
  async function showEndpoint(req: Request, res: Response, id: string, o: Shown = {}): Promise<void> {
    const ctx = consoleOf(req);
    const endpoint = await d.webhooks.endpoint(ctx.scope, id);
    const deliveries = await d.webhooks.deliveries({ scope: ctx.scope, endpointId: id, cursor: cursorOf(req), limit: PAGE_SIZE });
    const error = messageOf(res, o.failure);
    sendHtml(res, page(ctx, { title: 'Webhook endpoint', section: SECTION, notice: o.notice ?? null, error }, endpointBody(ctx, req, endpoint, deliveries)), res.statusCode);
  }

  router.get('/console/webhooks', read, async (req, res) => {
    await showList(req, res, { notice: noticeFor(req) });
  });

  router.post('/console/webhooks', manage, async (req, res) => {
    const ctx = consoleOf(req);
    let created;
    try {
      created = await d.webhooks.create(ctx.auth, createInputOf(req), req.requestId);
    } catch (err) {
      return showList(req, res, { failure: asShown(err) }, createValuesOf(req));
    }
    sendHtml(res, page(ctx, { title: 'Endpoint added', section: SECTION }, secretBody(created.endpoint, created.secret, false)));
  });

  router.get('/console/webhooks/:id', read, async (req, res) => {
    await showEndpoint(req, res, String(req.params.id), { notice: noticeFor(req) });
  });

  router.post('/console/webhooks/:id/rotate-secret', manage, async (req, res) => {
    const ctx = consoleOf(req);
    const id = String(req.params.id);
    let rotated;
    try {
      rotated = await d.webhooks.rotate(ctx.auth, id, undefined, req.requestId);
    } catch (err) {
      return showEndpoint(req, res, id, { failure: asShown(err) });
    }
    sendHtml(res, page(ctx, { title: 'New signing secret', section: SECTION }, secretBody(rotated.endpoint, rotated.secret, true)));
  });

  router.post('/console/webhooks/:id/replay', manage, async (req, res) => {
    const ctx = consoleOf(req);
    const id = String(req.params.id);
    let r;
    try {
      r = await d.webhooks.replay(ctx.auth, id, replaySinceOf(req), req.requestId);
    } catch (err) {
      return showEndpoint(req, res, id, { failure: asShown(err) });
    }
    redirect(res, `/console/webhooks/${id}?notice=${r.events === 0 ? 'replay-none' : r.truncated ? 'replay-truncated' : 'replayed'}`);
  });

  router.post('/console/webhooks/:id/enabled', manage, async (req, res) => {
    const ctx = consoleOf(req);
    const id = String(req.params.id);
    let enabled: boolean;
    try {
      enabled = enabledOf(req);
      await d.webhooks.update(ctx.auth, id, { enabled }, req.requestId);
    } catch (err) {
      return showEndpoint(req, res, id, { failure: asShown(err) });
    }
    redirect(res, `/console/webhooks/${id}?notice=${enabled ? 'enabled' : 'disabled'}`);
  });

  router.post('/console/webhooks/:id/delete', manage, async (req, res) => {
    await d.webhooks.remove(consoleOf(req).auth, String(req.params.id), req.requestId);
    redirect(res, '/console/webhooks?notice=deleted');
  });

  router.post('/console/webhook-deliveries/:id/retry', manage, async (req, res) => {
    const ctx = consoleOf(req);
    // Found in the session's scope first: another tenant's (or mode's) delivery is a 404.
    const { delivery } = await d.webhooks.delivery(ctx.scope, String(req.params.id));
    const endpointId = delivery.endpointId;
    try {
      await d.webhooks.retry(ctx.auth, delivery.id, req.requestId);
    } catch (err) {
      const failure = asShown(err);
      return endpointId ? showEndpoint(req, res, endpointId, { failure }) : showList(req, res, { failure });
    }
    redirect(res, endpointId ? `/console/webhooks/${endpointId}?notice=retried` : '/console/webhooks?notice=retried');
  });

  return router;
}
